"""On a phone 360 px wide: a coordinator opens a joint action plan, reads its
progress and adds an action; the page never scrolls sideways."""

import datetime

import pytest
from django.utils import timezone

from haki.core.roles import Role
from haki.partnership.models import Action, ActionPlan
from haki.partnership.tests.factories import officer
from haki.tests.browser import phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_reads_a_plan_and_adds_an_action_on_a_phone(world, live_server):
    a = world["a"]
    focal = officer(a.org, "KP 3001", ["district_focal_point"])
    today = timezone.localdate(timezone=a.org.tzinfo)
    plan = ActionPlan.objects.create(
        organisation=a.org,
        title="Kisumu Central: Instruction 417 and safer nights for everyone",
        area=a.central,
        focal_point=focal,
        leader_member=a.member,
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=300),
    )
    for title, due, status in [
        ("Display the instruction in the charge office", -30, "done"),
        ("Print referral cards for the night shift", -5, "open"),
    ]:
        Action.objects.create(
            organisation=a.org,
            plan=plan,
            title=title,
            owner_ally=focal,
            due_on=today + datetime.timedelta(days=due),
            status=status,
            closed_on=today if status == "done" else None,
        )
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR])
        page.goto(f"{live_server.url}/partnership/plans/{plan.uuid}/")
        assert page.locator("#progress").inner_text() == "50.0% of actions done"
        assert page.get_by_text("overdue", exact=True).is_visible()
        page.locator("#id_title").fill("Invite new officers to the next training")
        page.locator("#id_owner_number").fill("kp3001")
        due = (today + datetime.timedelta(days=14)).isoformat()
        page.locator("#id_due_on").fill(due)
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_text("The action is added.").wait_for()
        assert page.locator("#progress").inner_text() == "33.3% of actions done"
        screenshot(page, "action-plan-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert plan.actions.filter(title__startswith="Invite new officers").exists()


def test_meeting_and_recognition_pages_fit_a_phone(world, live_server):
    from haki.partnership.models import Meeting
    from haki.partnership.recognition import Nomination

    a = world["a"]
    focal = officer(a.org, "KP 3002", ["district_focal_point"])
    today = timezone.localdate(timezone=a.org.tzinfo)
    meeting = Meeting.objects.create(
        organisation=a.org, held_on=today, place="Kisumu Central Police Station, the hall"
    )
    Action.objects.create(
        organisation=a.org,
        meeting=meeting,
        title="Invite the officer commanding the station to the next community dialogue",
        owner_ally=focal,
        due_on=today + datetime.timedelta(days=30),
    )
    nomination = Nomination.objects.create(
        organisation=a.org,
        ally=focal,
        award="Commendation for community policing",
        nominated_on=today,
    )
    pages = [
        "/partnership/meetings/",
        f"/partnership/meetings/{meeting.uuid}/",
        "/partnership/nominations/",
        f"/partnership/nominations/{nomination.uuid}/",
        f"/partnership/nominations/{nomination.uuid}/letter/",
        "/partnership/rounds/",
    ]
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR])
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
