"""A missed call ("flash") to the crisis line, routed by the worker once stored
(``haki.messaging.voice``).

From a member, it raises an alert exactly as HELP does (her area, her consents, her
discreet confirmation by SMS), with the source "missed call"; flashes within ten
minutes join the open alert. From an unknown number it raises nothing unless the
organisation chose to alert its coordinators, and lands in the inbox as a call to
return, a few times an hour at most per number. The gateway's word that a call has
ended is recorded and does nothing more."""

from __future__ import annotations

from django.utils import timezone

from haki.core.models import Organisation
from haki.credentials.checks import Throttle
from haki.crisis import alerts
from haki.crisis.models import Alert
from haki.messaging import keywords
from haki.messaging.channels import CALL, CALL_ENDED
from haki.messaging.handlers import Context
from haki.messaging.models import Msg
from haki.messaging.voice import texting_channel

# Organisation setting (``settings["unknown_flash"]``): what a flash from a number that
# is not a member's does besides landing in the inbox.
UNKNOWN_FLASH = "unknown_flash"
INBOX_ONLY, ALERT_COORDINATORS = "inbox", "coordinators"
UNKNOWN_FLASH_CHOICES = (INBOX_ONLY, ALERT_COORDINATORS)
# Flashes from one unknown number that reach the inbox (or the coordinators) per hour;
# the others are recorded and do nothing, so a dialler cannot flood anyone.
UNKNOWN_LIMIT, UNKNOWN_PERIOD_SECONDS = 3, 3600


class CannotRaiseYet(Exception):
    """The alert cannot be raised now (the organisation has no area yet): the call stays
    received, and the worker's sweep routes it again until it can."""


def on_call(context: Context) -> str:
    msg = context.msg
    if msg.template == CALL_ENDED and _ringing_was_stored(msg):
        return _done(msg, Msg.Status.HANDLED, "call ended")
    if context.member is not None:
        alerts.raise_alert(
            context.organisation,
            member=context.member,
            source=Alert.Source.MISSED_CALL,
            channel=texting_channel(msg.channel),
        )
        return _done(msg, Msg.Status.HANDLED, "missed call")
    return _unknown(context)


def _ringing_was_stored(msg: Msg) -> bool:
    """Whether the call's first callback came: if it was lost, the last one acts."""
    session = (msg.external_id or "").removesuffix(".ended")
    return Msg.objects.filter(
        channel=msg.channel_id, direction=Msg.Direction.IN, external_id=session
    ).exists()


def _done(msg: Msg, status: str, action: str) -> str:
    msg.status = status
    msg.save(update_fields=["member", "status", "modified_on"])
    return action


def _unknown(context: Context) -> str:
    msg, org = context.msg, context.organisation
    throttle = Throttle(
        "flash",
        f"{org.pk}:{msg.phone_index}",
        limit=UNKNOWN_LIMIT,
        period_seconds=UNKNOWN_PERIOD_SECONDS,
    )
    if throttle.blocked():
        return _done(msg, Msg.Status.HANDLED, "throttled")
    throttle.fail()
    if (org.settings or {}).get(UNKNOWN_FLASH) == ALERT_COORDINATORS:
        _alert_coordinators(org, msg)
    return _done(msg, Msg.Status.INBOX, "inbox")


def _alert_coordinators(org: Organisation, msg: Msg) -> None:
    """Coordinators texted about an unknown caller's flash, with the number to call back;
    a second flash within ten minutes joins that alert."""
    since = timezone.now() - alerts.JOIN_WINDOW
    recent = Alert.objects.open().filter(
        organisation=org, member=None, source=Alert.Source.MISSED_CALL, raised_on__gte=since
    )
    for alert in recent[:50]:
        if alert.caller == msg.phone:
            return
    if not org.areas.exists():
        raise CannotRaiseYet(f"organisation {org.pk} has no area to raise an alert in")
    alerts.raise_alert(
        org,
        source=Alert.Source.MISSED_CALL,
        caller=msg.phone,
        channel=texting_channel(msg.channel),
        tier=alerts.LAST_RESORT_TIER,
    )


def register() -> None:
    keywords.register_call(CALL, on_call)
    keywords.register_call(CALL_ENDED, on_call)
