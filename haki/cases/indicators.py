"""Documentation's indicators: cases, violations and positive acts by police. Outside the
organisation only cases whose member agreed to them being raised with police count."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from haki.cases.models import Case, CaseViolation, ViolationType
from haki.cases.taxonomy import Kind as ActKind
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register


def documented(scope: Scope) -> QuerySet[Case]:
    cases = Case.objects.filter(
        organisation=scope.organisation, occurred_on__gte=scope.since, occurred_on__lte=scope.until
    )
    if scope.areas is not None:
        cases = cases.filter(area_id__in=scope.areas)
    if scope.external:
        cases = cases.filter(consent_police=True)
    return cases.order_by()


def acts(scope: Scope) -> dict[int, int]:
    """ViolationType pk -> how often it was recorded in the scope's cases (counted once
    for the three indicators that read it)."""
    return scope.memo("cases.acts", lambda: count_acts(scope))


def count_acts(scope: Scope) -> dict[int, int]:
    links = CaseViolation.objects.filter(
        organisation=scope.organisation, occurred_on__gte=scope.since, occurred_on__lte=scope.until
    )
    if scope.areas is not None:
        links = links.filter(case__area_id__in=scope.areas)
    if scope.external:
        links = links.filter(consent_police=True)
    return dict(links.order_by().values_list("violationtype").annotate(n=Count("*")))


def by_type(scope: Scope, kind: str) -> list[tuple[str, int, None]]:
    counted = acts(scope)
    types = ViolationType.objects.filter(organisation=scope.organisation, kind=kind)
    return [
        (t.display_label, counted.get(t.pk, 0), None) for t in types if t.active or t.pk in counted
    ]


def cases_total(scope: Scope) -> Raw:
    return Raw(numerator=documented(scope).count())


def violations_total(scope: Scope) -> Raw:
    rows = by_type(scope, ActKind.ABUSE)
    return Raw(numerator=sum(n for _l, n, _d in rows), breakdown={"type": rows})


def positive_acts_total(scope: Scope) -> Raw:
    rows = by_type(scope, ActKind.POSITIVE)
    return Raw(numerator=sum(n for _l, n, _d in rows), breakdown={"type": rows})


def positive_share(scope: Scope) -> Raw:
    kinds = dict(
        ViolationType.objects.filter(organisation=scope.organisation).values_list("pk", "kind")
    )
    positive = total = 0
    for type_id, n in acts(scope).items():
        total += n
        positive += n if kinds.get(type_id) == ActKind.POSITIVE else 0
    return Raw(numerator=positive, denominator=total)


register(
    Indicator(
        key="cases_total",
        app="cases",
        kind=Kind.COUNT,
        label=_("Cases documented"),
        definition=_("Cases that happened in the period (by the date of the incident)."),
        numerator=_("cases whose incident date falls in the period"),
        compute=cases_total,
    ),
    Indicator(
        key="violations_total",
        app="cases",
        kind=Kind.COUNT,
        label=_("Violations recorded"),
        definition=_("Violations recorded in the period's cases; a case may record several."),
        numerator=_("violations recorded in cases of the period"),
        breakdowns=("type",),
        compute=violations_total,
    ),
    Indicator(
        key="positive_acts_total",
        app="cases",
        kind=Kind.COUNT,
        label=_("Positive acts by police"),
        definition=_("Positive acts by police recorded in the period's cases."),
        numerator=_("positive acts recorded in cases of the period"),
        breakdowns=("type",),
        compute=positive_acts_total,
    ),
    Indicator(
        key="positive_share_pct",
        app="cases",
        kind=Kind.SHARE,
        label=_("Share of police acts that were positive"),
        definition=_("Of all acts by police recorded in the period, the share that were positive."),
        numerator=_("positive acts recorded in cases of the period"),
        denominator=_("violations and positive acts recorded in cases of the period"),
        compute=positive_share,
        unit="%",
    ),
)
