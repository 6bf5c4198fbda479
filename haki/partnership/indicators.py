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
)
