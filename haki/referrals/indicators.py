"""The indicators this app owns, one function each: ``(organisation, start, end,
area=None) -> value``, counting what happened in [start, end) in ``area`` and below.
The catalogue in ``haki.reports`` lists them; ``by`` helpers split them by service,
kind and referrer type."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from haki.core.models import Area, Organisation
from haki.referrals.models import Entitlement, EntitlementApplication, Referral
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register


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


# The catalogue's view of the functions above (haki/reports): over a Scope, and outside
# the organisation only the records of members who agreed to police and partner use,
# as documentation counts only cases with that consent. A police referral (REFER code)
# has no member, so it never counts outside.


def _consented(scope: Scope, rows: QuerySet, member: str = "member") -> QuerySet:
    return rows.filter(**{f"{member}__allow_police_referral": True}) if scope.external else rows


def _made(scope: Scope) -> QuerySet:
    return _consented(scope, made(scope.organisation, scope.start, scope.end, scope.area))


def _completed(scope: Scope) -> list[float]:
    """Days from referral to attendance of the scope's completed referrals (read once)."""

    def days() -> list[float]:
        rows = _made(scope).filter(status=Referral.Status.COMPLETED)
        return [r.days_to_complete for r in rows.only("requested_on", "completed_on")]

    return scope.memo("referrals.completed", days)


def made_raw(scope: Scope) -> Raw:
    counted = dict(_made(scope).order_by().values_list("kind").annotate(n=Count("pk")))
    kinds = scope.organisation.service_kinds.all()
    rows = [(k.display_name, counted.get(k.pk, 0), None) for k in kinds]
    return Raw(numerator=sum(counted.values()), breakdown={"kind": rows})


def completed_raw(scope: Scope) -> Raw:
    return Raw(numerator=len(_completed(scope)), denominator=_made(scope).count())


def within_raw(days: int) -> Callable[[Scope], Raw]:
    def compute(scope: Scope) -> Raw:
        return Raw(numerator=sum(1 for d in _completed(scope) if d <= days))

    return compute


def median_days_raw(scope: Scope) -> Raw:
    days = _completed(scope)
    return Raw(value=round(statistics.median(days), 1) if days else None, denominator=len(days))


def police_completed_raw(scope: Scope) -> Raw:
    if scope.external:
        return Raw(numerator=0)  # no member, so no consent: never counted outside
    return Raw(
        numerator=police_referrals_completed(scope.organisation, scope.start, scope.end, scope.area)
    )


def _granted(scope: Scope) -> QuerySet:
    rows = _applications(scope.organisation, scope.area).filter(
        status=EntitlementApplication.Status.GRANTED,
        decided_on__gte=scope.start,
        decided_on__lt=scope.end,
    )
    return _consented(scope, rows)


def applied_raw(scope: Scope) -> Raw:
    rows = _applications(scope.organisation, scope.area).filter(
        history__status=EntitlementApplication.Status.SUBMITTED,
        history__on__gte=scope.start,
        history__on__lt=scope.end,
    )
    return Raw(numerator=_consented(scope, rows).distinct().count())


def granted_raw(scope: Scope) -> Raw:
    counted = dict(_granted(scope).order_by().values_list("kind").annotate(n=Count("pk")))
    rows = [(str(label), counted.get(value, 0), None) for value, label in Entitlement.choices]
    return Raw(numerator=sum(counted.values()), breakdown={"kind": rows})


def granted_median_days_raw(scope: Scope) -> Raw:
    rows = _granted(scope).values_list("created_on", "decided_on")
    days = [(decided - created) / timedelta(days=1) for created, decided in rows]
    return Raw(value=round(statistics.median(days), 1) if days else None, denominator=len(days))


register(
    Indicator(
        key="referrals_made",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Referrals made"),
        definition=_("Referrals to services made in the period, by kind of service."),
        numerator=_("referrals requested in the period"),
        breakdowns=("kind",),
        compute=made_raw,
    ),
    Indicator(
        key="referrals_completed_pct",
        app="referrals",
        kind=Kind.SHARE,
        label=_("Referrals attended"),
        definition=_("Of the referrals made in the period, the share the service confirmed."),
        numerator=_("referrals made in the period and attended"),
        denominator=_("referrals requested in the period"),
        compute=completed_raw,
        unit="%",
    ),
    Indicator(
        key="referrals_attended_within_7_days",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Referrals attended within 7 days"),
        definition=_("Referrals made in the period and attended within 7 days of being made."),
        numerator=_("referrals made in the period and attended within 7 days"),
        compute=within_raw(7),
    ),
    Indicator(
        key="referrals_attended_within_30_days",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Referrals attended within 30 days"),
        definition=_("Referrals made in the period and attended within 30 days of being made."),
        numerator=_("referrals made in the period and attended within 30 days"),
        compute=within_raw(30),
    ),
    Indicator(
        key="referrals_median_days",
        app="referrals",
        kind=Kind.MEDIAN,
        label=_("Median days until a referral was attended"),
        definition=_("Half of the attended referrals were attended within this many days."),
        numerator=_("days from the referral to its attendance"),
        denominator=_("referrals made in the period and attended"),
        compute=median_days_raw,
    ),
    Indicator(
        key="police_referrals_completed",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Police referrals attended"),
        definition=_(
            "Referrals made by police allies with a REFER code that the service confirmed in "
            "the period. They name no member, so they never count outside the organisation."
        ),
        numerator=_("police referrals confirmed in the period"),
        compute=police_completed_raw,
    ),
    Indicator(
        key="entitlements_applied",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Entitlement applications submitted"),
        definition=_("Applications for an entitlement first submitted in the period."),
        numerator=_("applications submitted in the period"),
        compute=applied_raw,
    ),
    Indicator(
        key="entitlements_granted",
        app="referrals",
        kind=Kind.COUNT,
        label=_("Entitlements granted"),
        definition=_("Applications granted in the period, by entitlement."),
        numerator=_("applications granted in the period"),
        breakdowns=("kind",),
        compute=granted_raw,
    ),
    Indicator(
        key="entitlements_median_days",
        app="referrals",
        kind=Kind.MEDIAN,
        label=_("Median days until an entitlement was granted"),
        definition=_("Half of the applications granted in the period took at most this long."),
        numerator=_("days from the application's creation to its grant"),
        denominator=_("applications granted in the period"),
        compute=granted_median_days_raw,
    ),
)
