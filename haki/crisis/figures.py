"""Response figures for the coordinators' home, month to date: the catalogue's values
(haki.reports), so the panel and every report say the same. India's crisis teams set
the bar at 90% of calls dealt with within 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from haki.core.models import Organisation
from haki.reports.catalogue import Scope
from haki.reports.figures import by_key, compute

KEYS = [
    "alerts_total",
    "median_minutes_to_ack",
    "alerts_resolved_within_24h_pct",
    "alerts_escalated_pct",
]


@dataclass(frozen=True)
class Figures:
    alerts: int
    median_minutes_to_acknowledge: float | None
    share_closed_within_24h: float | None
    share_escalated: float | None


def month_to_date(organisation: Organisation, now: datetime) -> Scope:
    today = now.astimezone(organisation.tzinfo).date()
    return Scope(organisation, today.replace(day=1), today)


def figures(organisation: Organisation, now: datetime) -> Figures:
    found = by_key(compute(month_to_date(organisation, now), KEYS))
    return Figures(
        alerts=found["alerts_total"].value or 0,
        median_minutes_to_acknowledge=found["median_minutes_to_ack"].value,
        share_closed_within_24h=found["alerts_resolved_within_24h_pct"].value,
        share_escalated=found["alerts_escalated_pct"].value,
    )
