"""The demo organisation's partnership extras, all fictional: a community co-trainer (a
member who agreed to be named) facilitating its in-service training; a joint action
plan and review meeting (one action done, one overdue, one coming whose owner is
reminded by SMS, a check-in, attendance by group and one decision); a monitoring round
of its stations with the shipped Instruction 417 checklist; and one officer nominated
for positive acts found among the demo cases."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from haki.cases.taxonomy import Kind as ActKind
from haki.core.models import Organisation
from haki.members.models import Member
from haki.partnership.cases import name_officer
from haki.partnership.models import (
    Action,
    ActionPlan,
    Ally,
    CheckIn,
    CoTrainer,
    Facilitator,
    Meeting,
    Station,
    Training,
)
from haki.partnership.monitoring import (
    INSTRUCTION_417,
    ChecklistTemplate,
    Round,
    VisitRecord,
    record_visit,
)
from haki.partnership.recognition import Nomination, nominate

CO_TRAINER = ("Zawadi", "Rights and policing")  # member alias, training


def demo_co_trainers(org: Organisation) -> int:
    """Name the demo co-trainer once; returns how many members co-train."""
    alias, name = CO_TRAINER
    member = org.members.filter(alias=alias).first()
    training = Training.objects.filter(organisation=org, name=name).first()
    if member is None or training is None:
        return 0
    CoTrainer.objects.get_or_create(
        member=member, defaults={"organisation": org, "agreed_on": datetime.date(2025, 5, 1)}
    )
    Facilitator.objects.get_or_create(
        training=training, member=member, defaults={"member_consented": True}
    )
    return CoTrainer.objects.filter(organisation=org).count()


def demo_plans(org: Organisation) -> int:
    """Create the demo plan and meeting once; returns how many plans were made."""
    station = Station.objects.filter(organisation=org).first()
    focal = Ally.objects.filter(organisation=org, roles_text__contains=" district_focal_point ")
    focal = focal.first()
    if org.action_plans.exists() or station is None or focal is None:
        return 0
    leader = Member.objects.filter(organisation=org, erased_on__isnull=True).order_by("pk").first()
    today = timezone.localdate(timezone=org.tzinfo)

    def day(offset: int) -> datetime.date:
        return today + datetime.timedelta(days=offset)

    plan = ActionPlan.objects.create(
        organisation=org,
        title="Instruction 417 at the station, and safer nights",
        station=station,
        focal_point=focal,
        leader_member=leader,
        starts_on=day(-60),
        ends_on=day(120),
    )
    member_owner = {"owner_member": leader} if leader else {"owner_ally": focal}
    for title, due, owner, status in [
        ("Display Instruction 417 in the charge office", -40, {"owner_ally": focal}, "done"),
        ("Print referral cards for the night shift", -10, member_owner, "open"),
        ("Invite newly posted officers to the next training", 20, {"owner_ally": focal}, "open"),
    ]:
        action = Action(organisation=org, plan=plan, title=title, due_on=day(due), **owner)
        action.set_status(status, day(due - 2))
        action.save()
    check_in = CheckIn(organisation=org, plan=plan, kind=CheckIn.Kind.VISIT, on=day(-5))
    check_in.note = "Demo note: the instruction is on the wall; cards not printed yet."
    check_in.save()
    meeting = Meeting.objects.create(
        organisation=org,
        held_on=day(-3),
        place="Demo community hall",
        attended_community=14,
        attended_police=5,
        attended_staff=3,
        attended_other=1,
    )
    coordinator = (
        get_user_model()
        .objects.filter(memberships__organisation=org, memberships__role="coordinator")
        .first()
    )
    owner = {"owner_user": coordinator} if coordinator else {"owner_ally": focal}
    decision = Action(
        organisation=org,
        meeting=meeting,
        title="Share the brief with the station commander",
        due_on=day(10),
        **owner,
    )
    decision.schedule_reminder()
    decision.save()
    return 1


# (station code, days after the round's start, answers in the checklist's order)
VISITS = [
    ("KSM-CPS", 2, ["yes", "yes", "no", "yes", "not_seen", "yes", "yes", "no"]),
    ("KSM-EPP", 5, ["no", "yes", "not_seen", "no", "no", "yes", "not_seen", "no"]),
]
NOMINEE = "DEMO-1002"


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
    allies = [a for a in [Ally.find(org, NOMINEE)] if a]
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
    nominee = Ally.find(org, NOMINEE)
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
