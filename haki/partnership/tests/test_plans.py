"""Joint action plans and review meetings: progress and the on-track indicator over
known actions, refused input that writes nothing, who sees what, reminders sent once
in the owner's language, and meeting records that name no member."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.reauth import REAUTH_SESSION_KEY
from haki.core.roles import Role
from haki.messaging.models import Msg
from haki.partnership import timers
from haki.partnership.indicators import action_plans_on_track_pct
from haki.partnership.models import Action, ActionPlan, Ally, CheckIn, Meeting
from haki.partnership.tests.factories import officer
from haki.reports.catalogue import Scope, get
from haki.reports.figures import compute

D = datetime.date
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


def plan_of(org, area, title="Safer nights", focal=None, starts=YEAR[0], ends=YEAR[1]):
    return ActionPlan.objects.create(
        organisation=org, title=title, area=area, focal_point=focal, starts_on=starts, ends_on=ends
    )


def action_of(plan, title, due, status="open", closed=None, **owner):
    owner = owner or {"owner_user": None}
    return Action.objects.create(
        organisation=plan.organisation,
        plan=plan,
        title=title,
        due_on=due,
        status=status,
        closed_on=closed,
        **owner,
    )


@pytest.fixture
def plans(world):
    """Three plans in org A on known actions, seen on 2026-06-01:
    - on track: one done, one dropped, one open due later;
    - late: one done, one open and overdue since 2026-05-01;
    - closed late: its action was done on 2026-06-10, after it was due on 2026-05-15
      (overdue on 2026-06-01, not on 2026-06-30)."""
    a = world["a"]
    ally = officer(a.org, "KP-9", ["district_focal_point"])
    on_track = plan_of(a.org, a.central, "On track", focal=ally)
    owner = {"owner_ally": ally}
    action_of(on_track, "Display the instruction", D(2026, 3, 1), "done", D(2026, 2, 20), **owner)
    action_of(on_track, "Print cards", D(2026, 3, 1), "dropped", D(2026, 2, 1), **owner)
    action_of(on_track, "Meet the commander", D(2026, 7, 1), **owner)
    late = plan_of(a.org, a.central, "Late")
    action_of(
        late, "Train the night shift", D(2026, 4, 1), "done", D(2026, 4, 1), owner_member=a.member
    )
    action_of(late, "Referral cards", D(2026, 5, 1), owner_member=a.member)
    closed_late = plan_of(a.org, a.central, "Closed late")
    action_of(closed_late, "Visit", D(2026, 5, 15), "done", D(2026, 6, 10), **owner)
    return a, ally, on_track, late, closed_late


def test_progress_is_the_share_of_actions_done_leaving_dropped_ones_out(plans):
    _a, _ally, on_track, late, closed_late = plans
    assert on_track.progress() == 50.0  # 1 done of 2 not dropped
    assert late.progress() == 50.0
    assert closed_late.progress() == 100.0
    assert plan_of(on_track.organisation, on_track.area, "Empty").progress() is None


def test_plans_on_track_are_those_with_no_overdue_action_on_the_last_day(plans):
    a, *_ = plans
    june_1 = Scope(a.org, D(2026, 1, 1), D(2026, 6, 1))
    raw = action_plans_on_track_pct(june_1)
    assert (raw.numerator, raw.denominator) == (1, 3)
    raw = action_plans_on_track_pct(Scope(a.org, D(2026, 6, 1), D(2026, 6, 30)))
    assert (raw.numerator, raw.denominator) == (2, 3)  # "Closed late" was done by then
    (figure,) = compute(june_1, ["action_plans_on_track_pct"])
    assert figure.value == 33.3
    assert get("action_plans_on_track_pct").app == "partnership"
    elsewhere = a.org.areas.create(code="ELS", name="Elsewhere")
    assert (
        action_plans_on_track_pct(Scope(a.org, D(2026, 1, 1), D(2026, 6, 1), elsewhere)).denominator
        == 0
    )


def test_an_action_is_overdue_from_the_day_after_it_is_due_and_a_running_period_is_judged_today(
    world,
):
    a = world["a"]
    today = timezone.localdate(timezone=a.org.tzinfo)
    day = datetime.timedelta(days=1)
    plan = plan_of(a.org, a.central, "Running", starts=today - 30 * day, ends=today + 60 * day)
    due_today = action_of(plan, "Due today", today, owner_member=a.member)
    assert not due_today.is_overdue(today) and due_today.is_overdue(today + day)
    assert list(Action.objects.overdue(today)) == []
    assert list(Action.objects.overdue(today + day)) == [due_today]
    action_of(plan, "Due in ten days", today + 10 * day, owner_member=a.member)
    # The period runs to a day after both are due: judged on today, the plan is on track.
    raw = action_plans_on_track_pct(Scope(a.org, today - 30 * day, today + 60 * day))
    assert (raw.numerator, raw.denominator) == (1, 1)


def coordinator(world):
    return verified_client(world["a"].users[Role.COORDINATOR])


def test_a_coordinator_makes_a_plan_and_adds_an_action(world):
    a = world["a"]
    ally = officer(a.org, "KP-1", ["district_focal_point"])
    client = coordinator(world)
    response = client.post(
        reverse("partnership:plan_create"),
        {
            "title": "Station 417",
            "area": a.central.pk,
            "focal_point": " kp-1 ",
            "leader_alias": a.member.alias.upper(),
            "starts_on": "2026-01-01",
            "ends_on": "2099-12-31",
        },
    )
    plan = ActionPlan.objects.get(organisation=a.org)
    assert response.status_code == 302 and plan.focal_point == ally
    in_a_month = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert plan.leader_member == a.member
    response = client.post(
        reverse("partnership:plan_action", kwargs={"plan": plan.uuid}),
        {"title": "Display Instruction 417", "owner_number": "KP-1", "due_on": in_a_month},
    )
    assert response.status_code == 302
    action = plan.actions.get()
    assert action.owner_ally == ally and action.remind_on is not None
    body = client.get(reverse("partnership:plan", kwargs={"plan": plan.uuid})).content.decode()
    assert "Display Instruction 417" in body and "Officer KP-1" in body and a.member.alias in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_on": "2026-05-01", "ends_on": "2026-04-01"}, "ends on or after"),
        ({"area": "", "station": ""}, "an area or a station"),
        ({"focal_point": "B-OFFICER"}, "No officer has this service number"),
        ({"leader_alias": "org-b-alias"}, "No member has this alias"),
    ],
)
def test_a_bad_plan_is_refused_with_a_message_and_nothing_written(world, fields, message):
    a, b = world["a"], world["b"]
    officer(b.org, "B-OFFICER")
    data = {
        "title": "Plan",
        "area": a.central.pk,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        **fields,
    }
    response = coordinator(world).post(reverse("partnership:plan_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ActionPlan.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"owner_number": "B-OFFICER"}, "No officer has this service number"),  # org B's
        ({"owner_alias": "org-b-alias"}, "No member has this alias"),  # org B's member
        ({"owner_user": "OTHER"}, "Select a valid choice"),  # org B's staff
        ({}, "Give one owner"),
        ({"owner_number": "KP-1", "owner_alias": "org-a-alias"}, "Give one owner"),
        ({"owner_number": "KP-1", "due_on": "2025-12-31"}, "cannot be before 2026-01-01"),
        ({"owner_number": "KP-1", "due_on": "2027-01-01"}, "cannot be after 2026-12-31"),
    ],
)
def test_a_bad_action_is_refused_with_a_message_and_nothing_written(world, fields, message):
    a, b = world["a"], world["b"]
    officer(a.org, "KP-1")
    officer(b.org, "B-OFFICER")
    plan = plan_of(a.org, a.central)
    if fields.get("owner_user") == "OTHER":
        fields["owner_user"] = b.users[Role.COORDINATOR].pk
    data = {"title": "Act", "due_on": "2026-06-01", **fields}
    response = coordinator(world).post(
        reverse("partnership:plan_action", kwargs={"plan": plan.uuid}), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Action.objects.exists()


def test_a_status_outside_the_list_changes_nothing(plans):
    a, _ally, on_track, *_ = plans
    action = on_track.actions.get(status="open")
    client = coordinator({"a": a})
    url = reverse("partnership:action_status", kwargs={"action": action.uuid})
    response = client.post(url, {"status": "finished"}, follow=True)
    assert "Choose open, done or dropped" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open" and action.closed_on is None
    client.post(url, {"status": "done"})
    action.refresh_from_db()
    assert action.status == "done" and action.closed_on is not None and action.remind_on is None


def test_caseworkers_record_check_ins_sealed_and_cannot_add_actions(world):
    a = world["a"]
    plan = plan_of(a.org, a.central, starts=D(2026, 1, 1))
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:plan_check_in", kwargs={"plan": plan.uuid})
    response = client.post(url, {"kind": "visit", "on": "2025-12-01", "note": "x"})
    assert response.status_code == 400 and "before the plan starts" in response.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(url, {"kind": "call", "on": future, "note": "x"})
    assert response.status_code == 400 and "in the future" in response.content.decode()
    response = client.post(url, {"kind": "meeting", "on": "2026-01-02", "note": "x"})
    assert response.status_code == 400 and not CheckIn.objects.exists()
    note = "Met Sergeant Wanjiru and the leader"
    assert client.post(url, {"kind": "visit", "on": "2026-01-02", "note": note}).status_code == 302
    check_in = CheckIn.objects.get()
    assert note not in check_in.note_sealed and check_in.note == note
    add = reverse("partnership:plan_action", kwargs={"plan": plan.uuid})
    assert client.post(add, {"title": "x"}).status_code == 403


def test_a_police_ally_sees_only_their_plans_and_nothing_about_members(plans):
    a, ally, on_track, late, _closed_late = plans
    user = a.users[Role.POLICE_ALLY]
    Ally.objects.filter(pk=ally.pk).update(user=user)
    CheckIn.objects.create(organisation=a.org, plan=on_track, kind="visit", on=D(2026, 2, 1))
    on_track.leader_member = a.member
    on_track.save()
    client = verified_client(user)
    listing = client.get(reverse("partnership:plans")).content.decode()
    assert "On track" in listing and "Closed late" in listing and "Late</a>" not in listing
    page = client.get(reverse("partnership:plan", kwargs={"plan": on_track.uuid}))
    body = page.content.decode()
    assert page.status_code == 200 and "Meet the commander" in body
    assert a.member.alias not in body and "a community member" in body
    assert "Check-ins" not in body and "Add an action" not in body
    assert client.get(reverse("partnership:plan", kwargs={"plan": late.uuid})).status_code == 404


def test_the_owner_gets_one_reminder_in_their_language(plans, django_capture_on_commit_callbacks):
    a, ally, on_track, late, _ = plans
    ally.responder = a.responder
    ally.save()
    a.responder.language = "sw"
    a.responder.save()
    due = timezone.localdate(timezone=a.org.tzinfo) + datetime.timedelta(days=1)
    action = action_of(on_track, "Meet the new commander", due, owner_ally=ally)
    action.schedule_reminder()
    action.save()
    staff = action_of(late, "Staff task", due, owner_user=a.users[Role.CASEWORKER])
    staff.schedule_reminder()
    staff.save()
    assert action.remind_on <= timezone.now()  # due tomorrow: within the two days
    with django_capture_on_commit_callbacks():
        assert timers.sweep() == 1
        assert timers.sweep() == 0  # sent once, whatever the number of sweeps
    (msg,) = Msg.objects.filter(organisation=a.org, template="plans.reminder")
    assert msg.phone == a.responder.phone and msg.language == "sw"
    assert msg.text == f"Kumbusho: Meet the new commander inatakiwa tarehe {due.isoformat()}."
    action.refresh_from_db()
    staff.refresh_from_db()
    assert action.reminder == msg and action.remind_on is None
    assert staff.remind_on is None and staff.reminder is None  # staff have no number


def test_an_action_already_due_or_closed_has_no_reminder(plans):
    _a, ally, on_track, *_ = plans
    past = action_of(on_track, "Past", D(2020, 1, 1), owner_ally=ally)
    past.schedule_reminder()
    assert past.remind_on is None
    later = action_of(on_track, "Later", D(2099, 1, 10), owner_ally=ally)
    later.schedule_reminder()
    local = later.remind_on.astimezone(later.organisation.tzinfo)
    assert (local.date(), local.hour) == (D(2099, 1, 8), 9)
    later.set_status("dropped", D(2026, 1, 1))
    assert later.remind_on is None


def test_overdue_actions_show_on_the_coordinators_home_page(plans):
    a, *_ = plans
    body = coordinator({"a": a}).get(reverse("core:home")).content.decode()
    assert "overdue action" in body and "Referral cards" in body
    caseworker = verified_client(a.users[Role.CASEWORKER]).get(reverse("core:home"))
    assert "Referral cards" not in caseworker.content.decode()


def test_a_meeting_record_shows_groups_sections_and_decisions_without_aliases(plans):
    a, *_ = plans
    Meeting.objects.create(organisation=a.org, held_on=D(2026, 1, 31))
    client = coordinator({"a": a})
    response = client.post(
        reverse("partnership:meetings"),
        {
            "held_on": "2026-06-01",
            "place": "Hall",
            "attended_community": "12",
            "attended_police": "4",
            "attended_staff": "2",
            "attended_other": "0",
        },
    )
    meeting = Meeting.objects.get(held_on=D(2026, 6, 1))
    assert response.status_code == 302 and meeting.attended == 18
    assert meeting.period() == (D(2026, 2, 1), D(2026, 6, 1))
    add = reverse("partnership:meeting_action", kwargs={"meeting": meeting.uuid})
    data = {"title": "Invite the OCS", "owner_alias": a.member.alias, "due_on": "2026-07-01"}
    assert client.post(add, data).status_code == 302
    early = {**data, "due_on": "2026-05-01"}
    assert client.post(add, early).status_code == 400
    assert meeting.actions.count() == 1
    page = client.get(reverse("partnership:meeting", kwargs={"meeting": meeting.uuid}))
    body = page.content.decode()
    for heading in (
        "Brief for the review meeting",
        "Overdue actions",
        "Officers with repeated reports",
    ):
        assert heading in body
    assert "Referral cards" in body and "Invite the OCS" in body
    assert a.member.alias not in body and a.member.phone not in body
    assert a.case.narrative not in body
    assert "2026-02-01 – 2026-06-01" in body


def test_the_meeting_export_asks_again_and_is_audited(plans):
    a, *_ = plans
    meeting = Meeting.objects.create(organisation=a.org, held_on=D(2026, 6, 1))
    client = coordinator({"a": a})
    url = reverse("partnership:meeting_export", kwargs={"meeting": meeting.uuid})
    assert client.get(url).status_code == 302  # the password and a fresh code first
    session = client.session
    session[REAUTH_SESSION_KEY] = timezone.now().timestamp()
    session.save()
    response = client.get(url)
    body = response.content.decode()
    assert (
        response.status_code == 200 and "Overdue actions" in body and "a community member" in body
    )
    assert a.member.alias not in body
    assert AuditEvent.objects.filter(
        organisation=a.org, action="export", object_type="partnership.meeting"
    ).exists()


def test_the_meeting_export_gives_each_decisions_status_in_the_readers_language(plans):
    a, *_ = plans
    meeting = Meeting.objects.create(organisation=a.org, held_on=D(2026, 6, 1))
    Action.objects.create(
        organisation=a.org,
        meeting=meeting,
        title="Invite the OCS",
        due_on=D(2026, 7, 1),
        owner_member=a.member,
    )
    client = coordinator({"a": a})
    session = client.session
    session[REAUTH_SESSION_KEY] = timezone.now().timestamp()
    session.save()
    url = reverse("partnership:meeting_export", kwargs={"meeting": meeting.uuid})
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="sw").content.decode()
    (row,) = [line for line in body.splitlines() if line.startswith("Invite the OCS")]
    assert row.endswith(",wazi")


def test_merging_two_records_of_an_officer_keeps_their_actions_and_plans(plans):
    a, ally, on_track, *_ = plans
    kept = officer(a.org, "KP-10")
    kept.merge(ally, a.users[Role.COORDINATOR])
    on_track.refresh_from_db()
    assert on_track.focal_point == kept
    assert Action.objects.filter(owner_ally=kept).count() == 4
