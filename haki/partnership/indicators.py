"""The partnership's indicators in the catalogue of ``haki.reports``. Each block is
one part of the partnership; keep a new part's indicators in a block of their own."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register

# Joint action plans ----------------------------------------------------------------


def plans_in_scope(scope: Scope) -> QuerySet:
    """Plans running at some time in the period, for an area or station in scope."""
    from haki.partnership.models import ActionPlan

    plans = ActionPlan.objects.filter(
        organisation=scope.organisation, starts_on__lte=scope.until, ends_on__gte=scope.since
    )
    if scope.areas is not None:
        plans = plans.filter(Q(area_id__in=scope.areas) | Q(station__area_id__in=scope.areas))
    return plans.order_by()


def action_plans_on_track_pct(scope: Scope) -> Raw:
    """Of the plans running in the period, those with no overdue action on the
    period's last day (or today, while the period runs)."""
    from haki.partnership.models import Action

    day = min(scope.until, timezone.localdate(timezone=scope.organisation.tzinfo))
    plans = set(plans_in_scope(scope).values_list("pk", flat=True))
    late = set(
        Action.objects.filter(plan_id__in=plans).overdue(day).values_list("plan_id", flat=True)
    )
    return Raw(numerator=len(plans - late), denominator=len(plans))


# --- Station monitoring and recognition -------------------------------------------------


def monitoring_visits(scope: Scope) -> QuerySet:
    from haki.partnership.monitoring import Visit

    visits = Visit.objects.filter(
        organisation=scope.organisation,
        visited_on__gte=scope.since,
        visited_on__lte=scope.until,
    )
    if scope.areas is not None:
        visits = visits.filter(station__area_id__in=scope.areas)
    return visits.order_by()


def stations_monitored(scope: Scope) -> Raw:
    """Distinct stations visited by a monitoring team in the period."""
    return Raw(numerator=monitoring_visits(scope).values("station_id").distinct().count())


def mean_station_score(scope: Scope) -> Raw:
    """The mean of the scores of the period's visits (those where anything was seen).
    Reported as a measure over the visits, like a median: ``value`` with the number of
    visits as ``denominator``, so that few visits are withheld outside."""
    scores = [s for s in monitoring_visits(scope).values_list("score", flat=True) if s is not None]
    value = round(sum(scores) / len(scores), 1) if scores else None
    return Raw(value=value, denominator=len(scores))


def awards_given(scope: Scope) -> Raw:
    """Nominations decided "awarded" in the period, by the officer's station's area."""
    from haki.partnership.recognition import Nomination

    awards = Nomination.objects.filter(
        organisation=scope.organisation,
        decision=Nomination.Decision.AWARDED,
        decided_on__gte=scope.since,
        decided_on__lte=scope.until,
    )
    if scope.areas is not None:
        awards = awards.filter(station__area_id__in=scope.areas)
    return Raw(numerator=awards.count())


register(
    Indicator(
        key="action_plans_on_track_pct",
        app="partnership",
        kind=Kind.SHARE,
        label=_("Action plans on track"),
        definition=_(
            "Of the joint action plans running in the period, the share with no action "
            "overdue on the period's last day: every action is done, dropped or not yet due."
        ),
        numerator=_("plans running in the period with no overdue action"),
        denominator=_("plans running in the period"),
        compute=action_plans_on_track_pct,
        unit="%",
    ),
    Indicator(
        key="stations_monitored",
        app="partnership",
        kind=Kind.COUNT,
        label=_("Stations monitored"),
        definition=_("Stations visited by a monitoring team in the period."),
        numerator=_("distinct stations with a monitoring visit in the period"),
        compute=stations_monitored,
    ),
    Indicator(
        key="mean_station_score",
        app="partnership",
        kind=Kind.MEDIAN,
        label=_("Mean station score"),
        definition=_(
            "The mean score of the period's monitoring visits: each visit's weighted share "
            "of yes among the checklist items seen, in percent."
        ),
        numerator=_("mean score of the visits"),
        denominator=_("monitoring visits in the period where any item was seen"),
        compute=mean_station_score,
        unit="%",
    ),
    Indicator(
        key="awards_given",
        app="partnership",
        kind=Kind.COUNT,
        label=_("Awards given to officers"),
        definition=_("Nominations of officers decided as awarded in the period."),
        numerator=_("nominations awarded in the period"),
        compute=awards_given,
    ),
)
