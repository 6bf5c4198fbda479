"""Polls and information keywords written on the web, one text per language."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.messaging.models import Msg
from haki.surveys.models import Broadcast, InfoText, Poll
from haki.surveys.tasks import send_due_broadcasts


def test_only_coordinators_and_owners_write_polls_and_information_texts(world):
    a = world["a"]
    rights = InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "x"})
    edit = reverse("surveys:info_edit", kwargs={"info": rights.uuid})
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ANALYST, Role.POLICE_ALLY):
        client = verified_client(a.users[role])
        assert client.post(edit, {"keyword": "RIGHTS", "text_sw": "y"}).status_code == 403
        data = {"name": "new", "text_en": "Safe?", "window_hours": 48}
        assert client.post(reverse("surveys:poll_add"), data).status_code == 403
    other = verified_client(world["b"].users[Role.OWNER])
    assert other.post(edit, {"keyword": "RIGHTS", "text_sw": "y"}).status_code == 404
    rights.refresh_from_db()
    assert rights.text == {"en": "x"}
    assert not Poll.objects.filter(name="new").exists()


def test_an_information_keyword_that_equals_another_word_is_refused(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    for keyword, reason in [
        ("JOIN", "command words"),
        ("msaada", "command words"),
        ("సహాయం", "command words"),  # Telugu for help
        ("Jardam", "command words"),  # Kyrgyz for help, in Latin letters
        ("BlueGiraffe", "codeword"),
        ("two words", "Write one word."),
    ]:
        response = client.post(reverse("surveys:info_add"), {"keyword": keyword, "text_en": "x"})
        assert response.status_code == 400
        assert reason in response.content.decode().replace("&#x27;", "'"), keyword
    empty = client.post(reverse("surveys:info_add"), {"keyword": "CLINIC"})
    assert "Write the text in at least one language." in empty.content.decode()
    assert not InfoText.objects.filter(organisation=a.org).exists()


def test_a_coordinator_writes_the_rights_text_in_swahili_and_members_receive_it(world):
    a = world["a"]
    rights = InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "Rights"})
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("surveys:info_edit", kwargs={"info": rights.uuid})
    data = {"keyword": "rights", "text_en": "Rights", "text_sw": "Una haki ya wakili."}
    assert client.post(url, data).status_code == 302
    rights.refresh_from_db()
    assert rights.keyword == "RIGHTS"
    assert rights.text == {"en": "Rights", "sw": "Una haki ya wakili."}
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("change", str(rights.uuid))


def test_a_coordinator_creates_a_scheduled_poll_and_edits_its_question(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    bad = client.post(
        reverse("surveys:poll_add"),
        {"name": "pulse", "text_en": "Safe?", "schedule": "someday", "window_hours": 0},
    )
    page = bad.content.decode()
    assert bad.status_code == 400 and "Another poll already has this name." in page
    assert "mon,thu 10:00" in page.replace("&quot;", '"') and "greater than or equal to 1" in page
    data = {
        "name": "weekly",
        "text_en": "Were you safe this week?",
        "schedule": "Mon,Thu 10:00",
        "window_hours": 24,
        "areas": [a.central.pk],
    }
    response = client.post(reverse("surveys:poll_add"), data)
    poll = Poll.objects.get(organisation=a.org, name="weekly")
    assert response.status_code == 302
    assert poll.schedule == "mon,thu 10:00" and poll.next_send_on is not None
    local = poll.next_send_on.astimezone(a.org.tzinfo)
    assert (local.weekday() in (0, 3), local.hour) == (True, 10)
    assert list(poll.areas.all()) == [a.central]
    url = reverse("surveys:poll_edit", kwargs={"poll": poll.uuid})
    edited = {**data, "text_sw": "Ulikuwa salama?", "schedule": ""}
    assert client.post(url, edited).status_code == 302
    poll.refresh_from_db()
    assert poll.question == {"en": "Were you safe this week?", "sw": "Ulikuwa salama?"}
    assert poll.next_send_on is None  # sent by hand from now on
    actions = AuditEvent.objects.filter(organisation=a.org, object_ref=str(poll.uuid))
    assert list(actions.values_list("action", flat=True)) == ["create", "change"]


def broadcast_data(world, **changes) -> dict:
    return {"text_en": "Clinic open Saturday", "send_on": "2099-01-01T10:00", **changes}


def test_a_broadcast_is_scheduled_in_the_future_in_the_organisations_time(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    past = client.post(
        reverse("surveys:broadcasts"), broadcast_data(world, send_on="2020-01-01T10:00")
    )
    assert past.status_code == 400 and "Choose a time in the future" in past.content.decode()
    soon = (timezone.now() + timedelta(days=2)).astimezone(a.org.tzinfo)
    data = broadcast_data(world, send_on=soon.strftime("%Y-%m-%dT%H:%M"))
    response = client.post(reverse("surveys:broadcasts"), data)
    broadcast = Broadcast.objects.get(organisation=a.org, send_on__isnull=False)
    assert response.status_code == 302
    assert broadcast.send_on == soon.replace(second=0, microsecond=0)  # 10:00 Nairobi time
    assert not Msg.objects.filter(batch=broadcast.uuid).exists()  # nothing sent yet
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("create", str(broadcast.uuid))


def test_a_scheduled_broadcast_is_edited_per_language_then_sent_once_when_due(world):
    a = world["a"]
    broadcast = Broadcast.objects.create(
        organisation=a.org, text={"en": "Clinic"}, send_on=timezone.now() + timedelta(hours=1)
    )
    client = verified_client(a.users[Role.OWNER])
    url = reverse("surveys:broadcast_edit", kwargs={"broadcast": broadcast.uuid})
    assert "\nClinic</textarea>" in client.get(url).content.decode()  # the form starts filled
    later = (timezone.now() + timedelta(hours=3)).astimezone(a.org.tzinfo)
    data = {"text_en": "Clinic", "text_sw": "Kliniki", "send_on": later.strftime("%Y-%m-%dT%H:%M")}
    assert client.post(url, data).status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.text == {"en": "Clinic", "sw": "Kliniki"}
    assert send_due_broadcasts.call_local() == 0  # not due yet
    Broadcast.objects.filter(pk=broadcast.pk).update(send_on=timezone.now())
    assert send_due_broadcasts.call_local() == 1
    assert send_due_broadcasts.call_local() == 0  # once
    broadcast.refresh_from_db()
    assert broadcast.sent_on and broadcast.recipients_count == 1
    assert Msg.objects.get(batch=broadcast.uuid).text == "Kliniki"  # the member reads Swahili
    assert client.get(url).status_code == 404  # sent: no longer editable
