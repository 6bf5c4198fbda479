"""The demo organisation's monitoring round and nomination: fictional visits to its
stations with the shipped Instruction 417 checklist, and one officer nominated for
positive acts found among the demo cases."""

from __future__ import annotations

import datetime

from django.utils import timezone

from haki.cases.taxonomy import Kind as ActKind
from haki.core.models import Organisation
from haki.members.models import Member
from haki.partnership.cases import name_officer
from haki.partnership.models import Ally, Station, normalise_service_number
from haki.partnership.monitoring import (
    INSTRUCTION_417,
    ChecklistTemplate,
    Round,
    VisitRecord,
    record_visit,
)
from haki.partnership.recognition import Nomination, nominate

# (station code, days after the round's start, answers in the checklist's order)
VISITS = [
    ("KSM-CPS", 2, ["yes", "yes", "no", "yes", "not_seen", "yes", "yes", "no"]),
    ("KSM-EPP", 5, ["no", "yes", "not_seen", "no", "no", "yes", "not_seen", "no"]),
]
NOMINEE = "DEMO-1002"


def ally(org: Organisation, number: str) -> Ally | None:
    index = org.keyring.index(normalise_service_number(None, number))
    return Ally.objects.filter(organisation=org, service_number_index=index).first()


def demo_monitoring(org: Organisation) -> int:
    """One round of this month with visits to two of the three stations; returns how
    many visits (none when a round exists already)."""
    template = ChecklistTemplate.objects.filter(organisation=org, key=INSTRUCTION_417).first()
    if template is None or Round.objects.for_organisation(org).exists():
        return 0
    today = timezone.localdate(timezone=org.tzinfo)
    start = today - datetime.timedelta(days=10)
    rnd = Round.objects.create(
        organisation=org,
        template=template,
        name="Demo round",
        starts_on=start,
        ends_on=start + datetime.timedelta(days=40),
    )
    keys = list(template.items.values_list("key", flat=True))
    stations = {s.code: s for s in Station.objects.filter(organisation=org)}
    members = list(Member.objects.filter(organisation=org, alias="Rose"))
    allies = [a for a in [ally(org, NOMINEE)] if a]
    for code, after, answers in VISITS:
        record_visit(
            VisitRecord(
                round=rnd,
                station=stations[code],
                visited_on=start + datetime.timedelta(days=after),
                answers=dict(zip(keys, answers, strict=True)),
                allies=allies,
                members=members,
            )
        )
    return len(VISITS)


def demo_nomination(org: Organisation) -> Nomination | None:
    """Name the nominee in three of the demo's cases with a positive act, and nominate
    them with those as evidence (once)."""
    nominee = ally(org, NOMINEE)
    if nominee is None or Nomination.objects.for_organisation(org).exists():
        return None
    cases = list(
        org.cases.filter(violation_links__violationtype__kind=ActKind.POSITIVE).distinct()[:3]
    )
    if not cases:
        return None
    for case in cases:
        name_officer(case, nominee)
    today = timezone.localdate(timezone=org.tzinfo)
    return nominate(nominee, cases, "Commissioner's commendation", today, "demo")
