"""Reminders to the owners of actions. The timer is in the row (``Action.remind_on``);
the periodic sweep texts those that are due, each action re-read locked and its timer
cleared in the transaction that writes the text to the outbox, so a reminder is sent
once whatever the number of workers or restarts. The page says "texted" only once the
gateway took the text (the outbox's status)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from haki.messaging.texts import queue_text
from haki.partnership.models import Action

BATCH = 500


def owner_contact(action: Action) -> tuple[str, str, object] | None:
    """(number, language, member or None) of the owner, if they can be texted: an ally
    through their responder, a member who has a number and did not opt out. Staff users
    have no number in Haki."""
    if action.owner_ally_id:
        responder = action.owner_ally.responder
        if responder is not None and responder.phone_sealed:
            return responder.phone, responder.language, None
        return None
    member = action.owner_member
    if member is not None and member.phone_sealed and not (member.opted_out_on or member.erased_on):
        return member.phone, member.language, member
    return None


def remind(action_id: int) -> bool:
    """Text the one reminder of an action, if still due; True if a text was queued."""
    with transaction.atomic():
        action = (
            Action.objects.select_for_update(of=("self",))
            .filter(
                pk=action_id,
                status=Action.Status.OPEN,
                reminder__isnull=True,
                remind_on__lte=timezone.now(),
            )
            .select_related("organisation", "owner_ally__responder", "owner_member")
            .first()
        )
        if action is None:
            return False
        action.remind_on = None
        contact = owner_contact(action)
        if contact is not None:
            to, language, member = contact
            action.reminder = queue_text(
                action.organisation,
                to,
                "plans.reminder",
                language or action.organisation.default_language,
                member=member,
                action=action.title,
                due=action.due_on.isoformat(),
            )
        action.save(update_fields=["remind_on", "reminder", "modified_on"])
    return action.reminder_id is not None


def sweep() -> int:
    """Remind the owner of every action that is due; returns how many were texted."""
    due = Action.objects.filter(remind_on__lte=timezone.now(), status=Action.Status.OPEN)
    return sum(remind(pk) for pk in due.values_list("pk", flat=True)[:BATCH])
