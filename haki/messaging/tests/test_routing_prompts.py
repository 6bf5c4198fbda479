"""Routing prompts on Redis: a prompt covers the texts stored while its mark lasts, and
its router routes every one of them, even one stored after its last full batch."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.test import TestCase
from redis.backoff import NoBackoff
from redis.retry import Retry

from haki.messaging import routing
from haki.messaging.models import Msg
from haki.messaging.tests.test_routing import stored
from haki.tests.services import missing, redis_problem, redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def mark(monkeypatch):
    """The routing prompt's mark on the real Redis, under a key of this test's own."""
    problem = redis_problem(redis_url())
    if problem:
        missing(problem)
    client = redis.Redis.from_url(redis_url())
    key = f"haki-test-{uuid.uuid4().hex}.routing-prompt"
    monkeypatch.setattr(routing, "_prompt_mark", lambda: (client, key))
    monkeypatch.setattr(routing, "_covered_until", 0.0)
    yield client, key
    client.delete(key)
    client.close()


def test_a_text_stored_while_a_prompt_is_marked_is_routed_by_that_prompts_router(
    world, mark, monkeypatch
):
    kisumu = world["a"]
    first = stored(kisumu, "+254190777301", "hello", 1)
    assert routing.prompt_needed(first)  # the first text's prompt marks itself
    second = stored(kisumu, "+254190777302", "hello", 2)
    assert not routing.prompt_needed(second)  # covered: no prompt of its own
    late: list[int] = []
    route_received = routing.route_received

    def then_a_text_arrives(*args, **kwargs) -> dict[int, str]:
        # A text arrives once the router's first batch is done, the mark still on.
        routed = route_received(*args, **kwargs)
        if not late:
            late.append(stored(kisumu, "+254190777303", "hello", 3))
            assert not routing.prompt_needed(late[0])
        return routed

    monkeypatch.setattr(routing, "route_received", then_a_text_arrives)
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions = routing.route_waiting(also=first, prompt=first)
    assert sorted(actions) == sorted([first, second, *late])
    assert not Msg.objects.filter(status=Msg.Status.RECEIVED).exists()


def test_once_the_mark_has_lapsed_a_text_asks_for_a_prompt_of_its_own(world, mark):
    kisumu = world["a"]
    first = stored(kisumu, "+254190777311", "hello", 1)
    assert routing.prompt_needed(first)
    client, key = mark
    assert client.pttl(key) > 0
    time.sleep(routing.PROMPT_SECONDS + 0.05)  # the mark lapses (Redis's clock may lag)
    assert not routing._marked_for(first, time.monotonic())  # its router makes its last pass
    second = stored(kisumu, "+254190777312", "hello", 2)
    assert routing.prompt_needed(second)
    assert client.get(key) == str(second).encode()


def test_with_redis_gone_the_router_covers_as_long_as_the_mark_could_last(world, monkeypatch):
    """The mark was set before its prompt was queued: a router that cannot read it
    keeps looking for ``PROMPT_SECONDS`` from when it took the prompt."""
    kisumu = world["a"]
    gone = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(routing, "_prompt_mark", lambda: (gone, "haki-test.routing-prompt"))
    first = stored(kisumu, "+254190777321", "hello", 1)
    late: list[int] = []
    route_received = routing.route_received

    def then_a_text_arrives(*args, **kwargs) -> dict[int, str]:
        routed = route_received(*args, **kwargs)
        if not late:  # stored after the first batch, while the mark may still last
            late.append(stored(kisumu, "+254190777322", "hello", 2))
        return routed

    monkeypatch.setattr(routing, "route_received", then_a_text_arrives)
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions = routing.route_waiting(also=first, prompt=first)
    assert sorted(actions) == sorted([first, *late])
