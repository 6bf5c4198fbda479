"""Recognising officers who acted well: a nomination with the positive acts documented
in cases as its evidence, a decision, and an evidence letter for the officer's
promotion file.

Reviewers see each act's date, area and what happened, never the member's alias nor the
case number; a case's narrative is shown only where the member agreed to its use in
reports (``Case.consent_reports``). The letter carries the same, and nothing else."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haki.cases.taxonomy import Kind as ActKind
from haki.core.models import Organisation
from haki.partnership.cases import officer_index
from haki.partnership.models import Ally, CaseOfficer, Station


class NominationQuerySet(models.QuerySet):
    def for_organisation(self, organisation: Organisation) -> NominationQuerySet:
        """The one access helper: every page reads nominations through it."""
        return self.filter(organisation=organisation)


class Nomination(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("awaiting a decision")
        AWARDED = "awarded", _("awarded")
        DECLINED = "declined", _("declined")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="nominations"
    )
    ally = models.ForeignKey(Ally, on_delete=models.CASCADE, related_name="nominations")
    # The officer's station when nominated: awards are counted by its area.
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    award = models.CharField(_("award"), max_length=200)
    nominated_on = models.DateField(_("nominated on"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cases = models.ManyToManyField("cases.Case", related_name="+", blank=True)
    created_on = models.DateTimeField(auto_now_add=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-nominated_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="pending", decided_on__isnull=True)
                | (~models.Q(decision="pending") & models.Q(decided_on__isnull=False)),
                name="nomination_decided_with_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"nomination {self.uuid}"

    @transaction.atomic
    def decide(self, decision: str, on: datetime.date, user: object) -> None:
        if decision not in (self.Decision.AWARDED, self.Decision.DECLINED):
            raise ValidationError(gettext("Choose awarded or declined."))
        if on < self.nominated_on:
            raise ValidationError(gettext("A decision comes on or after the nomination."))
        self.decision, self.decided_on = decision, on
        self.decided_by = user if getattr(user, "pk", None) else None
        self.save(update_fields=["decision", "decided_on", "decided_by"])


def positive_cases(ally: Ally):
    """Cases of the officer's organisation that name the officer and record a positive
    act: what may be given as evidence."""
    from haki.cases.models import Case

    org = ally.organisation
    named = CaseOfficer.objects.filter(organisation=org, ally_index=officer_index(org, ally))
    return (
        Case.objects.filter(
            organisation=org,
            pk__in=named.values("case_id"),
            violation_links__violationtype__kind=ActKind.POSITIVE,
        )
        .distinct()
        .order_by("-occurred_on", "-pk")
    )


@dataclass
class Act:
    """One positive act as reviewers and the letter show it: no alias, no number."""

    occurred_on: datetime.date
    area: str
    acts: list[str]
    narrative: str  # "" unless the member agreed to its use in reports


def acts_of(cases) -> list[Act]:
    """What reviewers see of each case: the date, the area, the positive acts, and the
    narrative only with the member's consent to its use in reports."""
    found = []
    for case in cases.select_related("area", "organisation").prefetch_related("violations"):
        positive = [v.display_label for v in case.violations.all() if v.kind == ActKind.POSITIVE]
        found.append(
            Act(
                occurred_on=case.occurred_on,
                area=case.area.name,
                acts=positive,
                narrative=case.narrative if case.consent_reports else "",
            )
        )
    return found


@transaction.atomic
def nominate(ally: Ally, cases: list, award: str, on: datetime.date, user: object) -> Nomination:
    """A nomination of ``ally`` with ``cases`` as evidence; each must name the officer
    and record a positive act, in the same organisation."""
    allowed = set(positive_cases(ally).values_list("pk", flat=True))
    if not cases:
        raise ValidationError(gettext("Choose at least one positive act as evidence."))
    if any(case.pk not in allowed for case in cases):
        raise ValidationError(
            gettext("Evidence must be a case naming this officer with a positive act.")
        )
    posting = ally.posting_on(on)
    nomination = Nomination.objects.create(
        organisation_id=ally.organisation_id,
        ally=ally,
        station=posting.station if posting else None,
        award=award,
        nominated_on=on,
        nominated_by=user if getattr(user, "pk", None) else None,
    )
    nomination.cases.set(cases)
    return nomination


def letter_context(nomination: Nomination) -> dict:
    """What the evidence letter says: the officer, the award, and the acts without any
    member, number or unconsented narrative."""
    ally = nomination.ally
    ally.organisation = nomination.organisation
    return {
        "nomination": nomination,
        "organisation": nomination.organisation,
        "officer_name": ally.name,
        "rank": ally.rank,
        "station": nomination.station.name if nomination.station else "",
        "acts": acts_of(nomination.cases.all()),
    }
