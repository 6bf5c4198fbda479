"""The crisis response's indicators: how many alerts, how fast help arrived."""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from haki.crisis.models import Alert
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register

DAY = timedelta(hours=24)
POLICE_TIER = "police_ally"


def raised(scope: Scope) -> QuerySet[Alert]:
    """Alerts raised in the period, in the area or below it."""
    alerts = Alert.objects.filter(
        organisation=scope.organisation, raised_on__gte=scope.start, raised_on__lt=scope.end
    )
    if scope.areas is not None:
        alerts = alerts.filter(area_id__in=scope.areas)
    return alerts.order_by()


def counts(scope: Scope) -> dict[str, dict[str, int]]:
    """Source -> the counts every indicator but the median reads, from one pass over the
    period's alerts (read once per scope)."""
    return scope.memo("crisis.counts", lambda: count_alerts(scope))


def count_alerts(scope: Scope) -> dict[str, dict[str, int]]:
    tiers = scope.organisation.tiers
    police = (
        Count("pk", filter=Q(tier_index__gte=tiers.index(POLICE_TIER)))
        if POLICE_TIER in tiers
        else Value(0)
    )
    # Counted for the 24-hour share: closed, or raised more than 24 hours before the end
    # (an open alert younger than that may still make it, so it is neither a success nor
    # a miss yet).
    counted = Q(closed_on__isnull=False) | Q(raised_on__lte=scope.end - DAY)
    rows = (
        raised(scope)
        .values("source")
        .annotate(
            total=Count("*"),
            counted=Count("pk", filter=counted),
            in_time=Count("pk", filter=Q(closed_on__lte=F("raised_on") + DAY)),
            escalated=Count("pk", filter=Q(escalations__gt=0)),
            police=police,
        )
    )
    return {row.pop("source"): row for row in rows}


def summed(scope: Scope, name: str) -> int:
    return sum(row[name] for row in counts(scope).values())


def alerts_total(scope: Scope) -> Raw:
    by_source = {source: row["total"] for source, row in counts(scope).items()}
    rows = [(str(label), by_source.get(value, 0), None) for value, label in Alert.Source.choices]
    return Raw(numerator=sum(by_source.values()), breakdown={"source": rows})


def alerts_resolved_within_24h(scope: Scope) -> Raw:
    """Closed within 24 hours of being raised, over the alerts raised in the period that
    are closed or were raised more than 24 hours before the period's end."""
    return Raw(numerator=summed(scope, "in_time"), denominator=summed(scope, "counted"))


def median_minutes_to_ack(scope: Scope) -> Raw:
    times = raised(scope).filter(acknowledged_on__isnull=False)
    # The waits as durations computed by the database: one value per alert to convert,
    # not two times in the organisation's zone.
    waited = ExpressionWrapper(F("acknowledged_on") - F("raised_on"), DurationField())
    minutes = [
        wait.total_seconds() / 60
        for wait in times.annotate(waited=waited).values_list("waited", flat=True).iterator()
    ]
    median = round(statistics.median(minutes), 1) if minutes else None
    return Raw(value=median, denominator=len(minutes))


def alerts_escalated(scope: Scope) -> Raw:
    return Raw(numerator=summed(scope, "escalated"), denominator=summed(scope, "total"))


def alerts_reaching_police_tier(scope: Scope) -> Raw:
    return Raw(numerator=summed(scope, "police"))


register(
    Indicator(
        key="alerts_total",
        app="crisis",
        kind=Kind.COUNT,
        label=_("Alerts raised"),
        definition=_("Alerts raised in the period, by text message or hotline call."),
        numerator=_("alerts raised in the period"),
        breakdowns=("source",),
        compute=alerts_total,
    ),
    Indicator(
        key="alerts_resolved_within_24h_pct",
        app="crisis",
        kind=Kind.SHARE,
        label=_("Alerts dealt with within 24 hours"),
        definition=_(
            "Share of alerts closed within 24 hours of being raised. Alerts still open and "
            "raised less than 24 hours before the period's end are left out: they may still "
            "be dealt with in time."
        ),
        numerator=_("alerts raised in the period and closed within 24 hours"),
        denominator=_(
            "alerts raised in the period that are closed or were raised more than 24 hours "
            "before the period's end"
        ),
        compute=alerts_resolved_within_24h,
        unit="%",
    ),
    Indicator(
        key="median_minutes_to_ack",
        app="crisis",
        kind=Kind.MEDIAN,
        label=_("Median minutes until a responder took the alert"),
        definition=_("Half of the alerts taken were taken within this many minutes."),
        numerator=_("minutes from raising to a responder taking it"),
        denominator=_("alerts raised in the period that a responder took"),
        compute=median_minutes_to_ack,
    ),
    Indicator(
        key="alerts_escalated_pct",
        app="crisis",
        kind=Kind.SHARE,
        label=_("Alerts escalated past the first tier"),
        definition=_("Share of alerts that nobody took in time at the first tier."),
        numerator=_("alerts raised in the period and escalated at least once"),
        denominator=_("alerts raised in the period"),
        compute=alerts_escalated,
        unit="%",
    ),
    Indicator(
        key="alerts_reaching_police_tier",
        app="crisis",
        kind=Kind.COUNT,
        label=_("Alerts that reached police allies"),
        definition=_("Alerts raised in the period that were escalated up to police allies."),
        numerator=_("alerts raised in the period whose tier reached police allies"),
        compute=alerts_reaching_police_tier,
    ),
)
