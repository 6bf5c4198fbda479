"""Sending: each gateway's real API request, retries, failures and recovery."""

from __future__ import annotations

import base64
import itertools
import threading
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from haki.core.roles import Role
from haki.messaging import outbox, tasks
from haki.messaging.channels import gateway_for
from haki.messaging.models import Channel, Msg, send_interval
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.services import writes_from_two_connections


@pytest.fixture
def stub(request):
    gateway = StubGateway(kind=getattr(request, "param", "kn"))
    yield gateway
    gateway.close()


def channel_for(org, stub: StubGateway) -> Channel:
    settings = {
        "kn": {"send_url": f"{stub.url}/cgi-bin/sendsms", "username": "haki", "password": "pw"},
        "at": {"send_url": f"{stub.url}/version1/messaging", "username": "sandbox", "api_key": "k"},
        "t": {"send_url": stub.url, "account_sid": "AC123", "auth_token": "tok"},
        "ha": {"send_url": f"{stub.url}/send", "secret": "phone-token"},
    }[stub.kind]
    channel = Channel(organisation=org, type=stub.kind, name=stub.kind, address="20100", tps=50)
    channel.configure(settings)
    channel.save()
    return channel


def send_now(org, channel, to="+254190555001", text="hello", **kwargs) -> Msg:
    with TestCase.captureOnCommitCallbacks(execute=True):
        msg = outbox.queue(org, to, text, channel=channel, **kwargs)
    msg.refresh_from_db()
    return msg


def test_kannel_gets_a_sendsms_request_with_a_delivery_report_url(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub), text="Habari yako")
    (request,) = stub.requests
    query = {k: v[0] for k, v in request.query.items()}
    assert request.method == "GET" and request.path == "/cgi-bin/sendsms"
    assert query["username"] == "haki" and query["password"] == "pw"
    assert query["to"] == "+254190555001" and query["from"] == "20100"
    assert query["text"] == "Habari yako" and "coding" not in query
    dlr = urlsplit(query["dlr-url"])
    assert parse_qs(dlr.query)["uuid"] == [str(msg.uuid)] and "%d" in query["dlr-url"]
    assert msg.status == Msg.Status.WIRED and msg.attempts == 1


def test_kannel_is_asked_for_ucs2_when_the_text_is_not_gsm(world, stub):
    org = world["a"].org
    send_now(org, channel_for(org, stub), text="Помощь идёт")
    query = {k: v[0] for k, v in stub.requests[0].query.items()}
    assert query["coding"] == "2" and query["charset"] == "utf-8"
    assert query["text"] == "Помощь идёт"


@pytest.mark.parametrize("stub", ["at"], indirect=True)
def test_africas_talking_gets_its_form_and_its_message_id_is_kept(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub))
    (request,) = stub.requests
    assert request.method == "POST" and request.headers["apikey"] == "k"
    assert request.form["username"] == ["sandbox"] and request.form["message"] == ["hello"]
    assert msg.external_id == "ATXid_1"


@pytest.mark.parametrize("stub", ["t"], indirect=True)
def test_twilio_gets_its_messages_api_call_and_its_sid_is_kept(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub))
    (request,) = stub.requests
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    assert request.form["To"] == ["+254190555001"] and request.form["From"] == ["20100"]
    assert str(msg.uuid) in request.form["StatusCallback"][0]
    assert msg.external_id.startswith("SM")


@pytest.mark.parametrize("stub", ["ha"], indirect=True)
def test_the_android_gateway_gets_json_with_its_token(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub))
    (request,) = stub.requests
    assert request.headers["authorization"] == "Token phone-token"
    assert request.json == {
        "id": str(msg.uuid),
        "to": "+254190555001",
        "text": "hello",
        "from": "20100",
    }


@pytest.mark.parametrize("stub", ["ex"], indirect=True)
def test_an_external_channel_gets_the_request_it_describes_with_each_variable_encoded(world, stub):
    org = world["a"].org
    channel = Channel(organisation=org, type="ex", name="ex", address="+254190000009")
    channel.configure(
        {
            "send_url": stub.url + "/send?to={{to_no_plus}}&ch={{channel}}",
            "send_method": "PUT",
            "content_type": "json",
            "send_body": '{"text": {{text}}, "from": {{from}}, "id": {{id}}}',
        }
    )
    channel.save()
    text = 'Say "hi" & {{to}} — Привет'
    msg = send_now(org, channel, text=text)
    (request,) = stub.requests
    assert request.method == "PUT" and request.headers["content-type"] == "application/json"
    assert request.query == {"to": ["254190555001"], "ch": [str(channel.uuid)]}
    assert request.json == {"text": text, "from": "+254190000009", "id": str(msg.uuid)}
    assert msg.status == Msg.Status.WIRED


@pytest.mark.parametrize("stub", ["ex"], indirect=True)
def test_an_external_channel_by_get_and_by_its_default_form(world, stub):
    org = world["a"].org
    channel = Channel(organisation=org, type="ex", name="ex", address="20100")
    channel.configure(
        {"send_url": stub.url + "/send?text={{text}}&to={{to}}", "send_method": "GET"}
    )
    channel.save()
    send_now(org, channel, text="a+b c&d")
    channel.config.update(send_method="POST", send_url=stub.url + "/post")
    channel.save()
    msg = send_now(org, channel, text="a+b c&d")
    get, post = stub.requests
    assert get.method == "GET" and get.query == {"text": ["a+b c&d"], "to": ["+254190555001"]}
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert post.form == {
        "id": [str(msg.uuid)],
        "text": ["a+b c&d"],
        "to": ["+254190555001"],
        "from": ["20100"],
        "channel": [str(channel.uuid)],
    }


def test_a_variable_may_not_choose_where_an_external_request_goes(world, stub):
    from haki.messaging.channels.external import variables_in_host

    assert variables_in_host("https://{{to}}.example.org/send")
    assert variables_in_host("http://user:{{text}}@example.org")
    assert not variables_in_host("https://example.org/{{to}}?t={{text}}")
    org = world["a"].org
    org.allow_local_gateways = False
    org.save()
    channel = Channel(organisation=org, type="ex", name="ex", address="20100")
    channel.configure({"send_url": "http://169.254.169.254/{{text}}"})
    channel.save()
    msg = send_now(org, channel)
    assert msg.status == Msg.Status.FAILED and "link-local" in msg.error
    assert not stub.requests


def test_a_text_to_rapidpros_android_app_waits_for_its_next_sync(world, stub):
    org = world["a"].org
    channel = Channel(organisation=org, type="a", name="a", address="+254190000009")
    channel.configure({"secret": "relayer-secret", "relayer_id": 77})
    channel.save()
    msg = send_now(org, channel)
    assert msg.status == Msg.Status.WIRED and msg.external_id == str(msg.pk)
    assert not stub.requests


def test_a_gateway_error_is_retried_later_with_backoff(world, stub):
    org = world["a"].org
    stub.fail_next = 1
    msg = send_now(org, channel_for(org, stub))
    assert msg.status == Msg.Status.QUEUED and msg.attempts == 1
    assert "503" in msg.error
    assert timedelta(seconds=25) < msg.next_attempt_on - timezone.now() <= timedelta(seconds=30)
    assert outbox.send(msg.pk) == "not due"
    Msg.objects.filter(pk=msg.pk).update(next_attempt_on=timezone.now())
    assert outbox.send(msg.pk) == "sent"
    msg.refresh_from_db()
    assert msg.status == Msg.Status.WIRED and msg.attempts == 2 and len(stub.requests) == 2


def test_the_last_retry_marks_the_message_failed_for_coordinators(world, stub, settings):
    org = world["a"].org
    settings.HAKI_SEND_ATTEMPTS = 2
    stub.fail_next = 5
    msg = send_now(org, channel_for(org, stub))
    Msg.objects.filter(pk=msg.pk).update(next_attempt_on=timezone.now())
    assert outbox.send(msg.pk) == "failed"
    msg.refresh_from_db()
    assert msg.status == Msg.Status.FAILED and len(stub.requests) == 2
    page = verified_client(world["a"].users[Role.COORDINATOR]).get(
        reverse("messaging:log"), {"status": "failed"}
    )
    assert page.status_code == 200 and b"gateway answered HTTP 503" in page.content


def test_a_refusal_is_not_retried(world, stub):
    org = world["a"].org
    stub.fail_next, stub.fail_status = 1, 403
    msg = send_now(org, channel_for(org, stub))
    assert msg.status == Msg.Status.FAILED and len(stub.requests) == 1


def test_a_message_is_never_sent_twice(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub))
    assert outbox.send(msg.pk) == "not queued"
    Msg.objects.filter(pk=msg.pk).update(status=Msg.Status.SENDING)  # another worker has it
    assert outbox.send(msg.pk) == "not queued"
    assert len(stub.requests) == 1


def test_an_interrupted_send_is_offered_again_unless_the_gateway_reported_it(world, stub, settings):
    org = world["a"].org
    channel = channel_for(org, stub)
    stuck, reported = (send_now(org, channel, text=t) for t in ("a", "b"))
    long_ago = timezone.now() - timedelta(seconds=settings.HAKI_SEND_LEASE_SECONDS + 5)
    Msg.objects.filter(pk=stuck.pk).update(status=Msg.Status.SENDING, claimed_on=long_ago)
    Msg.objects.filter(pk=reported.pk).update(status=Msg.Status.SENT, claimed_on=long_ago)
    assert outbox.recover_interrupted() == [stuck.pk]
    stuck.refresh_from_db()
    reported.refresh_from_db()
    assert stuck.status == Msg.Status.QUEUED and reported.status == Msg.Status.SENT
    assert outbox.send(stuck.pk) == "sent"


def test_a_fresh_claim_is_not_taken_from_a_live_worker(world, stub):
    org = world["a"].org
    msg = send_now(org, channel_for(org, stub))
    Msg.objects.filter(pk=msg.pk).update(status=Msg.Status.SENDING, claimed_on=timezone.now())
    assert outbox.recover_interrupted() == []


def test_the_rate_limit_spaces_sends_across_workers(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    channel.tps = 4
    channel.save()
    waits = [Channel.objects.get(pk=channel.pk).reserve_send_slots(1)[0] for _ in range(5)]
    assert waits[0] <= 0  # the channel was idle: the first slot is now
    for before, after in itertools.pairwise(waits):
        assert after - before == pytest.approx(0.2525, abs=0.05)


def queue_quietly(org, channel, count: int, priority: int, prefix: str) -> list[Msg]:
    """Texts written without their prompts, as a broadcast's wait for a drain."""
    return [
        outbox.queue(org, f"+2541905{i:05d}", f"{prefix} {i}", channel=channel, priority=priority)
        for i in range(count)
    ]


def test_a_drain_sends_an_urgent_text_before_a_broadcasts_remaining_texts(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    queue_quietly(org, channel, 12, Msg.Priority.BULK, "poll")
    queue_quietly(org, channel, 1, Msg.Priority.REPLY, "reply")
    queue_quietly(org, channel, 1, Msg.Priority.URGENT, "alert")
    assert outbox.drain(channel.pk, batch=5) == 14
    sent = [request.query["text"][0] for request in stub.requests]
    assert sent[:2] == ["alert 0", "reply 0"]
    assert sent[2:] == [f"poll {i}" for i in range(12)]  # then the oldest first
    assert Msg.objects.filter(channel=channel).status_counts() == {Msg.Status.WIRED: 14}
    assert set(Msg.objects.filter(channel=channel).values_list("attempts", flat=True)) == {1}


def test_texts_are_queued_in_their_lane(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    notice = outbox.queue(org, "+254190555001", "notice", channel=channel)
    reply = outbox.queue(org, "+254190555001", "reply", channel=channel, in_reply_to=notice)
    assert (notice.priority, reply.priority) == (Msg.Priority.ROUTINE, Msg.Priority.REPLY)


def test_a_claim_takes_each_text_once(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    queue_quietly(org, channel, 7, Msg.Priority.BULK, "poll")
    first, second, third = (outbox.claim(channel, 4) for _ in range(3))
    assert len(first) == 4 and len(second) == 3 and third == []
    assert not set(first) & set(second)
    assert Msg.objects.filter(channel=channel).status_counts() == {Msg.Status.SENDING: 7}


def test_a_batch_records_failures_one_by_one_and_successes_together(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    queue_quietly(org, channel, 6, Msg.Priority.BULK, "poll")
    stub.fail_next = 2
    assert outbox.send_batch(channel, outbox.claim(channel, 6)) == 4
    counts = Msg.objects.filter(channel=channel).status_counts()
    assert counts == {Msg.Status.WIRED: 4, Msg.Status.QUEUED: 2}
    retrying = Msg.objects.filter(channel=channel, status=Msg.Status.QUEUED)
    assert all(m.next_attempt_on > timezone.now() and m.attempts == 1 for m in retrying)


def test_a_batch_takes_its_slots_from_the_channels_limit(world, stub):
    org = world["a"].org
    channel = channel_for(org, stub)
    channel.tps = 20
    channel.save()
    queue_quietly(org, channel, 6, Msg.Priority.BULK, "poll")
    assert outbox.drain(channel.pk, batch=3) == 6
    times = sorted(request.at for request in stub.requests)
    # Slots 51 ms apart (2% under the limit); the first text may be handed over up to
    # LATE_FOR_SLOT after its slot (a later one is given a new slot), and reach the
    # gateway a few ms later than the last.
    assert times[-1] - times[0] >= 5 * send_interval(20) - outbox.LATE_FOR_SLOT - 0.01


def most_in_one_second(moments: list[float]) -> int:
    """The most of ``moments`` that fall within any 1 s window."""
    moments, most, end = sorted(moments), 0, 0
    for start, moment in enumerate(moments):
        while end < len(moments) and moments[end] < moment + 1:
            end += 1
        most = max(most, end - start)
    return most


@writes_from_two_connections
def test_two_workers_woken_late_for_their_slots_never_exceed_the_limit(
    transactional_db, world, stub, monkeypatch
):
    org = world["a"].org
    channel = channel_for(org, stub)
    channel.tps = 10
    channel.save()
    monkeypatch.setattr(tasks, "send_msg", lambda pk: None)  # left to the two drains
    queue_quietly(org, channel, 40, Msg.Priority.BULK, "poll")
    # A process paused by a busy machine: two of the sending threads wake half a
    # second after their slots, when the slots of the texts after them have come too.
    calls, lock = itertools.count(), threading.Lock()

    def paused_sleep(seconds: float) -> None:
        with lock:
            call = next(calls)
        time.sleep(seconds + (0.5 if call in (6, 22) else 0))

    handed_over: list[float] = []

    class Recording:
        concurrent = True

        def __init__(self, kind: str):
            self.gateway = gateway_for(kind)

        def send(self, *args):
            handed_over.append(time.monotonic())
            return self.gateway.send(*args)

    monkeypatch.setattr(
        outbox, "time", SimpleNamespace(monotonic=time.monotonic, sleep=paused_sleep)
    )
    monkeypatch.setattr(outbox, "gateway_for", Recording)

    def worker() -> None:
        outbox.drain(channel.pk, batch=5)
        connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    texts = sorted(r.query["text"][0] for r in stub.requests)
    assert texts == sorted(f"poll {i}" for i in range(40))  # each once
    assert most_in_one_second(handed_over) <= 10
    assert Msg.objects.filter(channel=channel).status_counts() == {Msg.Status.WIRED: 40}


@pytest.mark.parametrize("stub", ["ex"], indirect=True)
def test_an_external_channel_sends_through_the_shared_kept_alive_session(world, stub):
    org = world["a"].org
    channel = Channel(organisation=org, type="ex", name="ex", address="20100")
    channel.configure({"send_url": stub.url + "/send"})
    channel.save()
    first, second = (send_now(org, channel, text=t) for t in ("one", "two"))
    assert first.status == second.status == Msg.Status.WIRED
    assert [r.form["text"] for r in stub.requests] == [["one"], ["two"]]
    assert stub.requests[0].peer == stub.requests[1].peer  # one connection, kept alive


def test_a_cookie_a_gateway_sets_is_never_sent_back(world, stub):
    org = world["a"].org
    stub.cookie = "route=worker-7; Path=/"
    kannel = channel_for(org, stub)
    external = Channel(organisation=org, type="ex", name="ex", address="20100")
    external.configure({"send_url": stub.url + "/send"})
    external.save()
    for channel in (kannel, kannel, external):
        assert send_now(org, channel).status == Msg.Status.WIRED
    assert len(stub.requests) == 3
    assert not [r.headers["cookie"] for r in stub.requests if "cookie" in r.headers]


@pytest.mark.parametrize("stub", ["ex"], indirect=True)
def test_an_external_xml_body_escapes_quotes_in_attributes_and_text(world, stub):
    from defusedxml import ElementTree

    org = world["a"].org
    channel = Channel(organisation=org, type="ex", name="ex", address="20100")
    channel.configure(
        {
            "send_url": stub.url + "/send",
            "content_type": "xml",
            "send_body": "<sms to=\"{{to}}\" text='{{text}}'><body>{{text}}</body></sms>",
        }
    )
    channel.save()
    text = """Say "hi" & it's <b> ok"""
    assert send_now(org, channel, text=text).status == Msg.Status.WIRED
    (request,) = stub.requests
    sms = ElementTree.fromstring(request.body)
    assert sms.get("text") == text and sms.find("body").text == text
    assert sms.get("to") == "+254190555001"


def test_a_batch_never_hands_over_a_text_whose_lease_runs_out_before_its_slot(
    world, stub, settings
):
    org = world["a"].org
    channel = channel_for(org, stub)
    settings.HAKI_SEND_LEASE_SECONDS = 2
    queue_quietly(org, channel, 3, Msg.Priority.BULK, "poll")
    # Other senders hold the channel's slots for longer than the lease: by the time
    # these texts' slots come, another worker may have taken them again.
    later = timezone.now() + timedelta(seconds=3)
    Channel.objects.filter(pk=channel.pk).update(next_send_on=later)
    claimed = outbox.claim(channel, 3)
    assert outbox.send_batch(channel, claimed) == 0
    assert not stub.requests
    texts = Msg.objects.filter(channel=channel)
    assert texts.status_counts() == {Msg.Status.QUEUED: 3}
    assert set(texts.values_list("attempts", flat=True)) == {0}
    assert outbox.recover_interrupted() == []  # nothing left claimed
    # Once their new time comes, the next drain sends each once.
    texts.update(next_attempt_on=timezone.now())
    Channel.objects.filter(pk=channel.pk).update(next_send_on=None)
    assert outbox.drain(channel.pk) == 3
    assert sorted(r.query["text"][0] for r in stub.requests) == ["poll 0", "poll 1", "poll 2"]


def test_a_single_text_late_for_every_slot_is_given_back_before_its_lease_runs_out(
    world, stub, settings, monkeypatch
):
    """A sender that keeps waking too late for its slots gives the text back within its
    lease, rather than taking slot after slot while another worker may send it again."""
    org = world["a"].org
    channel = channel_for(org, stub)
    settings.HAKI_SEND_LEASE_SECONDS = 2  # a second to hand it over
    monkeypatch.setattr(outbox, "too_late", lambda channel, slot, now: True)
    msg = outbox.queue(org, "+254190300001", "late every time", channel=channel)
    assert outbox.send(msg.pk) == "given back"
    assert not stub.requests
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == (Msg.Status.QUEUED, 0)
