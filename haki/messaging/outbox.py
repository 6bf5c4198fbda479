"""Outgoing texts: a transactional outbox.

A text is a row written in the same transaction as whatever caused it; the worker
sends it after commit. Sending claims the row first (one UPDATE that only one worker
can win), waits for the channel's next free slot, calls the gateway, and records the
outcome. A worker killed mid-send leaves the row claimed; after a lease it is offered
again, unless the gateway's delivery report has shown it was taken in the meantime."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from haki.core.models import Organisation
from haki.messaging.channels import SendFailed, gateway_for
from haki.messaging.models import Channel, Msg, insert_statement
from haki.messaging.sendurls import check_channel

logger = logging.getLogger(__name__)

# Texts an opted-out member still receives: the answers to STOP and START themselves.
ALWAYS_SENT = {"stop.confirm", "start.confirm", "delete.done"}


def default_channel(organisation: Organisation) -> Channel | None:
    return organisation.channels.filter(is_active=True).order_by("pk").first()


def queue(
    organisation: Organisation,
    to: str,
    text: str,
    *,
    template: str = "",
    member=None,
    language: str = "",
    channel: Channel | None = None,
    in_reply_to: Msg | None = None,
) -> Msg | None:
    """Write one outgoing text; it is sent once the current transaction commits.

    Returns None, and sends nothing, to a member who has opted out or been erased."""
    from haki.messaging import tasks

    unreachable = member is not None and (member.opted_out_on or member.erased_on)
    if unreachable and template not in ALWAYS_SENT:
        return None
    channel = channel or default_channel(organisation)
    if channel is None:
        logger.error(
            "organisation %s has no active channel; a text was not queued", organisation.pk
        )
        return None
    msg = Msg(
        organisation=organisation,
        channel=channel,
        direction=Msg.Direction.OUT,
        status=Msg.Status.QUEUED,
        member=member,
        language=language,
        template=template,
        in_reply_to=in_reply_to,
        next_attempt_on=timezone.now(),
    )
    msg.phone = to
    msg.text = text
    msg.save()
    transaction.on_commit(lambda: tasks.send_msg(msg.pk))
    return msg


def queue_many(
    organisation: Organisation,
    members: list[tuple[int, str, str, str]],
    texts: dict[str, str],
    *,
    template: str,
    batch,
) -> int:
    """Write one text per member, in their language, for a broadcast or a poll.

    ``members`` are (member id, language, phone ciphertext, phone index) of reachable
    members of ``organisation``: their numbers are already sealed with its key, so they
    are copied as they are, and each language's text is sealed once. One insert per
    thousand rows, and a few drain tasks instead of a task per text."""
    from haki.messaging import tasks

    channel = default_channel(organisation)
    if channel is None:
        return 0
    now = timezone.now()
    sealed = {language: organisation.keyring.seal(text) for language, text in texts.items()}
    fallback = sealed.get(organisation.default_language) or next(iter(sealed.values()), None)
    constant = {
        "organisation_id": organisation.pk,
        "channel_id": channel.pk,
        "direction": Msg.Direction.OUT,
        "status": Msg.Status.QUEUED,
        "template": template,
        "batch": batch,
        "next_attempt_on": now,
        "created_on": now,
        "modified_on": now,
        "attempts": 0,
        "error": "",
    }
    rows = [
        {
            **constant,
            "uuid": uuid.uuid4(),
            "member_id": member_id,
            "language": language,
            "phone_sealed": phone_sealed,
            "phone_index": phone_index,
            "text_sealed": sealed.get(language, fallback),
        }
        for member_id, language, phone_sealed, phone_index in members
        if phone_sealed and (language in sealed or fallback)
    ]
    _insert_many(rows)
    transaction.on_commit(
        lambda: [tasks.drain(channel.pk) for _ in range(settings.HAKI_DRAIN_TASKS)]
    )
    return len(rows)


def _insert_many(rows: list[dict], chunk: int = 2000) -> None:
    """INSERT outbox rows with executemany: Django's bulk_create compiles every field of
    every row, which for 100,000 texts costs more than the inserts themselves."""
    if not rows:
        return
    sql, fields = insert_statement(Msg, tuple(rows[0]))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(
                sql,
                [
                    [field.get_db_prep_save(row[field.attname], connection) for field in fields]
                    for row in rows[start : start + chunk]
                ],
            )


def drain(channel_id: int, batch: int = 50) -> int:
    """Send the channel's due texts, oldest first, until none is left. Several drains
    may run at once; each text is still claimed by exactly one."""
    sent = 0
    while True:
        due = list(
            Msg.objects.due()
            .filter(channel_id=channel_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            return sent
        for msg_id in due:
            if send(msg_id) == "sent":
                sent += 1


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600))


def send(msg_id: int) -> str:
    """Send one queued text at most once. Returns what happened, for logs and tests."""
    msg = Msg.objects.select_related("channel__organisation", "member").filter(pk=msg_id).first()
    if msg is None or msg.status != Msg.Status.QUEUED:
        return "not queued"
    if msg.next_attempt_on and msg.next_attempt_on > timezone.now():
        return "not due"
    # Claim first, then wait for the channel's slot: a text another worker already
    # holds never costs a slot.
    claimed = Msg.objects.filter(pk=msg.pk, status=Msg.Status.QUEUED).update(
        status=Msg.Status.SENDING, attempts=F("attempts") + 1, claimed_on=timezone.now()
    )
    if not claimed:
        return "claimed elsewhere"
    wait = msg.channel.reserve_send_slot()
    if wait:
        time.sleep(wait)
    attempt = msg.attempts + 1
    gateway = gateway_for(msg.channel.type)
    try:
        check_channel(msg.channel)  # never a request to a refused address
        external_id = gateway.send(msg.channel, msg, msg.phone, msg.text)
    except SendFailed as failure:
        msg.channel.note_failure()
        return _record_failure(msg, attempt, failure)
    msg.channel.note_success()
    sending = Msg.objects.filter(pk=msg.pk, status=Msg.Status.SENDING)
    if not sending.update(
        status=Msg.Status.WIRED, external_id=external_id, sent_on=timezone.now(), error=""
    ):
        # A delivery report got here first and already moved it on.
        Msg.objects.filter(pk=msg.pk, external_id__isnull=True).update(external_id=external_id)
    _scrub_if_erased(msg)
    return "sent"


def _record_failure(msg: Msg, attempt: int, failure: SendFailed) -> str:
    from haki.messaging import tasks

    sending = Msg.objects.filter(pk=msg.pk, status=Msg.Status.SENDING)
    if failure.retry and attempt < settings.HAKI_SEND_ATTEMPTS:
        delay = backoff(attempt)
        sending.update(
            status=Msg.Status.QUEUED,
            next_attempt_on=timezone.now() + delay,
            error=failure.reason[:200],
        )
        tasks.send_msg.schedule((msg.pk,), delay=delay.total_seconds())
        logger.warning(
            "send of %s failed (%s); retry %s in %s", msg.uuid, failure.reason, attempt, delay
        )
        return "retrying"
    sending.update(status=Msg.Status.FAILED, error=failure.reason[:200])
    logger.error("send of %s failed for good: %s", msg.uuid, failure.reason)
    _scrub_if_erased(msg)
    return "failed"


def _scrub_if_erased(msg: Msg) -> None:
    if msg.member_id and msg.member.erased_on:
        from haki.messaging.erasure import scrub_msgs

        scrub_msgs(Msg.objects.filter(pk=msg.pk))


def recover_interrupted() -> list[int]:
    """Offer again the texts whose sender died mid-send (claimed longer than a lease);
    returns their ids, to prompt a worker for each.

    A text the gateway did take has been moved on by its delivery report meanwhile,
    which is why only those still marked as sending are touched."""
    expired = timezone.now() - timedelta(seconds=settings.HAKI_SEND_LEASE_SECONDS)
    stuck = list(
        Msg.objects.filter(status=Msg.Status.SENDING, claimed_on__lt=expired).values_list(
            "pk", flat=True
        )
    )
    recovered = Msg.objects.filter(pk__in=stuck, status=Msg.Status.SENDING).update(
        status=Msg.Status.QUEUED,
        next_attempt_on=timezone.now(),
        error="interrupted while sending; offered again",
    )
    if recovered:
        logger.warning("offered again %s texts interrupted while sending", recovered)
    return stuck


def overdue_ids(grace: timedelta = timedelta(seconds=60), limit: int = 1000) -> list[int]:
    """Texts due for longer than ``grace``: their prompt to the worker was probably lost
    (a killed process), so the sweep prompts again. Fresher ones have a task waiting."""
    overdue = Msg.objects.due().filter(next_attempt_on__lte=timezone.now() - grace)
    return list(overdue.order_by("next_attempt_on").values_list("pk", flat=True)[:limit])
