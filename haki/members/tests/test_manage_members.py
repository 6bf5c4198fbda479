"""Coordinators add, edit, find and erase members from the web."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.members.models import Member, MemberGroup
from haki.messaging.models import Msg
from haki.surveys.models import InfoText


def member_data(world, **changes) -> dict:
    data = {
        "alias": "Sunflower",
        "phone": "0190 100 777",
        "area": world["a"].central.pk,
        "language": "sw",
        "codewords": "",
    }
    return {**data, **changes}


def test_caseworkers_operators_and_other_organisations_cannot_add_edit_or_erase_members(world):
    a = world["a"]
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ANALYST, Role.POLICE_ALLY):
        client = verified_client(a.users[role])
        assert client.post(reverse("members:add"), member_data(world)).status_code == 403
        edit = reverse("members:edit", kwargs={"member": a.member.uuid})
        assert client.post(edit, member_data(world, alias="renamed")).status_code == 403
        erase = reverse("members:erase", kwargs={"member": a.member.uuid})
        assert client.post(erase, {"confirm": "on"}).status_code == 403
    other = verified_client(world["b"].users[Role.OWNER])
    erase = reverse("members:erase", kwargs={"member": a.member.uuid})
    assert other.post(erase, {"confirm": "on"}).status_code == 404
    a.member.refresh_from_db()
    assert a.member.alias == "org-a-alias" and a.member.erased_on is None
    assert not Member.objects.filter(alias="Sunflower").exists()


def test_a_second_member_with_the_same_number_is_refused_without_naming_the_first(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    # The world's member has +254190100001: the same number, written the national way.
    response = client.post(reverse("members:add"), member_data(world, phone="0190 100 001"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "A member with this number is already registered." in page
    assert a.member.alias not in page and "100001" not in page
    assert Member.objects.filter(organisation=a.org).count() == 1


def test_a_number_that_is_not_a_phone_number_gets_a_field_message_in_the_users_language(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sw"
    response = client.post(reverse("members:add"), member_data(world, phone="12"))
    assert response.status_code == 400
    assert "Hii si namba ya simu" in response.content.decode()


def test_a_codeword_equal_to_another_word_of_the_organisation_is_refused(world):
    a = world["a"]
    InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "Know them"})
    client = verified_client(a.users[Role.COORDINATOR])
    for word, reason in [
        ("help", "one of Haki's command words"),
        ("Msaada!", "one of Haki's command words"),  # the Swahili alert word, any case
        ("အကူအညီ", "one of Haki's command words"),  # the Burmese one
        ("akuanyi", "one of Haki's command words"),  # and in Latin letters
        ("rights", "already an information keyword"),
    ]:
        response = client.post(reverse("members:add"), member_data(world, codewords=word))
        assert response.status_code == 400, word
        assert reason in response.content.decode().replace("&#x27;", "'"), word
    response = client.post(reverse("members:add"), member_data(world, codewords="BlueGiraffe"))
    assert response.status_code == 400
    assert "already a member&#x27;s codeword" in response.content.decode()
    assert not Member.objects.filter(alias="Sunflower").exists()


def test_a_coordinator_adds_a_member_with_a_national_number_read_in_the_organisations_country(
    world,
):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    data = member_data(
        world,
        codewords="velvet moth, tea",
        new_group="peer-educators",
        share_number_with_responders="on",
    )
    response = client.post(reverse("members:add"), data)
    member = Member.objects.get(organisation=a.org, alias="Sunflower")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", kwargs={"member": member.uuid})
    assert member.phone == "+254190100777"
    assert member.codewords == ["TEA", "VELVET MOTH"]
    assert member.share_number_with_responders and not member.allow_police_referral
    assert [g.name for g in member.groups.all()] == ["peer-educators"]
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.actor, event.action, event.object_ref) == (
        a.users[Role.COORDINATOR].username,
        "create",
        str(member.uuid),
    )


def test_editing_a_member_changes_area_language_groups_codewords_and_consents(world):
    a = world["a"]
    group = MemberGroup.objects.create(organisation=a.org, name="drop-in")
    root = a.central.parent
    client = verified_client(a.users[Role.OWNER])
    url = reverse("members:edit", kwargs={"member": a.member.uuid})
    form = client.get(url).content.decode()
    assert "BLUEGIRAFFE" in form and 'name="phone"' not in form  # the number is never shown
    response = client.post(
        url,
        {
            "alias": "org-a-alias",
            "area": root.pk,
            "language": "en",
            "codewords": "bluegiraffe; night owl",  # its own codeword is no collision
            "groups": [group.pk],
            "allow_police_referral": "on",
        },
    )
    assert response.status_code == 302
    a.member.refresh_from_db()
    assert (a.member.area, a.member.language) == (root, "en")
    assert a.member.codewords == ["BLUEGIRAFFE", "NIGHT OWL"]
    assert a.member.allow_police_referral and not a.member.share_number_with_responders
    assert list(a.member.groups.all()) == [group]
    assert a.member.phone == "+254190100001"
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("change", str(a.member.uuid))


def test_finding_a_member_by_number_keeps_the_number_out_of_urls_and_the_session(world):
    a = world["a"]
    client = verified_client(a.users[Role.OPERATOR])
    response = client.post(reverse("members:list"), {"phone": "0190100001"})
    assert response.status_code == 200  # answered at once, no redirect to a URL
    assert a.member.alias in response.content.decode()
    session = "".join(str(v) for v in client.session.values())
    assert "190100001" not in session
    missing = client.post(reverse("members:list"), {"phone": "0190100999"})
    assert a.member.alias not in missing.content.decode()
    refused = client.post(reverse("members:list"), {"phone": "12"})
    assert refused.status_code == 400 and "not a phone number" in refused.content.decode()


def test_erasing_a_member_needs_a_tick_and_uses_the_same_erasure_as_their_delete_text(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("members:erase", kwargs={"member": a.member.uuid})
    assert client.get(url).status_code == 200
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Tick the box to erase the member." in refused.content.decode()
    a.member.refresh_from_db()
    assert a.member.erased_on is None

    assert client.post(url, {"confirm": "on"}).status_code == 302
    a.member.refresh_from_db()
    assert a.member.erased_on and a.member.phone == "" and a.member.codewords == []
    assert Msg.objects.get(pk=a.inbox_msg.pk).text == ""  # their texts emptied too
    assert client.get(url).status_code == 404  # nothing left to erase
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.actor, event.action, event.object_ref) == (
        a.users[Role.COORDINATOR].username,
        "erase",
        str(a.member.uuid),
    )


def test_two_coordinators_adding_the_same_number_at_once_get_a_message_not_an_error(world):
    """The second save loses at the database's unique constraint, after the form's check."""
    from django.db.models.signals import pre_save

    a = world["a"]

    def the_other_coordinator_is_faster(sender, instance, **kwargs):
        if instance.pk is None and instance.alias == "Sunflower":
            rival = Member(organisation=a.org, alias="Daisy", area=a.central, language="sw")
            rival.phone = "+254190100777"
            rival.save()

    pre_save.connect(the_other_coordinator_is_faster, sender=Member)
    try:
        client = verified_client(a.users[Role.COORDINATOR])
        response = client.post(reverse("members:add"), member_data(world))
    finally:
        pre_save.disconnect(the_other_coordinator_is_faster, sender=Member)
    assert response.status_code == 400
    assert "Someone saved the same thing a moment ago" in response.content.decode()
    assert "Daisy" not in response.content.decode()
    assert not Member.objects.filter(alias="Sunflower").exists()
