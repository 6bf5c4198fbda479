"""An operator on a phone: raise an alert from the board, watch it appear, take it
and close it. After raising, the board never reloads: the operator's own buttons and
changes made elsewhere (a responder answering by SMS) arrive in place."""

import pytest

from haki.core.roles import Role
from haki.crisis import alerts
from haki.crisis.models import Alert
from haki.tests.browser import phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_raises_takes_and_closes_alerts_and_the_board_never_reloads(world, live_server):
    a = world["a"]
    Alert.objects.filter(pk=a.alert.pk).update(status="closed")  # start from an empty board
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.OPERATOR])
        assert page.get_by_text("No open alerts.").is_visible()
        page.get_by_label("Member's alias").fill("org-a-alias")
        page.get_by_label("What is happening").fill("held at the market post")
        page.get_by_role("button", name="Raise alert").click()
        first = Alert.objects.get(organisation=a.org, status="open")
        card = page.locator(".alerts li", has_text=first.reference)
        card.wait_for()
        assert "Waiting" in card.inner_text()
        screenshot(page, "board-raised-phone")

        page.evaluate("window.sameDocument = true")  # lost if the page reloads
        card.get_by_role("button", name="Take it").click()
        card.get_by_text("Taken by").wait_for()
        card.get_by_label("Outcome").fill("released without charge")
        card.get_by_role("button", name="Close").click()
        card.wait_for(state="detached")
        assert page.get_by_text("No open alerts.").is_visible()

        # A member texts HELP elsewhere; a responder takes it by SMS: both show up.
        second, _ = alerts.raise_alert(a.org, member=a.member, words="second call")
        other = page.locator(".alerts li", has_text=second.reference)
        other.wait_for(timeout=15000)
        alerts.acknowledge(second, responder=a.responder)
        other.get_by_text("Taken by").wait_for(timeout=15000)
        screenshot(page, "board-live-phone")
        assert page.evaluate("window.sameDocument === true"), "the board reloaded the page"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    first.refresh_from_db()
    assert first.acknowledged_by_user == a.users[Role.OPERATOR]
    assert first.status == "closed" and first.outcome == "released without charge"
