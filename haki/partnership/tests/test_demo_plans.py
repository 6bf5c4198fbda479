from __future__ import annotations

from importlib import resources

import pytest
from django.utils import timezone

from haki.partnership.demo import demo_plans
from haki.partnership.meetings import record
from haki.partnership.models import Action
from haki.provisioning import apply, load

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


@pytest.mark.django_db
def test_the_demo_has_a_plan_with_an_overdue_action_a_check_in_and_a_meeting():
    org, _summary = apply(load(DEMO))
    assert demo_plans(org) == 1
    assert demo_plans(org) == 0  # once only
    plan = org.action_plans.get()
    today = timezone.localdate(timezone=org.tzinfo)
    assert plan.focal_point.is_focal_point and plan.leader_member.alias == "Rose"
    assert [a.title for a in Action.objects.overdue(today)] == [
        "Print referral cards for the night shift"
    ]
    assert plan.progress() == 33.3 and plan.check_ins.count() == 1
    meeting = org.review_meetings.get()
    assert meeting.attended == 23 and meeting.actions.count() == 1
    shown = str([section.rows for section in record(meeting)])
    assert "Rose" not in shown and "a community member" in shown
