"""What other apps tell the partnership: a completed police referral is a positive act
of the referring officer's station; an erased member is no longer a co-trainer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from haki.partnership.models import Ally, CoTrainer, Facilitator, ReferralAct


def count_police_referral(referral: Any) -> ReferralAct | None:
    """Count ``referral`` for the station where the police ally who made it was posted
    on the day it was made (in the organisation's time). Nothing when the responder is
    not an ally, or the ally had no station that day; once per referral."""
    if referral.referred_by_responder_id is None:
        return None
    ally = Ally.objects.filter(
        organisation_id=referral.organisation_id, responder_id=referral.referred_by_responder_id
    ).first()
    if ally is None:
        return None
    org = referral.organisation
    posting = ally.posting_on(timezone.localdate(referral.requested_on, timezone=org.tzinfo))
    if posting is None or posting.station_id is None:
        return None
    act, _created = ReferralAct.objects.get_or_create(
        referral=referral, defaults={"organisation": org, "station_id": posting.station_id}
    )
    return act


def forget_co_trainer(sender: Any, member: Any, **kwargs: Any) -> None:
    """An erased member's consent goes, and with it her name on trainings."""
    CoTrainer.objects.filter(member=member).delete()
    Facilitator.objects.filter(member=member).delete()
