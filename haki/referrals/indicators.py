"""The indicators this app owns, one function each: ``(organisation, start, end,
area=None) -> value``, counting what happened in [start, end) in ``area`` and below.
The catalogue in ``haki.reports`` lists them; ``by`` helpers split them by service,
kind and referrer type."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet

from haki.core.models import Area, Organisation
from haki.referrals.models import EntitlementApplication, Referral


def _in_area(rows: QuerySet, area: Area | None, field: str = "area") -> QuerySet:
    return rows if area is None else rows.filter(**{f"{field}__in": area.subtree()})


def made(organisation: Organisation, start: datetime, end: datetime, area: Area | None = None):
    """The referrals made in the period (by when they were requested)."""
    rows = Referral.objects.filter(
        organisation=organisation, requested_on__gte=start, requested_on__lt=end
    )
    return _in_area(rows, area)


def referrals_made(organisation: Organisation, start: datetime, end: datetime, area=None) -> int:
    return made(organisation, start, end, area).count()


def referrals_completed_pct(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> float | None:
    """Of the referrals made in the period, the share completed, in percent."""
    rows = made(organisation, start, end, area)
    total = rows.count()
    if not total:
        return None
    return round(100 * rows.filter(status=Referral.Status.COMPLETED).count() / total, 1)


def _attended_within(days: int):
    def indicator(organisation: Organisation, start: datetime, end: datetime, area=None) -> int:
        rows = made(organisation, start, end, area).filter(status=Referral.Status.COMPLETED)
        return sum(
            1 for r in rows.only("requested_on", "completed_on") if r.days_to_complete <= days
        )

    indicator.__name__ = f"referrals_attended_within_{days}_days"
    indicator.__doc__ = f"Referrals made in the period and attended within {days} days."
    return indicator


referrals_attended_within_7_days = _attended_within(7)
referrals_attended_within_30_days = _attended_within(30)


def referrals_median_days(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> float | None:
    """The median days from referral to attendance, of those completed."""
    rows = made(organisation, start, end, area).filter(status=Referral.Status.COMPLETED)
    days = [r.days_to_complete for r in rows.only("requested_on", "completed_on")]
    return round(statistics.median(days), 1) if days else None


def police_referrals_completed(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> int:
    """Police referrals (REFER codes) confirmed by the service in the period."""
    rows = Referral.objects.filter(
        organisation=organisation,
        referrer_type=Referral.Referrer.POLICE,
        status=Referral.Status.COMPLETED,
        completed_on__gte=start,
        completed_on__lt=end,
    )
    return _in_area(rows, area).count()


def _applications(organisation, area):
    rows = EntitlementApplication.objects.filter(organisation=organisation)
    return _in_area(rows, area, "member__area")


def entitlements_applied(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> int:
    """Applications submitted in the period (the first time each reached "submitted")."""
    rows = _applications(organisation, area).filter(
        history__status=EntitlementApplication.Status.SUBMITTED,
        history__on__gte=start,
        history__on__lt=end,
    )
    return rows.distinct().count()


def entitlements_granted(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> int:
    rows = _applications(organisation, area).filter(
        status=EntitlementApplication.Status.GRANTED, decided_on__gte=start, decided_on__lt=end
    )
    return rows.count()


def entitlements_median_days(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> float | None:
    """Median days from creation to grant, of applications granted in the period."""
    rows = _applications(organisation, area).filter(
        status=EntitlementApplication.Status.GRANTED, decided_on__gte=start, decided_on__lt=end
    )
    days = [(a.decided_on - a.created_on) / timedelta(days=1) for a in rows]
    return round(statistics.median(days), 1) if days else None


def referrals_by(
    organisation: Organisation, start: datetime, end: datetime, by: str, area=None
) -> list[dict[str, Any]]:
    """Referrals made and completed, by ``service__name``, ``kind__key`` or
    ``referrer_type``."""
    rows = made(organisation, start, end, area)
    made_by = dict(rows.order_by().values_list(by).annotate(n=Count("pk")))
    done_by = dict(
        rows.filter(status=Referral.Status.COMPLETED)
        .order_by()
        .values_list(by)
        .annotate(n=Count("pk"))
    )
    return [{"group": g, "made": n, "completed": done_by.get(g, 0)} for g, n in made_by.items()]


def entitlements_by_kind(
    organisation: Organisation, start: datetime, end: datetime, area=None
) -> list[dict[str, Any]]:
    rows = _applications(organisation, area).filter(created_on__gte=start, created_on__lt=end)
    applied = dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))
    granted = dict(
        rows.filter(status=EntitlementApplication.Status.GRANTED)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return [{"group": k, "applied": n, "granted": granted.get(k, 0)} for k, n in applied.items()]


# What the reports catalogue lists: name → function.
INDICATORS = {
    f.__name__: f
    for f in (
        referrals_made,
        referrals_completed_pct,
        referrals_attended_within_7_days,
        referrals_attended_within_30_days,
        referrals_median_days,
        police_referrals_completed,
        entitlements_applied,
        entitlements_granted,
        entitlements_median_days,
    )
}
