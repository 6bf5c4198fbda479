"""The partnership's indicators for the catalogue in haki/reports: whether the police
who serve the members' areas are trained. Officers are no members: nothing here is
held back for consent, and outside the organisation small counts are withheld as
everywhere."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haki.partnership.coverage import History, coverage, officers_trained
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register

# --- Training coverage (officers_trained, force_size, training_coverage_pct) ---


def history(scope: Scope) -> History:
    """Postings, counts and attendance, loaded once for the indicators that read them."""
    return scope.memo("partnership.history", lambda: History.load(scope.organisation))


def officers_trained_raw(scope: Scope) -> Raw:
    return Raw(numerator=officers_trained(scope.organisation, scope.area, scope.since, scope.until))


def force_size_raw(scope: Scope) -> Raw:
    return Raw(numerator=coverage(history(scope), scope.area, scope.until).force_size)


def training_coverage_raw(scope: Scope) -> Raw:
    found = coverage(history(scope), scope.area, scope.until)
    return Raw(numerator=found.trained, denominator=found.force_size)


register(
    Indicator(
        key="officers_trained",
        app="partnership",
        kind=Kind.COUNT,
        label=_("Police officers trained"),
        definition=_(
            "Distinct police officers who finished a training in the period while posted at "
            "a station in the area."
        ),
        numerator=_("officers who finished a training in the period"),
        compute=officers_trained_raw,
    ),
    Indicator(
        key="force_size",
        app="partnership",
        kind=Kind.COUNT,
        label=_("Police officers serving the area"),
        definition=_("Officers at the area's stations, as last counted by the period's end."),
        numerator=_("officers at the area's stations at the period's end"),
        compute=force_size_raw,
    ),
    Indicator(
        key="training_coverage_pct",
        app="partnership",
        kind=Kind.SHARE,
        label=_("Share of police officers trained"),
        definition=_(
            "Trained officers posted at the area's stations at the period's end, over the "
            "number of officers those stations have."
        ),
        numerator=_("trained officers posted in the area at the period's end"),
        denominator=_("officers at the area's stations at the period's end"),
        compute=training_coverage_raw,
        unit="%",
    ),
)

# --- End of training coverage ---
