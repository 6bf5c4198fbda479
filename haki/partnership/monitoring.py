"""Station monitoring rounds: community members and police visit stations with a
checklist (Instruction 417 in Kyrgyzstan) and answer each item yes, no or not seen.

A visit's **score** is the weighted share of yes among the items seen:
100 × Σ weight(yes) ÷ Σ weight(yes or no), none when nothing was seen. A station's
score in a round is the mean of its visits' scores in that round. Members on a team are
named only by alias and only with their consent; nothing else about them is kept here.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from haki.core.models import Area, Organisation
from haki.partnership.models import Ally, Station

WEIGHT_MAX = 10

# The checklist shipped for Instruction-417-style monitoring: (key, text, weight). Texts
# are stored in English and shown in the reader's language until an organisation
# rewrites them (like the seeded list of what can happen in a case).
INSTRUCTION_417 = "instruction-417"
STANDARD_CHECKLISTS: dict[str, list[tuple[str, str, int]]] = {
    INSTRUCTION_417: [
        ("instruction_displayed", gettext_noop("The instruction is displayed for the public"), 2),
        (
            "no_detention_for_syringes_or_condoms",
            gettext_noop("Nobody is detained for carrying syringes or condoms"),
            3,
        ),
        ("methadone_in_custody", gettext_noop("Methadone reaches people in custody"), 3),
        ("rights_told", gettext_noop("Detainees are told their rights"), 2),
        (
            "referral_cards",
            gettext_noop("Referral cards to health and legal help are available"),
            1,
        ),
        (
            "focal_point_known",
            gettext_noop("The officer on duty knows the station's focal point"),
            1,
        ),
        ("no_forced_testing", gettext_noop("Nobody is tested for HIV or drugs by force"), 2),
        ("complaints_posted", gettext_noop("How to make a complaint is posted"), 1),
    ]
}
STANDARD_TEXTS = {key: text for items in STANDARD_CHECKLISTS.values() for key, text, _w in items}


class Answer(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    NOT_SEEN = "not_seen", _("not seen")


def score_of(answers: Iterable[tuple[str, int | float]]) -> float | None:
    """The weighted share of yes among the items seen, in percent; None if none seen.
    ``answers``: (answer, weight) pairs."""
    seen = yes = 0.0
    for answer, weight in answers:
        if answer == Answer.NOT_SEEN:
            continue
        seen += weight
        if answer == Answer.YES:
            yes += weight
    return 100 * yes / seen if seen else None


def mean(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return sum(found) / len(found) if found else None


class ChecklistTemplate(models.Model):
    """What a team looks at in a station, item by item, each with its weight."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="checklists"
    )
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="checklist_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("key"), max_length=64)
    text = models.CharField(_("item"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="checklist_item_once"),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=WEIGHT_MAX),
                name="checklist_weight_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        """Shipped items read in the user's language until an organisation rewrites them."""
        if STANDARD_TEXTS.get(self.key) == self.text:
            return gettext(self.text)
        return self.text


class RoundQuerySet(models.QuerySet):
    def for_organisation(self, organisation: Organisation) -> RoundQuerySet:
        """The one access helper: every page reads rounds through it."""
        return self.filter(organisation=organisation)


class Round(models.Model):
    """A period in which teams visit the stations of an area (none: every station)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitoring_rounds"
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("checklist"),
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    created_on = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="round_ends_after_it_starts",
                violation_error_message=_("A round ends on or after its first day."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def stations(self) -> models.QuerySet[Station]:
        found = Station.objects.filter(organisation_id=self.organisation_id)
        return found.filter(area_id__in=self.area.subtree()) if self.area_id else found

    def station_scores(self) -> dict[int, float | None]:
        """Station pk → the mean score of its visits in this round (visited stations)."""
        scores: dict[int, list[float | None]] = defaultdict(list)
        for station, score in self.visits.values_list("station_id", "score"):
            scores[station].append(score)
        return {station: mean(values) for station, values in scores.items()}

    def not_visited(self) -> models.QuerySet[Station]:
        return self.stations().exclude(pk__in=self.visits.values("station_id"))


class Visit(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="visits")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("date of the visit"))
    score = models.FloatField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.station_id} on {self.visited_on}"


class VisitAnswer(models.Model):
    """One item's answer, with the item's weight on the day (the score can be redone)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["visit", "item__position"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="visit_answer_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.item_id}={self.answer}"


class VisitTeamMember(models.Model):
    """Who went: a police ally, or a member named by alias only with her consent."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    ally = models.ForeignKey(
        Ally, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member_consented = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(ally__isnull=False, member__isnull=True))
                | (Q(ally__isnull=True, member__isnull=False, member_consented=True)),
                name="visit_team_is_an_ally_or_a_consenting_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.ally_id or self.member_id}"


@dataclass
class VisitRecord:
    """A visit as a form or a file gives it, before anything is written."""

    round: Round
    station: Station
    visited_on: datetime.date
    answers: dict[str, str]  # item key → answer
    allies: Sequence[Ally] = ()
    members: Sequence[object] = ()  # haki.members.models.Member, each consented


def visit_problems(record: VisitRecord) -> list[str]:
    """Everything wrong with ``record``, in the reader's language; none: it may be saved."""
    problems = []
    org_id = record.round.organisation_id
    if not record.round.starts_on <= record.visited_on <= record.round.ends_on:
        problems.append(
            gettext("The visit must fall within the round (%(start)s to %(end)s).")
            % {"start": record.round.starts_on, "end": record.round.ends_on}
        )
    if not record.round.stations().filter(pk=record.station.pk).exists():
        problems.append(gettext("This station is not one of the round's stations."))
    people = [*record.allies, *record.members]
    if any(person.organisation_id != org_id for person in people):
        problems.append(gettext("Every team member must belong to this organisation."))
    keys = set(record.round.template.items.values_list("key", flat=True))
    if set(record.answers) - keys:
        problems.append(gettext("Some answers are for items that are not on the checklist."))
    if keys - set(record.answers):
        problems.append(gettext("Answer every item of the checklist."))
    if any(answer not in Answer.values for answer in record.answers.values()):
        problems.append(gettext("Answer each item yes, no or not seen."))
    return problems


@transaction.atomic
def record_visit(record: VisitRecord, user: object = None) -> Visit:
    """Save the visit, its answers and team, and its score, or nothing at all."""
    problems = visit_problems(record)
    if problems:
        raise ValidationError(problems)
    items = {i.key: i for i in record.round.template.items.all()}
    answers = [(record.answers[key], item) for key, item in items.items()]
    visit = Visit.objects.create(
        organisation_id=record.round.organisation_id,
        round=record.round,
        station=record.station,
        visited_on=record.visited_on,
        score=score_of((answer, item.weight) for answer, item in answers),
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    VisitAnswer.objects.bulk_create(
        VisitAnswer(visit=visit, item=item, answer=answer, weight=item.weight)
        for answer, item in answers
    )
    VisitTeamMember.objects.bulk_create(
        [VisitTeamMember(visit=visit, ally=ally) for ally in record.allies]
        + [VisitTeamMember(visit=visit, member=m, member_consented=True) for m in record.members]
    )
    return visit


def score_table(
    organisation: Organisation, rounds: Sequence[Round]
) -> list[tuple[Station, list[float | None]]]:
    """Each station visited in any of ``rounds``, with its score in each (None: not
    visited or nothing seen), in the order of ``rounds``; one query for the visits."""
    scores: dict[tuple[int, int], list[float | None]] = defaultdict(list)
    visits = Visit.objects.filter(organisation=organisation, round__in=rounds)
    for station, round_id, score in visits.values_list("station_id", "round_id", "score"):
        scores[(station, round_id)].append(score)
    stations = Station.objects.filter(pk__in={s for s, _r in scores}).order_by("code")
    return [
        (station, [mean(scores.get((station.pk, r.pk), [])) for r in rounds])
        for station in stations
    ]


def falling_stations(
    organisation: Organisation, since_date: datetime.date
) -> list[tuple[Station, float, float]]:
    """Stations whose score fell: for each station, its score in the latest round in
    which it was visited on or after ``since_date``, against its score in the round
    before that in which it was visited (and anything was seen). Returns (station,
    previous score, latest score), the largest fall first."""
    scores: dict[int, dict[int, list[float | None]]] = defaultdict(lambda: defaultdict(list))
    recent: dict[int, set[int]] = defaultdict(set)
    starts: dict[int, tuple[datetime.date, int]] = {}
    visits = Visit.objects.filter(organisation=organisation).values_list(
        "station_id", "round_id", "round__starts_on", "visited_on", "score"
    )
    for station, round_id, starts_on, visited_on, score in visits:
        scores[station][round_id].append(score)
        starts[round_id] = (starts_on, round_id)
        if visited_on >= since_date:
            recent[station].add(round_id)
    falls: dict[int, tuple[float, float]] = {}
    for station, rounds in recent.items():
        latest = max(rounds, key=starts.__getitem__)
        before = [
            r
            for r in scores[station]
            if starts[r] < starts[latest] and mean(scores[station][r]) is not None
        ]
        now = mean(scores[station][latest])
        if not before or now is None:
            continue
        previous = mean(scores[station][max(before, key=starts.__getitem__)])
        if previous is not None and now < previous:
            falls[station] = (previous, now)
    found = Station.objects.filter(organisation=organisation, pk__in=falls)
    ordered = sorted(found, key=lambda s: (falls[s.pk][1] - falls[s.pk][0], s.code))
    return [(station, *falls[station.pk]) for station in ordered]
