"""The catalogue of the programme's indicators.

Each app owns the indicators about its records: a function beside its models computes
the raw figure for a :class:`Scope` (organisation, period, area and everything below it,
audience), and the app's ``indicators`` module registers it here, found by
autodiscovery like ``provisioning`` modules::

    register(Indicator(key="alerts_total", kind=Kind.COUNT, compute=alerts_total, ...))

The catalogue says what each figure means (definition, numerator, denominator), the
breakdowns it allows and whether it may leave the organisation; ``haki.reports.figures``
applies the audience (suppression) to what the functions return.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from haki.core.models import Area, Organisation


class Audience(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Kind(StrEnum):
    COUNT = "count"  # a number of records; its breakdown cells add up to it
    SHARE = "share"  # numerator / denominator x 100, both counts of the same records
    RATIO = "ratio"  # numerator / denominator, counts of different records
    MEDIAN = "median"  # the median of a measure over ``denominator`` records


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed over: ``since`` and ``until`` are days in the
    organisation's time zone, both included; ``areas`` the chosen area and every area
    below it (None: the whole organisation)."""

    organisation: Organisation
    since: datetime.date
    until: datetime.date
    area: Area | None = None
    audience: Audience = Audience.INTERNAL

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(
            self.since, datetime.time.min, tzinfo=self.organisation.tzinfo
        )

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period, or now when the period has not ended."""
        after = datetime.datetime.combine(
            self.until + datetime.timedelta(days=1),
            datetime.time.min,
            tzinfo=self.organisation.tzinfo,
        )
        return min(after, timezone.now())

    @cached_property
    def areas(self) -> list[int] | None:
        return self.area.subtree() if self.area is not None else None

    @property
    def external(self) -> bool:
        return self.audience == Audience.EXTERNAL

    def memo(self, name: str, work: Callable[[], Any]) -> Any:
        """``work()`` once per scope: several indicators read the same grouped counts."""
        found = self.__dict__.setdefault("_memo", {})
        if name not in found:
            found[name] = work()
        return found[name]


@dataclass
class Raw:
    """What an indicator function returns, before any suppression. ``value`` is the
    count for COUNT, the median for MEDIAN; shares and ratios are made from numerator
    and denominator. ``breakdown`` maps a breakdown name to (label, count-or-value,
    denominator-or-None) cells."""

    numerator: int | None = None
    denominator: int | None = None
    value: float | int | None = None
    breakdown: dict[str, list[tuple[str, Any, int | None]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    key: str
    app: str
    kind: Kind
    label: Any  # lazy text
    definition: Any
    numerator: Any
    compute: Callable[[Scope], Raw]
    denominator: Any = ""
    breakdowns: tuple[str, ...] = ()
    # May it leave the organisation (external audience, DHIS2, donor report, API)?
    external: bool = True
    # Shares and ratios shown in the "%" sense.
    unit: str = ""


_registry: dict[str, Indicator] = {}
_discovered = False


def register(*indicators: Indicator) -> None:
    for indicator in indicators:
        _registry[indicator.key] = indicator


def catalogue() -> list[Indicator]:
    """Every registered indicator, in the order the apps registered them."""
    global _discovered
    if not _discovered:
        autodiscover_modules("indicators")
        _discovered = True
    return list(_registry.values())


def get(key: str) -> Indicator | None:
    return {i.key: i for i in catalogue()}.get(key)
