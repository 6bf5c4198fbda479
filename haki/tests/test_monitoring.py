"""Monitoring: /healthz/backlog and /metrics answer only a token or an allowed address,
and say numbers, never who."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import verified_client
from haki.core.roles import Role
from haki.messaging.models import Msg

ELSEWHERE = "203.0.113.9"


def received(world, age: timedelta) -> Msg:
    msg = Msg(
        organisation=world["a"].org,
        channel=world["a"].channel,
        direction=Msg.Direction.IN,
        status=Msg.Status.RECEIVED,
        created_on=timezone.now() - age,
    )
    msg.phone, msg.text = "+254190555077", "HELP at the market"
    msg.save()
    return msg


def test_the_backlog_is_ok_when_nothing_waits(world, client):
    response = client.get("/healthz/backlog")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["spool"] == 0 and body["oldest_unrouted_s"] == 0


def test_a_text_unrouted_for_two_minutes_is_a_backlog(world, client):
    received(world, timedelta(minutes=2))
    response = client.get("/healthz/backlog")
    assert response.status_code == 503
    body = response.json()
    assert body["over"] == ["oldest_unrouted_s"] and body["oldest_unrouted_s"] >= 119


def test_a_broadcast_draining_is_not_a_backlog_but_an_overdue_alert_is(world, client):
    org, channel = world["a"].org, world["a"].channel
    late = timezone.now() - timedelta(minutes=10)
    for priority in (Msg.Priority.BULK, Msg.Priority.URGENT):
        msg = Msg(organisation=org, channel=channel, direction=Msg.Direction.OUT)
        msg.phone, msg.text = "+254190555078", "text"
        msg.status, msg.priority, msg.next_attempt_on = Msg.Status.QUEUED, priority, late
        msg.save()
        response = client.get("/healthz/backlog")
        expected = 200 if priority == Msg.Priority.BULK else 503
        assert response.status_code == expected, response.json()
    assert response.json()["over"] == ["oldest_overdue_outgoing_s"]


@pytest.mark.parametrize("path", ["/healthz/backlog", "/metrics"])
def test_monitoring_answers_nobody_from_elsewhere_without_the_token(world, path, settings):
    settings.HAKI_MONITORING_TOKEN = "scrape-token-0123456789"
    owner = verified_client(world["a"].users[Role.OWNER])
    assert owner.get(path, REMOTE_ADDR=ELSEWHERE).status_code == 404
    assert Client().get(path, REMOTE_ADDR=ELSEWHERE).status_code == 404
    wrong = {"HTTP_AUTHORIZATION": "Bearer guessed"}
    assert Client().get(path, REMOTE_ADDR=ELSEWHERE, **wrong).status_code == 404
    right = {"HTTP_AUTHORIZATION": "Bearer scrape-token-0123456789"}
    assert Client().get(path, REMOTE_ADDR=ELSEWHERE, **right).status_code == 200


def test_metrics_count_texts_by_channel_and_status_and_name_nobody(world, client):
    msg = received(world, timedelta(seconds=5))
    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.content.decode()
    channel = world["a"].channel
    assert f'haki_texts_last_day{{channel="{channel.pk}",direction="in",status="received"}}' in (
        body
    )
    for name in (
        "haki_spool_texts 0.0",
        "haki_oldest_unrouted_seconds",
        "haki_outbox_due_texts",
        'haki_routing_latency_seconds_bucket{le="+Inf"}',
        'haki_alert_latency_seconds_bucket{le="0.1"}',
        "haki_escalations_total",
    ):
        assert name in body
    assert "254190555077" not in body and str(channel.uuid) not in body and msg.text not in body


def samples(body: str) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def test_metrics_say_the_right_figures(world, client):
    from haki.crisis.models import Alert

    received(world, timedelta(seconds=30))
    Alert.objects.filter(pk=world["a"].alert.pk).update(escalations=2)
    figures = samples(client.get("/metrics").content.decode())
    channel = str(world["a"].channel.pk)
    texts = (("channel", channel), ("direction", "in"), ("status", "received"))
    assert figures[("haki_texts_last_day", texts)] == 1
    assert 30 <= figures[("haki_oldest_unrouted_seconds", ())] < 90
    assert figures[("haki_escalations_total", ())] == 2


def test_routing_latency_is_counted_from_storing_to_routing(world, client):
    msg = received(world, timedelta(seconds=3))
    Msg.objects.filter(pk=msg.pk).update(status=Msg.Status.HANDLED, routed_on=timezone.now())
    body = client.get("/metrics").content.decode()
    assert 'haki_routing_latency_seconds_bucket{le="2.5"} 0.0' in body
    assert 'haki_routing_latency_seconds_bucket{le="5.0"} 1.0' in body


def test_routing_latency_reads_recent_texts_by_index_without_sorting(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    with CaptureQueriesContext(connection) as queries:
        client.get("/metrics")
    (sql,) = [q["sql"] for q in queries if '"routed_on"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert "USING INDEX" in plan and "SCAN" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan
