"""Where other apps hear about referrals without this app depending on them.

The partnership app (stations, allies) registers a function here that counts a
completed police referral as a positive act of the referring officer's station
(``haki.partnership.acts``). Each function receives the completed ``Referral`` (its
``referred_by_responder`` is the police ally who texted REFER)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

POLICE_REFERRAL_COMPLETED: list[Callable[[Any], None]] = []


def on_police_referral_completed(handler: Callable[[Any], None]) -> None:
    if handler not in POLICE_REFERRAL_COMPLETED:
        POLICE_REFERRAL_COMPLETED.append(handler)


def police_referral_completed(referral: Any) -> None:
    for handler in POLICE_REFERRAL_COMPLETED:
        handler(referral)
