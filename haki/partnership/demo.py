"""The demo organisation's partnership extras: a community co-trainer (a fictional
member who agreed to be named) facilitating its in-service training, and a joint action
plan and review meeting: one action done, one overdue, one coming (its owner is
reminded by SMS), a check-in, and a meeting with attendance by group and one decision."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from haki.core.models import Organisation
from haki.members.models import Member
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
