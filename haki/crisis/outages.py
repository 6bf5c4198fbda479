"""A gateway that stops taking texts silently stops alerts from reaching responders.
After five minutes of failure the coordinators see it on their home page
(``haki.messaging.panels``) and are texted once, through another channel when the
organisation has one."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from haki.crisis.alerts import LAST_RESORT_TIER
from haki.crisis.models import Responder
from haki.messaging.models import Channel
from haki.messaging.panels import FAILED_FOR_MINUTES
from haki.messaging.texts import queue_urgent_text

logger = logging.getLogger(__name__)


def warn_of_failing_channels() -> int:
    """Text the coordinator tier about each channel failing for five minutes, once per
    failure episode (the claim on ``failure_reported_on`` is the once); returns how
    many channels were reported."""
    failing = (
        Channel.objects.failed_for(timedelta(minutes=FAILED_FOR_MINUTES))
        .filter(failure_reported_on__isnull=True)
        .select_related("organisation")
    )
    reported = 0
    for channel in failing:
        with transaction.atomic():
            claimed = Channel.objects.filter(
                pk=channel.pk,
                failing_since=channel.failing_since,
                failure_reported_on__isnull=True,
            ).update(failure_reported_on=timezone.now())
            if claimed:
                _text_coordinators(channel)
                reported += 1
    return reported


def _text_coordinators(channel: Channel) -> None:
    org = channel.organisation
    other = (
        org.channels.filter(is_active=True, failing_since__isnull=True)
        .exclude(pk=channel.pk)
        .order_by("pk")
        .first()
    )
    if other is None:
        # By row number: the UUID is the channel's address, its only credential without a secret.
        logger.error("channel %s failing; no other channel to tell coordinators", channel.pk)
        return
    for responder in Responder.objects.active().filter(organisation=org, tier=LAST_RESORT_TIER):
        queue_urgent_text(
            org,
            responder.phone,
            "channel.failing",
            responder.language,
            channel=other,
            name=channel.name,
            since=channel.failing_since,
        )
