"""Small-cell suppression for aggregates that leave the organisation.

Every count below k is hidden (primary suppression). Where a table shows its total,
hiding one cell is not enough: the total minus the shown cells would give it back. So
further cells, smallest first, are hidden (complementary suppression) until the hidden
cells are at least two and together hold at least k cases: then each of them could be
anything from 0 to that sum, and nothing shown narrows it below k."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def suppress(counts: Mapping[Key, int], k: int, with_total: bool) -> dict[Key, int | None]:
    """``counts`` with hidden cells as None. ``with_total``: the table also shows the sum
    of its cells, which must then not reveal a hidden one."""
    hidden = {key for key, n in counts.items() if n < k}
    if with_total:
        while hidden and (len(hidden) < 2 or sum(counts[key] for key in hidden) < k):
            shown = [key for key in counts if key not in hidden]
            if not shown:
                break
            hidden.add(min(shown, key=lambda key: counts[key]))
    return {key: None if key in hidden else n for key, n in counts.items()}


def shown_total(total: int, k: int) -> int | None:
    return total if total >= k else None
