"""The reminder and the expiry of unattended referrals. Both times are in the row; the
periodic sweep acts on those that are due, each referral re-read locked so two workers
never remind or expire it twice."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from haki.messaging.texts import queue_text
from haki.referrals.models import Referral
from haki.referrals.sms import slip

ACTOR = "timer"
BATCH = 500


def remind(referral_id: int) -> bool:
    """Text the one reminder, if still due; True if it was sent."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .filter(pk=referral_id, status__in=Referral.OPEN, reminded_on__isnull=True)
            .select_related("organisation", "service", "member")
            .first()
        )
        if referral is None or referral.remind_on is None or referral.remind_on > timezone.now():
            return False
        referral.reminded_on, referral.remind_on = timezone.now(), None
        referral.save(update_fields=["reminded_on", "remind_on", "modified_on"])
    member = referral.member
    if member is not None and (member.opted_out_on or member.erased_on or not member.phone):
        return False
    if member is None and not referral.phone_sealed:
        return False  # a police code: nobody's number is known
    to = member.phone if member else referral.phone
    language = member.language if member else referral.language
    queue_text(
        referral.organisation, to, "referral.reminder", language, member=member, **slip(referral)
    )
    return True


def expire(referral_id: int) -> bool:
    referral = Referral.objects.filter(pk=referral_id, status__in=Referral.OPEN).first()
    if referral is None or referral.expires_on is None or referral.expires_on > timezone.now():
        return False
    return referral.move(Referral.Status.CANCELLED, ACTOR, Referral.CancelReason.EXPIRED)


def sweep() -> tuple[int, int]:
    """Remind and expire every referral that is due; returns how many of each."""
    now = timezone.now()
    due = Referral.objects.open()
    reminded = sum(
        remind(pk) for pk in due.filter(remind_on__lte=now).values_list("pk", flat=True)[:BATCH]
    )
    expired = sum(
        expire(pk) for pk in due.filter(expires_on__lte=now).values_list("pk", flat=True)[:BATCH]
    )
    return reminded, expired
