"""Routing in batches: every received text is routed once, a failing handler hands back
its own text alone, and texts of one batch see what earlier ones did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from haki.members.models import Member
from haki.messaging import keywords, routing
from haki.messaging.models import Msg
from haki.tests.services import only_on_postgresql

pytestmark = pytest.mark.django_db


def stored(place, sender: str, text: str, n: int) -> int:
    """A text stored as the webhook stores it, not yet routed."""
    return Msg.objects.store_received(
        place.channel, f"batch-{n}", sender, text, timezone.now(), template=""
    )


def test_a_failing_handler_hands_back_its_own_text_and_the_rest_of_the_batch_is_routed(
    world, monkeypatch
):
    kisumu = world["a"]

    def breaks_on_boom(context) -> bool:
        if "BOOM" in keywords.normalise(context.msg.text):
            context.reply("unknown.number")  # undone with the rest of what it did
            raise RuntimeError("a handler's bug")
        return False

    monkeypatch.setattr(keywords, "FALLBACKS", [breaks_on_boom, *keywords.FALLBACKS])
    ids = [
        stored(kisumu, "+254190777101", "hello", 1),
        stored(kisumu, "+254190777102", "boom", 2),
        stored(kisumu, "+254190777103", "hello again", 3),
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions = routing.route_received()
    assert actions == {ids[0]: "inbox", ids[1]: "failed", ids[2]: "inbox"}
    texts = {m.pk: m for m in Msg.objects.filter(pk__in=ids)}
    assert [texts[i].status for i in ids] == ["inbox", "received", "inbox"]
    assert texts[ids[1]].attempts == 1 and texts[ids[1]].routed_on is None
    # Both others got their courtesy reply; the failed text none.
    assert [Msg.objects.filter(in_reply_to_id=i).count() for i in ids] == [1, 0, 1]
    # A prompt for another text leaves the failed one to the sweep, which names it.
    assert routing.route_received() == {}
    assert routing.route_received(also=ids[1]) == {ids[1]: "failed"}
    assert Msg.objects.get(pk=ids[1]).attempts == 2


def test_texts_of_one_batch_see_what_earlier_texts_did(world):
    """A number's JOIN and then its STOP, and two texts from one unknown number, in one
    batch: the STOP finds the new member, and only the first text gets a courtesy reply."""
    kisumu = world["a"]
    joined, unknown = "+254190777201", "+254190777202"
    ids = [
        stored(kisumu, joined, "JOIN CEN", 1),
        stored(kisumu, unknown, "hello", 2),
        stored(kisumu, joined, "STOP", 3),
        stored(kisumu, unknown, "hello?", 4),
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions = routing.route_received()
    assert [actions[i] for i in ids] == ["join", "inbox", "stop", "inbox"]
    member = Member.objects.with_phone(kisumu.org, joined).get()
    assert member.opted_out_on is not None
    assert [Msg.objects.filter(in_reply_to_id=i).count() for i in ids] == [1, 1, 1, 0]


def test_a_batch_reads_its_senders_and_writes_its_replies_once_not_per_text(
    world, django_assert_max_num_queries
):
    """Twenty texts from twenty members: the members are read in one query, the replies
    written in one statement, whatever the batch's size."""
    kisumu = world["a"]
    members = []
    for n in range(20):
        member = Member(organisation=kisumu.org, alias=f"batch {n}", area=kisumu.central)
        member.phone = f"+2541907775{n:02d}"
        member.save()
        members.append(member)
    ids = [stored(kisumu, member.phone, "hello", n) for n, member in enumerate(members)]
    with django_assert_max_num_queries(20):
        actions = routing.route_received()
    assert set(actions.values()) == {"inbox"}
    texts = Msg.objects.filter(pk__in=ids).order_by("pk")
    assert [text.member_id for text in texts] == [member.pk for member in members]
    replies = Msg.objects.filter(in_reply_to_id__in=ids)
    assert sorted(replies.values_list("member_id", flat=True)) == [m.pk for m in members]


def test_a_batch_takes_at_most_its_size_oldest_first_and_the_next_prompt_the_rest(world):
    kisumu = world["a"]
    ids = [stored(kisumu, f"+2541907773{n:02d}", "hello", n) for n in range(5)]
    assert list(routing.route_received(limit=3)) == ids[:3]
    assert list(routing.route_received(limit=3)) == ids[3:]
    assert not Msg.objects.filter(pk__in=ids, status=Msg.Status.RECEIVED).exists()


def test_a_batchs_replies_reach_the_gateway_once_it_commits(world):
    """The courtesy replies a batch queues are handed to the gateway (wired), each to its
    own number, by the one prompt the batch leaves."""
    from haki.messaging.tests.stub_gateway import StubGateway
    from haki.messaging.tests.test_outbox import channel_for

    kisumu, gateway = world["a"], StubGateway()
    try:
        kisumu.channel = channel_for(kisumu.org, gateway)
        senders = [f"+2541907774{n:02d}" for n in range(3)]
        ids = [stored(kisumu, sender, "hello", n) for n, sender in enumerate(senders)]
        with TestCase.captureOnCommitCallbacks(execute=True):
            routing.route_received()
        replies = Msg.objects.filter(in_reply_to_id__in=ids)
        assert sorted(replies.values_list("status", flat=True)) == ["wired"] * 3
        assert sorted(r.query["to"][0] for r in gateway.requests) == senders
    finally:
        gateway.close()


def test_an_information_keyword_saved_between_two_batches_answers_the_next_text(world):
    """An organisation's settings are kept between batches, and read again once one of
    them is saved: the keyword answers the very next text."""
    from haki.surveys.models import InfoText

    kisumu = world["a"]
    first = stored(kisumu, "+254190777601", "KALENDA", 1)
    assert routing.route_received() == {first: "inbox"}
    InfoText.objects.create(
        organisation=kisumu.org, keyword="KALENDA", text={"en": "Open 8-5", "sw": "Wazi 8-5"}
    )
    second = stored(kisumu, "+254190777602", "KALENDA", 2)
    assert routing.route_received() == {second: "info_text"}
    assert Msg.objects.get(in_reply_to_id=second, template="info").text == "Open 8-5"


@only_on_postgresql("prepared statements are PostgreSQL's")
def test_the_webhooks_insert_is_prepared_by_postgresql_once_repeated(world):
    """Every incoming text's INSERT is parsed and planned once per connection, not once
    per text: the server keeps it prepared after a few texts."""
    for n in range(8):
        stored(world["a"], "+254190777401", "hello", 400 + n)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith('INSERT INTO "messaging_msg"') for s in prepared)
