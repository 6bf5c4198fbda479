from __future__ import annotations

from datetime import timedelta
from importlib import resources

import pytest
from django.utils import timezone

from haki.provisioning import apply, load
from haki.referrals import indicators
from haki.referrals.demo import demo_referrals
from haki.referrals.models import EntitlementApplication, Referral

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


@pytest.mark.django_db
def test_the_demo_has_services_referrals_in_each_state_and_applications():
    org, _summary = apply(load(DEMO))
    assert org.services.count() == 4
    assert demo_referrals(org) == 8
    assert demo_referrals(org) == 0  # once only
    states = set(Referral.objects.filter(organisation=org).values_list("status", flat=True))
    assert states == set(Referral.Status.values)
    start, end = timezone.now() - timedelta(days=90), timezone.now()
    assert indicators.police_referrals_completed(org, start, end) == 1
    assert indicators.entitlements_granted(org, start, end) == 1
    assert EntitlementApplication.objects.filter(organisation=org).count() == 4
    assert org.forum_meetings.get().applications.count() == 2
