"""Response figures: how fast help arrives. India's crisis teams set the bar at 90%
of calls dealt with within 24 hours."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from haki.core.models import Organisation
from haki.crisis.models import Alert


@dataclass(frozen=True)
class Figures:
    alerts: int
    median_minutes_to_acknowledge: float | None
    share_closed_within_24h: float | None
    share_escalated: float | None


def since_start_of_month(organisation: Organisation, now: datetime) -> datetime:
    local = now.astimezone(organisation.tzinfo)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def figures(organisation: Organisation, since: datetime) -> Figures:
    raised = list(
        Alert.objects.filter(organisation=organisation, raised_on__gte=since).only(
            "raised_on", "acknowledged_on", "closed_on", "escalations"
        )
    )
    if not raised:
        return Figures(0, None, None, None)
    to_ack = [
        (a.acknowledged_on - a.raised_on).total_seconds() / 60 for a in raised if a.acknowledged_on
    ]
    within = sum(
        1 for a in raised if a.closed_on and a.closed_on - a.raised_on <= timedelta(hours=24)
    )
    return Figures(
        alerts=len(raised),
        median_minutes_to_acknowledge=round(statistics.median(to_ack), 1) if to_ack else None,
        share_closed_within_24h=round(100 * within / len(raised)),
        share_escalated=round(100 * sum(1 for a in raised if a.escalations) / len(raised)),
    )
