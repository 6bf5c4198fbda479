"""The core loop: an alert is raised, texted to the right responders, taken by the
first who answers, escalated tier by tier while nobody does, and closed with an
outcome. Every step is one transaction; texts leave through the outbox after it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from haki.core.models import Area, AuditEvent, Organisation
from haki.crisis.models import Alert, AlertEvent, AlertRecipient, Responder
from haki.members.models import Member
from haki.messaging.texts import queue_urgent_text

logger = logging.getLogger(__name__)
JOIN_WINDOW = timedelta(minutes=10)
POLICE_TIER = "police_ally"
LAST_RESORT_TIER = "coordinator"


def _member_details(alert: Alert) -> dict[str, object]:
    member = alert.member
    consent = member is not None and member.share_number_with_responders and member.phone
    phone = f"{member.phone}. " if consent else ""
    if alert.member is None and alert.caller:
        phone = f"{alert.caller}. "  # a hotline caller who gave a number to call back
    words = f'"{alert.words}". ' if alert.words else ""
    # Rendered in each responder's language when their text is written.
    alias = member.alias if member else pgettext_lazy("who needs help", "someone")
    return {
        "ref": alert.reference,
        "alias": alias,
        "area": alert.area.name,
        "words": words,
        "phone": phone,
    }


def open_alert_of(member: Member) -> Alert | None:
    since = timezone.now() - JOIN_WINDOW
    return (
        Alert.objects.open()
        .filter(member=member, raised_on__gte=since)
        .order_by("-raised_on")
        .first()
    )


@transaction.atomic
def raise_alert(
    organisation: Organisation,
    *,
    member: Member | None = None,
    area: Area | None = None,
    words: str = "",
    source: str = Alert.Source.SMS,
    caller: str = "",
    user=None,
    channel=None,
    tier: str | None = None,
) -> tuple[Alert, bool]:
    """Open an alert and text its first tier (or ``tier``, and the coordinators when
    the organisation has no such tier); a second call for help from the same member
    within ten minutes joins the open alert. Returns (alert, newly opened)."""
    if member is not None:
        # One call at a time per member: two texts routed at once by two workers must
        # not both find no open alert and open one each.
        list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk"))
        existing = open_alert_of(member)
        if existing is not None:
            if words:
                existing.words = f"{existing.words} / {words}" if existing.words else words
                existing.save(update_fields=["words_sealed", "modified_on"])
            AlertEvent.objects.create(alert=existing, kind=AlertEvent.Kind.JOINED, user=user)
            return existing, False
    area = (
        area
        or (member.area if member else None)
        or organisation.areas.filter(parent__isnull=True).order_by("pk").first()
    )
    alert = Alert(
        organisation=organisation,
        reference=Alert.new_reference(organisation),
        member=member,
        area=area,
        source=source,
        raised_by=user,
    )
    alert.words = words
    alert.caller = caller
    alert.next_escalation_on = timezone.now() + timedelta(seconds=organisation.ack_timeout_seconds)
    alert.save()
    _log(alert, AlertEvent.Kind.RAISED, user=user, audit=AuditEvent.Action.CREATE)
    _alert_from_tier(alert, _tier_index(organisation, tier), channel=channel)
    if member is not None and member.phone:
        queue_urgent_text(
            organisation,
            member.phone,
            "alert.member",
            member.language,
            member=member,
            channel=channel,
        )
    _schedule_escalation(alert)
    return alert, True


def _tier_index(organisation: Organisation, tier: str | None) -> int:
    """Where the ladder starts: at the top, or at ``tier``; past the end (the coordinators
    as a last resort) when the organisation has no such tier."""
    tiers = organisation.tiers
    if tier is None:
        return 0
    return tiers.index(tier) if tier in tiers else len(tiers)


def _allowed(alert: Alert, tier: str) -> bool:
    """Police allies only with the member's consent, never for an unknown caller."""
    if tier != POLICE_TIER:
        return True
    return alert.member is not None and alert.member.allow_police_referral


def _alert_from_tier(alert: Alert, start: int, channel=None, step: int = 0) -> None:
    """Text the first tier from ``start`` that has somebody on duty (from wave ``step``
    of tier ``start``: those first in their tier, then the others). With every tier
    empty, the coordinators are texted whether on duty or not: someone must know."""
    tiers = alert.organisation.tiers
    for index in range(start, len(tiers)):
        tier = tiers[index]
        if not _allowed(alert, tier):
            step = 0
            continue
        waves = Responder.objects.filter(organisation=alert.organisation).waves_near(
            alert.area, tier
        )
        if len(waves) > step:
            alert.tier_index, alert.tier_step = index, step
            alert.save(update_fields=["tier_index", "tier_step", "modified_on"])
            _text_responders(alert, tier, waves[step], channel)
            return
        if step == 0:
            AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.NOBODY, tier=tier)
        step = 0
    last_resort = list(
        Responder.objects.active().filter(organisation=alert.organisation, tier=LAST_RESORT_TIER)
    )
    if LAST_RESORT_TIER in tiers:
        alert.tier_index, alert.tier_step = tiers.index(LAST_RESORT_TIER), 0
        alert.save(update_fields=["tier_index", "tier_step", "modified_on"])
    if last_resort:
        _text_responders(alert, LAST_RESORT_TIER, last_resort, channel)
    else:
        logger.error("alert %s: no responder of any tier can be reached", alert.reference)


def _text_responders(alert: Alert, tier: str, responders: list[Responder], channel=None) -> None:
    details = _member_details(alert)
    for responder in responders:
        msg = queue_urgent_text(
            alert.organisation,
            responder.phone,
            "alert.responder",
            responder.language,
            channel=channel,
            **details,
        )
        AlertRecipient.objects.create(alert=alert, responder=responder, tier=tier, msg=msg)
        AlertEvent.objects.create(
            alert=alert, kind=AlertEvent.Kind.TEXTED, tier=tier, responder=responder
        )


def _schedule_escalation(alert: Alert) -> None:
    from haki.crisis import tasks

    deadline = alert.next_escalation_on
    transaction.on_commit(lambda: tasks.escalate.schedule((alert.pk,), eta=deadline))


def escalate(alert_id: int) -> str:
    """Called at the deadline: re-reads the alert, and if nobody has taken it yet,
    texts the next tier (police allies only with consent; after the last tier, the
    coordinators again) and sets the next deadline."""
    with transaction.atomic():
        alert = locked(alert_id)
        if alert is None or alert.status != Alert.Status.OPEN or alert.next_escalation_on is None:
            return "nothing to do"
        if alert.next_escalation_on > timezone.now():
            # A stale or duplicate prompt: the current deadline has its own task.
            return "not yet"
        # The tier's next wave first; past the last tier, _alert_from_tier falls back
        # to the coordinators again.
        alert.escalations += 1
        _alert_from_tier(alert, alert.tier_index, step=alert.tier_step + 1)
        _log(alert, AlertEvent.Kind.ESCALATED, tier=alert.tier)
        alert.next_escalation_on = timezone.now() + timedelta(
            seconds=alert.organisation.ack_timeout_seconds
        )
        alert.save(update_fields=["escalations", "next_escalation_on", "modified_on"])
        _schedule_escalation(alert)
    return "escalated"


def locked(alert_id: int) -> Alert | None:
    """The alert, its row locked until the transaction ends (only its own row: the
    member join is nullable, which PostgreSQL will not lock)."""
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("organisation", "area", "member")
        .filter(pk=alert_id)
        .first()
    )


def _log(
    alert: Alert,
    kind: str,
    *,
    responder=None,
    user=None,
    tier: str = "",
    audit: str = AuditEvent.Action.CHANGE,
) -> None:
    """A line of the alert's timeline; what staff did goes to the audit trail too."""
    AlertEvent.objects.create(alert=alert, kind=kind, tier=tier, responder=responder, user=user)
    if user is not None:
        AuditEvent.record(user, audit, alert)


def overdue_alert_ids() -> list[int]:
    return list(
        Alert.objects.filter(
            status=Alert.Status.OPEN, next_escalation_on__lte=timezone.now()
        ).values_list("pk", flat=True)[:5000]
    )


def acknowledge(alert: Alert, *, responder: Responder | None = None, user=None) -> str:
    """The first to answer takes the alert. Returns "taken", "already taken" or "closed"."""
    with transaction.atomic():
        alert = locked(alert.pk)
        if alert.status == Alert.Status.CLOSED:
            return "closed"
        if alert.status == Alert.Status.ACKNOWLEDGED:
            AlertEvent.objects.create(
                alert=alert, kind=AlertEvent.Kind.LATE, responder=responder, user=user
            )
            return "already taken"
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_on = timezone.now()
        alert.acknowledged_by, alert.acknowledged_by_user = responder, user
        alert.next_escalation_on = None
        alert.save()
        _log(alert, AlertEvent.Kind.ACKNOWLEDGED, responder=responder, user=user)
        org, name = alert.organisation, alert.who_took_it
        others = {r.responder for r in alert.recipients.select_related("responder")}
        for other in others - {responder}:
            queue_urgent_text(
                org, other.phone, "ack.others", other.language, ref=alert.reference, name=name
            )
        if responder is not None:
            queue_urgent_text(
                org, responder.phone, "ack.confirm", responder.language, **_member_details(alert)
            )
        member = alert.member
        if member is not None and member.phone:
            queue_urgent_text(org, member.phone, "ack.member", member.language, member=member)
    return "taken"


def close(alert: Alert, outcome: str, *, responder: Responder | None = None, user=None) -> bool:
    with transaction.atomic():
        alert = locked(alert.pk)
        if alert.status == Alert.Status.CLOSED:
            return False
        if alert.status == Alert.Status.OPEN:  # closed without an ACK: whoever closes took it
            alert.acknowledged_on = timezone.now()
            alert.acknowledged_by, alert.acknowledged_by_user = responder, user
        alert.status = Alert.Status.CLOSED
        alert.closed_on = timezone.now()
        alert.next_escalation_on = None
        alert.outcome = outcome
        alert.save()
        _log(alert, AlertEvent.Kind.CLOSED, responder=responder, user=user)
        member = alert.member
        if member is not None and member.phone:
            queue_urgent_text(
                alert.organisation, member.phone, "done.member", member.language, member=member
            )
    return True
