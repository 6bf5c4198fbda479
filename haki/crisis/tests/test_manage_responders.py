"""Coordinators add, edit and retire responders from the web."""

from __future__ import annotations

from datetime import time

from django.urls import reverse

from conftest import verified_client
from haki.core.models import Area, AuditEvent
from haki.core.roles import Role
from haki.crisis import alerts
from haki.crisis.duty import apply_rosters
from haki.crisis.models import Alert, AlertRecipient, Responder, RosterShift


def responder_data(world, **changes) -> dict:
    data = {
        "name": "Paralegal Baraka",
        "phone": "0190 000 777",
        "tier": "paralegal",
        "areas": [world["a"].central.pk],
        "language": "sw",
        "on_duty": "on",
    }
    return {**data, **changes}


def test_only_coordinators_and_owners_add_edit_or_retire_responders(world):
    a = world["a"]
    retire = reverse("crisis:responder_retire", kwargs={"responder": a.responder.uuid})
    edit = reverse("crisis:responder_edit", kwargs={"responder": a.responder.uuid})
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ANALYST, Role.POLICE_ALLY):
        client = verified_client(a.users[role])
        assert (
            client.post(reverse("crisis:responder_add"), responder_data(world)).status_code == 403
        )
        assert client.post(edit, responder_data(world, tier="lawyer")).status_code == 403
        assert client.post(retire, {"confirm": "on"}).status_code == 403
    other = verified_client(world["b"].users[Role.OWNER])
    assert other.post(retire, {"confirm": "on"}).status_code == 404
    a.responder.refresh_from_db()
    assert a.responder.retired_on is None and a.responder.tier == "paralegal"
    assert Responder.objects.filter(organisation=a.org).count() == 1


def test_a_number_already_given_to_a_responder_or_an_area_of_another_organisation_is_refused(
    world,
):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    same = responder_data(world, phone="+254 190 000 001", areas=[world["b"].central.pk])
    response = client.post(reverse("crisis:responder_add"), same)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A responder with this number already exists." in page
    assert "Select a valid choice." in page  # org B's area is no choice here
    assert a.responder.name not in page
    unknown_tier = client.post(reverse("crisis:responder_add"), responder_data(world, tier="x"))
    assert unknown_tier.status_code == 400


def test_a_coordinator_adds_a_responder_who_is_then_texted_about_alerts(
    world, django_capture_on_commit_callbacks
):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    response = client.post(reverse("crisis:responder_add"), responder_data(world))
    assert response.status_code == 302
    added = Responder.objects.get(
        organisation=a.org, phone_index=a.org.keyring.index("+254190000777")
    )
    assert (added.name, added.tier, added.language, added.on_duty) == (
        "Paralegal Baraka",
        "paralegal",
        "sw",
        True,
    )
    Alert.objects.filter(pk=a.alert.pk).update(status="closed")  # a new alert, not a join
    with django_capture_on_commit_callbacks(execute=True):
        alert, opened = alerts.raise_alert(a.org, member=a.member, words="at the gate")
    assert opened
    assert set(AlertRecipient.objects.filter(alert=alert).values_list("responder", flat=True)) == {
        a.responder.pk,
        added.pk,
    }
    event = AuditEvent.objects.filter(organisation=a.org, action="create").last()
    assert (event.actor, event.object_ref) == (a.users[Role.COORDINATOR].username, str(added.uuid))


def test_editing_a_responder_changes_tier_areas_and_duty_but_never_shows_the_number(world):
    a = world["a"]
    other = Area.objects.create(
        organisation=a.org, code="EST", name="East", parent=a.central.parent
    )
    client = verified_client(a.users[Role.OWNER])
    url = reverse("crisis:responder_edit", kwargs={"responder": a.responder.uuid})
    form = client.get(url).content.decode()
    assert 'name="phone"' not in form and "000001" not in form
    data = responder_data(world, tier="lawyer", areas=[other.pk], language="en")
    del data["on_duty"], data["phone"]
    assert client.post(url, data).status_code == 302
    a.responder.refresh_from_db()
    assert (a.responder.tier, a.responder.on_duty) == ("lawyer", False)
    assert list(a.responder.areas.all()) == [other]
    assert a.responder.phone == "+254190000001"
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("change", str(a.responder.uuid))


def test_a_retired_responder_is_never_texted_again_and_keeps_the_record(
    world, django_capture_on_commit_callbacks
):
    a = world["a"]
    RosterShift.objects.create(responder=a.responder, weekday=0, starts=time(0), ends=time(0))
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("crisis:responder_retire", kwargs={"responder": a.responder.uuid})
    client.post(url, {})  # not confirmed: nothing happens
    a.responder.refresh_from_db()
    assert a.responder.retired_on is None

    assert client.post(url, {"confirm": "on"}).status_code == 302
    a.responder.refresh_from_db()
    assert a.responder.retired_on and not a.responder.on_duty
    assert not a.responder.shifts.exists()  # no roster puts them back on duty
    apply_rosters()
    a.responder.refresh_from_db()
    assert not a.responder.on_duty
    # Not texted even as the last resort, when nobody at all is on duty.
    Responder.objects.filter(pk=a.responder.pk).update(tier="coordinator")
    Alert.objects.filter(pk=a.alert.pk).update(status="closed")  # a new alert, not a join
    with django_capture_on_commit_callbacks(execute=True):
        alert, opened = alerts.raise_alert(a.org, member=a.member, words="at the gate")
    assert opened and not AlertRecipient.objects.filter(alert=alert).exists()
    duty = reverse("crisis:duty", kwargs={"responder": a.responder.uuid})
    assert client.post(duty, {"on_duty": "1"}).status_code == 404
    listed = client.get(reverse("crisis:responders")).content.decode()
    assert a.responder.name in listed and "retired" in listed
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("change", str(a.responder.uuid))
