"""A clinic's desk confirms a visit from a phone at 360 px: the page lists its own
expected codes by alias, takes the code shown, and never scrolls sideways."""

from __future__ import annotations

import pytest

from haki.core.roles import Role
from haki.referrals.models import Referral, Service, ServiceKind
from haki.tests.browser import phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_service_provider_confirms_a_visit_by_code_on_a_phone(world, live_server):
    a = world["a"]
    clinic = Service(
        organisation=a.org,
        name="Lake Drop-in Centre",
        kind=ServiceKind.of(a.org).get(key="drop_in"),
        area=a.central,
        address="Oginga Odinga Rd",
        hours="Mon-Sat 8-18",
    )
    clinic.save()
    desk = a.users[Role.SERVICE_PROVIDER]
    clinic.providers.add(desk)
    referral = Referral.make(a.org, clinic, member=a.member, referrer_type="staff")
    with phone_page() as page:
        sign_in(page, live_server, desk, start="referrals:provider")
        page.get_by_role("cell", name=referral.code).wait_for()
        assert a.member.alias in page.content()
        assert no_sideways_scroll(page)
        form = page.locator("form.manage")
        form.get_by_label("Code on the slip or card").fill("WRONG1")
        form.get_by_role("button", name="Confirm").click()
        page.get_by_text("This code is not one of your open referrals.").wait_for()
        assert no_sideways_scroll(page)
        form = page.locator("form.manage")
        form.get_by_label("Code on the slip or card").fill(referral.code.lower())
        screenshot(page, "referrals-provider-confirm-phone")
        form.get_by_role("button", name="Confirm").click()
        page.get_by_text(f"Code {referral.code}: confirmed.").wait_for()
        assert no_sideways_scroll(page)
        screenshot(page, "referrals-provider-confirmed-phone")
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.confirmed_by_user == desk
