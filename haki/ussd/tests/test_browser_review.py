"""A caseworker on a phone finds a member's USSD report among the cases, completes it and
accepts it; every page fits a 360-pixel screen."""

import datetime

import pytest

from haki.cases.models import Case
from haki.core.roles import Role
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_caseworker_reviews_and_accepts_a_members_report_on_a_phone(world, live_server):
    a = world["a"]
    report = Case.report_by_member(
        a.member,
        violation=a.org.violation_types.get(key="extortion"),
        area=a.central,
        occurred_on=datetime.date.today(),
        approximate=False,
        consent_reports=True,
        consent_police=False,
    )
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.CASEWORKER])
        page.goto(f"{live_server.url}/cases/")
        page.get_by_role("link", name="1 report to review").click()
        assert fits_the_phone(page)
        page.get_by_role("link", name=f"#{report.number}").click()
        page.get_by_text("To review: a member's own report.").wait_for()
        assert fits_the_phone(page)
        page.get_by_role("link", name="Review and accept").click()
        page.get_by_label("Place").select_option("street")
        page.get_by_label("Who did it").select_option("municipal_officer")
        assert fits_the_phone(page)
        screenshot(page, "ussd-report-review-phone")
        page.get_by_role("button", name="Accept as a case").click()
        page.get_by_text(f"Case #{report.number} accepted.").wait_for()
        report.refresh_from_db()
        assert report.status == Case.Status.RECORDED and report.perpetrator == "municipal_officer"
