"""What keeping Haki fast in production needs to watch: the backlog (``/healthz/backlog``)
and Prometheus metrics (``/metrics``), both for monitoring only, both behind
``HAKI_MONITORING_TOKEN`` or the ``HAKI_MONITORING_ALLOWED_IPS`` allowlist.

Every figure is read from the database (and the spool folder) when it is asked for, so
that any number of gunicorn processes and workers, on any number of machines, answer
the same; nothing is counted in a process's memory. Counts of texts cover a trailing
day and latencies a trailing window, so that a scrape never reads the whole table:
those histograms are of the window, read as they are (``histogram_quantile`` over the
buckets), not through ``rate()``. Only numbers leave: no channel UUID (a credential),
no phone number, no text."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta
from ipaddress import ip_address

from django.conf import settings
from django.db.models import Count, F, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from haki.core.proxies import client_address

# Upper bounds of the latency histograms, in seconds.
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
WINDOW = timedelta(minutes=5)
STORED_WITHIN = timedelta(hours=1)  # how far back the routing latency looks for texts


def allowed(request: HttpRequest) -> bool:
    """The monitoring token (``Authorization: Bearer …``), or an allowed address."""
    token = settings.HAKI_MONITORING_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        address = ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in settings.HAKI_MONITORING_ALLOWED_IPS)


def spool_size() -> int:
    """Incoming texts waiting in the spool for the database."""
    from haki.messaging import spool

    try:
        return sum(1 for entry in spool.folder().iterdir() if entry.name.endswith(spool.SUFFIX))
    except OSError:
        return 0


def _age(moment: datetime | None, now: datetime) -> float:
    return round(max((now - moment).total_seconds(), 0.0), 1) if moment else 0.0


def backlog() -> dict[str, float]:
    """The spool, the oldest received but unrouted text, the oldest overdue outgoing
    text outside polls and broadcasts (which a large one keeps overdue for as long as
    it drains, by design), and the oldest overdue broadcast text, for information."""
    from haki.messaging.models import Msg

    now = timezone.now()
    received = Msg.objects.filter(status=Msg.Status.RECEIVED).aggregate(m=Min("created_on"))
    due = Msg.objects.due()
    overdue = due.filter(priority__lt=Msg.Priority.BULK).aggregate(m=Min("next_attempt_on"))
    bulk = due.filter(priority=Msg.Priority.BULK).aggregate(m=Min("next_attempt_on"))
    return {
        "spool": spool_size(),
        "oldest_unrouted_s": _age(received["m"], now),
        "oldest_overdue_outgoing_s": _age(overdue["m"], now),
        "oldest_overdue_broadcast_s": _age(bulk["m"], now),
    }


@require_GET
def backlog_view(request: HttpRequest) -> HttpResponse:
    """503 past a limit: for monitoring only. A load balancer must never take this for
    the health of a web process (``/healthz``), or it would drop incoming texts
    because a backlog grew."""
    if not allowed(request):
        raise Http404
    figures = backlog()
    limits = {
        "spool": settings.HAKI_BACKLOG_MAX_SPOOL,
        "oldest_unrouted_s": settings.HAKI_BACKLOG_MAX_UNROUTED_SECONDS,
        "oldest_overdue_outgoing_s": settings.HAKI_BACKLOG_MAX_OVERDUE_SECONDS,
    }
    over = sorted(name for name, limit in limits.items() if figures[name] > limit)
    body = {**figures, "limits": limits, "over": over, "status": "backlog" if over else "ok"}
    return JsonResponse(body, status=503 if over else 200)


def _histogram(name: str, documentation: str, seconds: list[float]):
    from prometheus_client.core import HistogramMetricFamily

    buckets, total = [], 0
    for bound in BUCKETS:
        buckets.append((str(bound), sum(1 for s in seconds if s <= bound)))
    buckets.append(("+Inf", len(seconds)))
    total = sum(seconds)
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=total)


class DatabaseCollector:
    """Every metric, read from the database at scrape time."""

    def collect(self) -> Iterator:
        from prometheus_client.core import GaugeMetricFamily

        yield from self._texts()
        figures = backlog()
        spool = GaugeMetricFamily("haki_spool_texts", "Incoming texts waiting in the spool.")
        spool.add_metric([], figures["spool"])
        yield spool
        oldest = GaugeMetricFamily(
            "haki_oldest_unrouted_seconds", "Age of the oldest received, unrouted text."
        )
        oldest.add_metric([], figures["oldest_unrouted_s"])
        yield oldest
        overdue = GaugeMetricFamily(
            "haki_oldest_overdue_outgoing_seconds",
            "How long the oldest overdue outgoing text outside broadcasts has been due.",
        )
        overdue.add_metric([], figures["oldest_overdue_outgoing_s"])
        yield overdue
        yield from self._queues()
        yield from self._latencies()
        yield from self._escalations()

    def _texts(self) -> Iterator:
        from prometheus_client.core import GaugeMetricFamily

        from haki.messaging.models import Msg

        since = timezone.now() - timedelta(days=1)
        texts = GaugeMetricFamily(
            "haki_texts_last_day",
            "Texts created in the last 24 hours, by channel (its number), direction, status.",
            labels=["channel", "direction", "status"],
        )
        rows = (
            Msg.objects.filter(created_on__gte=since)
            .order_by()
            .values_list("channel_id", "direction", "status")
            .annotate(n=Count("pk"))
        )
        for channel_id, direction, status, count in rows:
            texts.add_metric([str(channel_id), direction, status], count)
        yield texts

    def _queues(self) -> Iterator:
        from huey.contrib.djhuey import HUEY
        from prometheus_client.core import GaugeMetricFamily

        from haki.messaging.models import Msg

        due = GaugeMetricFamily(
            "haki_outbox_due_texts",
            "Outgoing texts due and not yet sent, by priority.",
            labels=["priority"],
        )
        rows = Msg.objects.due().order_by().values_list("priority").annotate(n=Count("pk"))
        for priority, count in rows:
            due.add_metric([Msg.Priority(priority).name.lower()], count)
        yield due
        tasks = GaugeMetricFamily("haki_task_queue_depth", "Tasks waiting in the task queue.")
        try:
            tasks.add_metric([], HUEY.pending_count())
        except Exception:  # a queue out of reach is shown as no figure
            return
        yield tasks

    def _latencies(self) -> Iterator:
        from haki.crisis.models import AlertRecipient
        from haki.messaging.models import Msg

        since = timezone.now() - WINDOW
        # By the indexed creation time, unsorted: routed_on has no index, and the model's
        # ordering made every scrape sort the whole table.
        routed = (
            Msg.objects.filter(
                created_on__gte=since - STORED_WITHIN,
                direction=Msg.Direction.IN,
                routed_on__gte=since,
            )
            .order_by()
            .values_list("created_on", "routed_on")
        )
        yield _histogram(
            "haki_routing_latency_seconds",
            "Stored to routed, for texts stored in the last hour and routed in the last "
            "5 minutes (one waiting longer shows in haki_oldest_unrouted_seconds).",
            [(done - stored).total_seconds() for stored, done in routed.iterator()],
        )
        alerted = AlertRecipient.objects.filter(
            msg__sent_on__gte=since, alert__source="sms"
        ).values_list("alert__raised_on", "msg__sent_on")
        yield _histogram(
            "haki_alert_latency_seconds",
            "An alert raised to its responder's text handed to the gateway, last 5 minutes.",
            [(sent - raised).total_seconds() for raised, sent in alerted.iterator()],
        )

    def _escalations(self) -> Iterator:
        from prometheus_client.core import CounterMetricFamily

        from haki.crisis.models import Alert

        total = Alert.objects.aggregate(n=Sum(F("escalations")))["n"] or 0
        escalations = CounterMetricFamily("haki_escalations", "Escalations of alerts, ever.")
        escalations.add_metric([], total)
        yield escalations


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
    from prometheus_client.registry import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
