from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.text import slugify
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from haki.cases.taxonomy import (
    SEED_LABELS,
    SEED_VIOLATIONS,
    Action,
    Kind,
    Outcome,
    Perpetrator,
    Place,
)
from haki.core.crypto import Sealed, SealedBytes
from haki.core.models import Area, AuditEvent, Organisation


class ViolationTypeQuerySet(models.QuerySet):
    def active(self) -> ViolationTypeQuerySet:
        return self.filter(active=True)


class ViolationType(models.Model):
    """One entry of an organisation's list of what can happen: an abuse or a positive
    act. Seeded with the programme's list; organisations add their own."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="violation_types"
    )
    key = models.SlugField(_("key"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ABUSE)
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    objects = ViolationTypeQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="violation_key_unique")
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The seeded entries read in the user's language until an organisation renames
        them; their own entries read as written."""
        if SEED_LABELS.get(self.key) == self.label:
            return gettext_now(self.label)
        return self.label

    @classmethod
    def new_key(cls, organisation: Organisation, label: str) -> str:
        """A key for an organisation's own entry, derived from its label and unique."""
        base = slugify(label).replace("-", "_")[:56] or "custom"
        taken = set(organisation.violation_types.values_list("key", flat=True))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        return key

    @classmethod
    def seed(cls, organisation: Organisation) -> None:
        existing = set(organisation.violation_types.values_list("key", flat=True))
        cls.objects.bulk_create(
            cls(
                organisation=organisation,
                key=key,
                label=label,
                kind=kind,
                position=position,
            )
            for position, (key, label, kind) in enumerate(SEED_VIOLATIONS)
            if key not in existing
        )


class CaseQuerySet(models.QuerySet):
    def for_organisation(self, organisation: Organisation) -> CaseQuerySet:
        return self.filter(organisation=organisation)


class Case(models.Model):
    """A documented incident: a rights violation, a good act by police, or both.
    Who the officer was and what happened in the member's words are encrypted."""

    class Source(models.TextChoices):
        DIRECT = "direct", _("Entered directly")
        ALERT = "alert", _("From an alert")
        IMPORT = "import", _("Imported")
        USSD = "ussd", _("Reported by the member (USSD menu)")

    class Status(models.TextChoices):
        # A member's own report: place and who did it may be unknown until a caseworker
        # completes it. It is listed and counted (indicators, patterns, briefs) as any
        # case is from the start, with the consents the member chose.
        TO_REVIEW = "to_review", _("To review")
        RECORDED = "recorded", _("Recorded")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cases")
    number = models.PositiveIntegerField(editable=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.DIRECT)
    status = models.CharField(
        _("state"), max_length=12, choices=Status.choices, default=Status.RECORDED
    )
    alert = models.OneToOneField(
        "crisis.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="case"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    occurred_on = models.DateField(_("date"))
    occurred_at = models.TimeField(_("time"), null=True, blank=True)
    date_is_approximate = models.BooleanField(_("the date is approximate"), default=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases")
    place = models.CharField(_("place"), max_length=16, choices=Place.choices, blank=True)
    violations = models.ManyToManyField(
        ViolationType,
        through="CaseViolation",
        related_name="cases",
        verbose_name=_("what happened"),
    )
    perpetrator = models.CharField(
        _("who did it"), max_length=24, choices=Perpetrator.choices, blank=True
    )
    unit = models.CharField(_("unit or station"), max_length=200, blank=True)
    officer_sealed = models.TextField(blank=True, editable=False)
    people_affected = models.PositiveSmallIntegerField(_("number of people affected"), default=1)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    consent_reports = models.BooleanField(_("may be used in anonymised reports"), default=False)
    consent_police = models.BooleanField(_("may be raised with police leadership"), default=False)
    narrative_sealed = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    officer = Sealed("officer_sealed")
    narrative = Sealed("narrative_sealed")

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="case_number_unique")
        ]
        # Each grouped query of haki.cases.tally reads one of these alone, never the wide
        # rows with their encrypted texts. One per query, with only what it reads: an
        # index-only scan unpacks every column of every entry it passes.
        indexes = [
            models.Index(
                fields=["organisation", "occurred_on", "consent_police", "people_affected", "id"],
                name="case_counts_by_day",
            ),
            models.Index(
                fields=[
                    "organisation",
                    "occurred_on",
                    "consent_police",
                    "area",
                    "perpetrator",
                    "place",
                    "outcome",
                ],
                name="case_counts_by_kind",
            ),
            models.Index(
                fields=["organisation", "occurred_on", "consent_police", "unit"],
                name="case_counts_by_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.number is None:
            with transaction.atomic():
                self.number = Case.next_numbers(self.organisation, 1)[0]
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        self.copy_to_links()

    @property
    def to_review(self) -> bool:
        return self.status == Case.Status.TO_REVIEW

    @classmethod
    def report_by_member(
        cls,
        member: Any,
        *,
        violation: ViolationType | None,
        area: Area,
        occurred_on: Any,
        approximate: bool,
        consent_reports: bool,
        consent_police: bool,
    ) -> Case:
        """A member's own report (USSD): a case to review, whose place and perpetrator
        a caseworker completes before accepting it."""
        with transaction.atomic():
            case = cls(
                organisation=member.organisation,
                source=cls.Source.USSD,
                status=cls.Status.TO_REVIEW,
                member=member,
                area=area,
                occurred_on=occurred_on,
                date_is_approximate=approximate,
                consent_reports=consent_reports,
                consent_police=consent_police,
            )
            case.save()
            if violation is not None:
                case.violations.add(violation)
            AuditEvent.record("ussd", AuditEvent.Action.CREATE, case)
        return case

    def accept(self, user: Any) -> None:
        """A caseworker has completed a member's report: it becomes a recorded case."""
        self.status = Case.Status.RECORDED
        self.save(update_fields=["status", "modified_on"])
        AuditEvent.record(user, AuditEvent.Action.CHANGE, self)

    def link_copies(self) -> dict[str, Any]:
        """What each CaseViolation of this case holds a copy of."""
        return {
            "organisation_id": self.organisation_id,
            "occurred_on": self.occurred_on,
            "consent_police": self.consent_police,
        }

    def copy_to_links(self) -> None:
        """Keep what CaseViolation copies of this case in step with it."""
        copies = self.link_copies()
        CaseViolation.objects.filter(case=self).exclude(**copies).update(**copies)

    @staticmethod
    def next_numbers(organisation: Organisation, count: int) -> range:
        """Reserve ``count`` consecutive case numbers; call inside a transaction."""
        Organisation.objects.select_for_update().filter(pk=organisation.pk).exists()
        last = Case.objects.filter(organisation=organisation).aggregate(models.Max("number"))
        start = (last["number__max"] or 0) + 1
        return range(start, start + count)


class CaseViolation(models.Model):
    """One thing that happened in a case. The case's organisation, date and consent to
    raise it with police are copied here (Case.copy_to_links keeps them in step), so
    that counting what happened month by month reads this table's own index instead of
    joining every case to its links."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="violation_links")
    violationtype = models.ForeignKey(ViolationType, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    occurred_on = models.DateField(null=True)
    consent_police = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "violationtype"], name="case_violation_once")
        ]
        indexes = [
            models.Index(
                fields=["organisation", "occurred_on", "consent_police", "violationtype"],
                name="case_links_by_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.violationtype_id}"


@receiver(m2m_changed, sender=CaseViolation)
def copy_cases_to_new_links(sender, instance, action: str, pk_set, **kwargs) -> None:
    """Links made with ``case.violations.set()`` or ``.add()`` get the case's copies."""
    if action != "post_add":
        return
    cases = [instance] if isinstance(instance, Case) else Case.objects.filter(pk__in=pk_set)
    for case in cases:
        case.copy_to_links()


class CaseAction(models.Model):
    """Something done in response, with the date it was done."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    done_on = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "action"], name="case_action_once")]

    def __str__(self) -> str:
        return self.get_action_display()


class Attachment(models.Model):
    """A photo or document kept with a case, encrypted with the organisation's keys;
    images are re-encoded on the way in, which drops their metadata (GPS included)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="attachments"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    name_sealed = models.TextField(editable=False)
    data_sealed = models.BinaryField(editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    name = Sealed("name_sealed")
    content = SealedBytes("data_sealed")

    class Meta:
        ordering = ["created_on"]

    def __str__(self) -> str:
        return str(self.uuid)
