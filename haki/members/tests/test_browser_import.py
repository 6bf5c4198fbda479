"""A coordinator on a phone imports a FrontlineSMS export, choosing its columns."""

import pytest
from django.urls import reverse

from haki.core.roles import Role
from haki.members.models import Member
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    b"Name,Mobile Number,Group\nLegal Name One,+254190700001,Drop In\nLegal Name Two,0190700002,\n"
)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_imports_a_frontlinesms_export_on_a_phone(world, live_server):
    a = world["a"]
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR], start="members:list")
        page.goto(f"{live_server.url}{reverse('members:list')}")
        page.get_by_role("link", name="Import").click()
        page.get_by_label("CSV or XLSX file").set_input_files(
            {"name": "contacts.csv", "mimeType": "text/csv", "buffer": EXPORT}
        )
        page.get_by_role("button", name="Next").click()
        page.get_by_text("The file has 2 rows.").wait_for()
        assert page.get_by_label("Alias").input_value() == ""  # never the Name column
        assert page.get_by_label("Phone number").input_value() == "1"
        page.get_by_label("Area for rows that give none").select_option("CEN")
        assert fits_the_phone(page)
        screenshot(page, "members-import-columns-phone")
        page.get_by_role("button", name="Import").click()
        page.get_by_text("2 members imported or updated.").wait_for()
        assert fits_the_phone(page)
    member = Member.objects.with_phone(a.org, "+254190700001").get()
    assert member.alias.startswith("M-") and [g.name for g in member.groups.all()] == ["drop-in"]
