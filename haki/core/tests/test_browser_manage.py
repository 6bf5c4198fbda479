"""A coordinator runs the network from a phone: adds a responder and a member and
writes the RIGHTS text in Swahili, on pages that never scroll sideways at 360 px."""

import pytest

from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.crisis.models import Responder
from haki.members.models import Member
from haki.surveys.models import InfoText
from haki.tests.browser import phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    # After a click the next page may not have its document yet.
    page.wait_for_load_state()
    page.wait_for_function("() => document.documentElement !== null")
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_coordinator_adds_a_responder_and_a_member_and_writes_rights_in_swahili(
    world, live_server
):
    a = world["a"]
    InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "Know your rights"})
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR], start="crisis:responders")
        page.get_by_role("link", name="Add a responder").click()
        form = page.locator("form.manage")
        form.get_by_label("Name").fill("Paralegal Baraka")
        form.get_by_label("Phone number").fill("0190 000 777")  # national: read in Kenya
        form.get_by_label("Tier").select_option("paralegal")
        form.get_by_label("Central (CEN)").check()
        form.get_by_label("On duty").check()
        assert no_sideways_scroll(page)
        screenshot(page, "manage-responder-phone")
        form.get_by_role("button", name="Save").click()
        page.get_by_text("Paralegal Baraka").wait_for()

        page.goto(f"{live_server.url}/members/add/")
        form = page.locator("form.manage")
        form.get_by_label("Alias").fill("Sunflower")
        form.get_by_label("Phone number").fill("+254 190 100 555")
        form.get_by_label("Area").select_option(label="Central (CEN)")
        form.get_by_label("Language").select_option("sw")
        form.get_by_label("Codewords").fill("velvet moth")
        form.get_by_label("share my number with responders").check()
        assert no_sideways_scroll(page)
        screenshot(page, "manage-member-phone")
        form.get_by_role("button", name="Save").click()
        page.get_by_role("heading", name="Sunflower").wait_for()
        assert no_sideways_scroll(page)

        page.get_by_role("link", name="Settings").click()
        assert no_sideways_scroll(page)
        page.get_by_role("link", name="Information keywords").click()
        page.get_by_role("link", name="RIGHTS").click()
        answer = page.locator("form.manage").get_by_label("Answer (Swahili)")
        answer.fill("Una haki ya kuwa na wakili.")
        assert no_sideways_scroll(page)
        screenshot(page, "manage-rights-swahili-phone")
        page.locator("form.manage").get_by_role("button", name="Save").click()
        page.get_by_text("Saved.").wait_for()
        assert no_sideways_scroll(page)

    responder = Responder.objects.get(
        organisation=a.org, tier="paralegal", on_duty=True, pk__gt=a.responder.pk
    )
    assert responder.name == "Paralegal Baraka" and responder.phone == "+254190000777"
    assert list(responder.areas.all()) == [a.central]
    member = Member.objects.get(organisation=a.org, alias="Sunflower")
    assert member.phone == "+254190100555" and member.codewords == ["VELVET MOTH"]
    assert member.language == "sw" and member.share_number_with_responders
    rights = InfoText.objects.get(organisation=a.org, keyword="RIGHTS")
    assert rights.text == {"en": "Know your rights", "sw": "Una haki ya kuwa na wakili."}
    actor = a.users[Role.COORDINATOR].username
    audited = set(
        AuditEvent.objects.filter(organisation=a.org, actor=actor).values_list(
            "action", "object_type"
        )
    )
    assert {
        ("create", "crisis.responder"),
        ("create", "members.member"),
        ("change", "surveys.infotext"),
    } <= audited


def test_every_management_page_fits_a_phone(world, live_server):
    from django.urls import reverse

    a = world["a"]
    rights = InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "x"})
    pages = [
        reverse("core:settings"),
        reverse("core:areas"),
        reverse("core:area_add"),
        reverse("core:area_edit", kwargs={"area": a.central.uuid}),
        reverse("messaging:channels"),
        reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk}),
        reverse("surveys:polls"),
        reverse("surveys:poll_add"),
        reverse("surveys:poll_edit", kwargs={"poll": a.poll.uuid}),
        reverse("surveys:info"),
        reverse("surveys:info_edit", kwargs={"info": rights.uuid}),
        reverse("surveys:broadcasts"),
        reverse("members:list"),
        reverse("members:edit", kwargs={"member": a.member.uuid}),
        reverse("members:erase", kwargs={"member": a.member.uuid}),
        reverse("crisis:responders"),
        reverse("crisis:responder_edit", kwargs={"responder": a.responder.uuid}),
    ]
    too_wide = []
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.OWNER], start="core:settings")
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            if not no_sideways_scroll(page):
                too_wide.append(path)
        screenshot(page, "manage-responder-edit-phone")
    assert not too_wide
