"""The weekly pulse: polls out on schedule, answers read in any language, follow-up
calls, broadcasts that skip whoever opted out, and information on demand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from haki.core.roles import Role
from haki.messaging.models import Msg
from haki.surveys import tasks
from haki.surveys.models import Broadcast, FollowUp, InfoText, Poll, Reply, next_occurrence
from haki.surveys.sending import due_polls, send_broadcast, send_if_due, send_poll

NAIROBI = ZoneInfo("Africa/Nairobi")


def test_schedules_are_read_in_the_organisations_time_zone():
    friday = datetime(2026, 11, 20, 12, 0, tzinfo=NAIROBI)
    assert next_occurrence("mon,thu 10:00", friday, NAIROBI) == datetime(
        2026, 11, 23, 10, 0, tzinfo=NAIROBI
    )
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=NAIROBI)
    assert next_occurrence("mon,thu 10:00", monday_9, NAIROBI).day == 23
    assert next_occurrence("", friday, NAIROBI) is None


@pytest.fixture
def poll(network):
    poll = Poll.objects.create(
        organisation=network.org,
        name="weekly-stop",
        schedule="mon,thu 10:00",
        question={
            "en": "Stopped this week? YES or NO",
            "sw": "Ulisimamishwa wiki hii?",
            "ru": "Вас останавливали на этой неделе?",
        },
        follow_up_on="yes",
        window_hours=48,
    )
    poll.areas.set([network.areas["central"]])
    return poll


def sent_to(network, member) -> list[Msg]:
    return list(Msg.objects.filter(direction="out", member=member, template="poll"))


def test_a_scheduled_poll_goes_out_at_its_time_to_the_right_members_only(network, poll):
    m = network.members
    m["lily"].opt_out()
    m["vera"].erase(actor="test")
    Poll.objects.filter(pk=poll.pk).update(next_send_on=timezone.now() + timedelta(minutes=5))
    assert tasks.send_due_polls.call_local() == 0  # not yet
    Poll.objects.filter(pk=poll.pk).update(next_send_on=timezone.now() - timedelta(seconds=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tasks.send_due_polls.call_local() == 1
    (to_rose,) = sent_to(network, m["rose"])
    assert to_rose.text == "Ulisimamishwa wiki hii?"  # in her language
    assert sent_to(network, m["iris"]) == []  # another area
    assert sent_to(network, m["lily"]) == [] and sent_to(network, m["vera"]) == []
    poll.refresh_from_db()
    assert poll.next_send_on > timezone.now()  # the next Monday or Thursday


def test_a_poll_found_due_by_two_runners_at_once_goes_out_once(network, poll):
    Poll.objects.filter(pk=poll.pk).update(next_send_on=timezone.now() - timedelta(seconds=1))
    found_by_each = due_polls()  # what two schedulers read before either has sent
    with TestCase.captureOnCommitCallbacks(execute=True):
        sends = [send_if_due(p.pk) for p in found_by_each + found_by_each]
    assert len([s for s in sends if s is not None]) == 1
    assert len(sent_to(network, network.members["rose"])) == 1


@pytest.mark.parametrize("answer", ["Ndiyo", "yes!", "1", "да", "  YES they did  "])
def test_yes_in_every_language_counts_and_opens_a_follow_up(network, poll, answer):
    rose, amani = network.members["rose"], network.responders["amani"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        send = send_poll(poll)
    network.text(rose.phone, answer)
    reply = Reply.objects.get(poll_send=send, member=rose)
    assert reply.answer == "yes"
    follow_up = FollowUp.objects.get(reply=reply)
    assert follow_up.responder == amani  # on duty for her area
    (call,) = network.texts_to(amani)
    assert call.template == "followup.responder" and "Rose" in call.text and rose.phone in call.text


def test_the_last_answer_in_the_window_counts_and_other_goes_to_the_inbox(network, poll):
    rose = network.members["rose"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        send = send_poll(poll)
    network.text(rose.phone, "hapana")
    assert Reply.objects.get(poll_send=send, member=rose).answer == "no"
    other = network.text(rose.phone, "maybe, call me")
    assert Reply.objects.get(poll_send=send, member=rose).answer == "other"
    other.refresh_from_db()
    assert other.status == Msg.Status.INBOX
    network.text(rose.phone, "ndio")
    assert Reply.objects.get(poll_send=send, member=rose).answer == "yes"
    PollSend = send.__class__
    PollSend.objects.filter(pk=send.pk).update(closes_on=timezone.now())
    network.text(rose.phone, "no")  # after the window: not an answer any more
    assert Reply.objects.get(poll_send=send, member=rose).answer == "yes"


def test_a_broadcast_skips_opted_out_and_erased_members(network):
    m = network.members
    m["lily"].opt_out()
    m["vera"].erase(actor="test")
    broadcast = Broadcast.objects.create(
        organisation=network.org, text={"en": "New clinic hours", "sw": "Saa mpya"}
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_broadcast(broadcast) == 2
    sent = Msg.objects.filter(batch=broadcast.uuid)
    assert {msg.member for msg in sent} == {m["rose"], m["iris"]}
    assert Msg.objects.get(member=m["rose"], template="broadcast").text == "Saa mpya"


def test_haki_poll_send_sends_one_now(network, poll, capsys):
    call_command("poll", "send", "weekly-stop", "--org", "crisis-test")
    assert "queued for 3 members" in capsys.readouterr().out


def test_an_information_keyword_answers_in_the_members_language(network):
    InfoText.objects.create(
        organisation=network.org,
        keyword="RIGHTS",
        text={"en": "You may ask for a lawyer.", "sw": "Unaweza kuomba wakili."},
    )
    msg = network.text(network.members["rose"].phone, "rights?")
    (answer,) = Msg.objects.filter(in_reply_to=msg)
    assert answer.text == "Unaweza kuomba wakili."


def test_coordinators_see_results_and_caseworkers_close_follow_ups(world):
    a = world["a"]
    poll = Poll.objects.create(
        organisation=a.org, name="results", question={"en": "Ok?"}, follow_up_on="yes"
    )
    send = send_poll(poll)
    reply = Reply.objects.create(poll_send=send, member=a.member, answer="yes")
    follow_up = FollowUp.objects.create(organisation=a.org, reply=reply, responder=a.responder)
    page = (
        verified_client(a.users[Role.COORDINATOR])
        .get(reverse("surveys:poll", kwargs={"poll": poll.uuid}))
        .content.decode()
    )
    assert "100.0%" in page  # one recipient, one reply
    client = verified_client(a.users[Role.CASEWORKER])
    assert a.member.alias in client.get(reverse("surveys:follow_ups")).content.decode()
    client.post(
        reverse("surveys:close_follow_up", kwargs={"follow_up": follow_up.uuid}),
        {"note": "called, she is fine"},
    )
    follow_up.refresh_from_db()
    assert follow_up.closed_on and follow_up.note == "called, she is fine"
    assert "called, she is fine" not in follow_up.note_sealed


def test_poll_results_count_each_sending_by_status_answer_and_area(
    network, poll, django_assert_num_queries
):
    from haki.surveys.results import results_of

    m = network.members
    poll.areas.set([network.areas["root"]])  # rose, lily and vera in Central, iris in East
    first = send_poll(poll)
    texts = Msg.objects.filter(batch=first.uuid).order_by("pk")
    for text, status in zip(texts, ["delivered", "delivered", "sent", "failed"], strict=True):
        Msg.objects.filter(pk=text.pk).update(status=status)
    for name, answer in [("rose", "yes"), ("lily", "no"), ("iris", "yes")]:
        Reply.objects.create(poll_send=first, member=m[name], answer=answer)
    second = send_poll(poll)
    Reply.objects.create(poll_send=second, member=m["vera"], answer="other")

    sends = list(poll.sends.all())
    with django_assert_num_queries(2):  # however many sendings and replies
        latest, earlier = results_of(sends)
    assert latest.send == second and earlier.send == first
    assert (earlier.recipients, earlier.sent, earlier.delivered) == (4, 3, 2)
    assert earlier.answers == {"yes": 2, "no": 1} and earlier.response_rate == 75.0
    assert earlier.by_area == {"Kisumu Central": {"yes": 1, "no": 1}, "Kisumu East": {"yes": 1}}
    assert (latest.sent, latest.delivered, latest.replies) == (0, 0, 1)
    assert latest.by_area == {"Kisumu Central": {"other": 1}}


def test_calls_to_make_come_in_pages_of_thirty(world):
    from haki.members.models import Member

    a = world["a"]
    poll = Poll.objects.create(organisation=a.org, name="many", question={"en": "Ok?"})
    send = send_poll(poll)
    for i in range(31):
        member = Member(organisation=a.org, alias=f"Caller {i}", area=a.central, language="en")
        member.phone = f"+2541902{i:05d}"
        member.save()
        reply = Reply.objects.create(poll_send=send, member=member, answer="yes")
        FollowUp.objects.create(organisation=a.org, reply=reply)
    client = verified_client(a.users[Role.CASEWORKER])
    first = client.get(reverse("surveys:follow_ups")).content.decode()
    second = client.get(reverse("surveys:follow_ups"), {"page": 2}).content.decode()
    open_calls = FollowUp.objects.filter(organisation=a.org, closed_on__isnull=True).count()
    assert first.count("<textarea") == 30 and "Page 1 of 2" in first
    assert second.count("<textarea") == open_calls - 30
    assert "Caller 0 ·" in second and "Caller 0 ·" not in first  # the oldest comes last


def test_a_poll_can_target_a_group_as_well_as_areas(network, poll):
    from haki.members.models import MemberGroup

    educators = MemberGroup.objects.create(organisation=network.org, name="peer-educators")
    educators.members.add(network.members["iris"])  # lives in another area
    poll.groups.add(educators)
    assert set(poll.recipients()) == {network.members[n] for n in ("rose", "lily", "vera", "iris")}
    poll.areas.clear()
    assert list(poll.recipients()) == [network.members["iris"]]
