"""Outgoing texts: a transactional outbox.

A text is a row written in the same transaction as whatever caused it; the worker
sends it after commit. Sending claims the row first (one UPDATE that only one worker
can win), waits for the channel's next free slot, calls the gateway, and records the
outcome. A worker killed mid-send leaves the row claimed; after a lease it is offered
again, unless the gateway's delivery report has shown it was taken in the meantime.

A channel's backlog (a broadcast, a poll) is drained in batches: one statement claims
the next few texts, most urgent first (``Msg.Priority``), then the oldest; the batch
takes its slots from the channel's limit at once, goes to the gateway over a few
keep-alive connections at the same time, and its outcomes are recorded together. A
call for help queued meanwhile is claimed by the next batch, ahead of the rest."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from haki.core.models import Organisation
from haki.messaging.channels import SendFailed, gateway_for
from haki.messaging.channels.base import TIMEOUT
from haki.messaging.models import (
    SEND_MARGIN,
    Channel,
    Msg,
    claim_msgs,
    insert_statement,
    send_interval,
)
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
    priority: int | None = None,
    may_wait: bool = False,
) -> Msg | None:
    """Write one outgoing text; it is sent once the current transaction commits.

    ``priority``: a ``Msg.Priority``; by default a reply to a text goes as a reply, any
    other text as a routine notice. ``may_wait``: in a routing batch, the text is written
    with the batch's other replies when the batch ends (``routing.keep_reply``), and
    has no id until then. Returns None, and sends nothing, to a member who has opted
    out or been erased."""
    from haki.messaging import routing

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
        priority=_priority(priority, in_reply_to),
        next_attempt_on=timezone.now(),
    )
    msg.phone = to
    msg.text = text
    if not (may_wait and routing.keep_reply(msg)):
        msg.save()
        _hand_over([msg.pk])
    return msg


def insert_queued(msgs: list[Msg]) -> None:
    """Write the unsaved texts ``msgs`` (made by ``queue``) in one statement, each
    sent once the transaction commits."""
    if msgs:
        Msg.objects.bulk_create(msgs)
        _hand_over([msg.pk for msg in msgs])


def _hand_over(ids: list[int]) -> None:
    """Have the texts ``ids`` sent after commit: with the others collected
    (``sends_collected``), or each on its own."""
    from haki.messaging import tasks

    collected = _collected.get()
    if collected is not None:
        collected.extend(ids)
    else:
        for msg_id in ids:
            transaction.on_commit(lambda msg_id=msg_id: tasks.send_msg(msg_id))


_collected: ContextVar[list[int] | None] = ContextVar("collected_sends", default=None)


@contextmanager
def sends_collected() -> Iterator[None]:
    """Within this block (one transaction), the texts queued are handed to the worker
    in one prompt once it commits, rather than one prompt each: a routing batch's
    replies and alerts."""
    collected: list[int] = []
    token = _collected.set(collected)
    try:
        yield
    finally:
        _collected.reset(token)
    if collected:
        from haki.messaging import tasks

        transaction.on_commit(lambda: tasks.send_queued(collected))


def send_queued(ids: list[int]) -> int:
    """Send the texts ``ids`` that are still queued and due, each channel's in
    batches, most urgent first; returns how many the gateway took."""
    waiting = Msg.objects.filter(pk__in=ids, status=Msg.Status.QUEUED)
    by_channel: dict[int, list[int]] = {}
    for pk, channel_id in waiting.values_list("pk", "channel_id"):
        by_channel.setdefault(channel_id, []).append(pk)
    channels = Channel.objects.select_related("organisation").filter(pk__in=by_channel)
    return sum(send_due(c, batch_size(c), by_channel[c.pk]) for c in channels)


def _priority(priority: int | None, in_reply_to: Msg | None) -> int:
    if priority is not None:
        return priority
    return Msg.Priority.REPLY if in_reply_to is not None else Msg.Priority.ROUTINE


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
        "priority": Msg.Priority.BULK,
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


def drain(channel_id: int, batch: int | None = None) -> int:
    """Send the channel's due texts, most urgent then oldest, in batches until none is
    left. Several drains may run at once; each text is still claimed by exactly one."""
    channel = Channel.objects.select_related("organisation").filter(pk=channel_id).first()
    if channel is None:
        return 0
    return send_due(channel, batch or batch_size(channel))


def send_due(channel: Channel, size: int, among: list[int] | None = None) -> int:
    """Claim and send the channel's due texts (of ``among`` only, if given), ``size``
    at a time, until none is left; returns how many the gateway took."""
    sent = 0
    while claimed := claim(channel, size, among):
        sent += send_batch(channel, claimed)
    return sent


def batch_size(channel: Channel) -> int:
    """A twentieth of a second of the channel's limit, at most ``HAKI_SEND_BATCH``: the
    slots a batch holds are slots an urgent text queued meanwhile waits behind."""
    return max(1, min(settings.HAKI_SEND_BATCH, channel.tps // 20))


def claim(channel: Channel, limit: int, among: list[int] | None = None) -> list[int]:
    """Take up to ``limit`` of the channel's due texts (of ``among`` only, if given),
    most urgent first, then the oldest, for this sender alone; returns their ids. One
    statement (``claim_msgs``)."""
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    only = f' AND "id" IN ({", ".join(["%s"] * len(among))})' if among else ""
    return claim_msgs(
        f'"status" = %s AND "channel_id" = %s AND "direction" = %s{only} '
        'AND "next_attempt_on" <= %s',
        [Msg.Status.QUEUED, channel.pk, Msg.Direction.OUT, *(among or []), moment],
        '"priority", "id"',
        limit,
        '"status" = %s, "attempts" = "attempts" + 1, "claimed_on" = %s, "modified_on" = %s',
        [Msg.Status.SENDING, moment, moment],
    )


_local = threading.local()
_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's sending threads (made on first use, so a forked process gets
    its own): a batch goes to the gateway over several connections at once."""
    import os

    with _pool_lock:
        pid = os.getpid()
        if pid not in _pools:
            _pools[pid] = ThreadPoolExecutor(
                max_workers=settings.HAKI_SEND_CONNECTIONS, thread_name_prefix="haki-send"
            )
        return _pools[pid]


def send_batch(channel: Channel, ids: list[int]) -> int:
    """Hand the claimed texts ``ids`` to the gateway, each in its own slot of the
    channel's limit, several at once; record the outcomes together. Returns how many
    the gateway took.

    A text whose sending thread came to it more than ``LATE_FOR_SLOT`` after its slot
    (a process paused, a busy machine) is not sent then, next to the texts of the
    following slots: it waits for a new slot, as long as its lease allows
    (``too_late``)."""
    msgs = list(Msg.objects.select_related("member").filter(pk__in=ids).order_by("priority", "pk"))
    for msg in msgs:
        msg.channel = channel  # read once, and never again from a sending thread
        msg.organisation = channel.organisation
    try:
        check_channel(channel)  # never a request to a refused address
    except SendFailed as refused:
        return _record(channel, msgs, [refused] * len(msgs))
    claimed_on = min((m.claimed_on for m in msgs if m.claimed_on), default=timezone.now())
    deadline = time.monotonic() + lease_left(claimed_on)
    # Numbers and texts decrypted before the slots are taken, not in them.
    waiting = [(m, m.phone, m.text) for m in msgs]
    outcomes: dict[int, str | SendFailed | Late | Missed | None] = {}
    while waiting:
        offsets = channel.reserve_send_slots(len(waiting))
        begun = time.monotonic()
        letters = [(*letter, begun + o) for letter, o in zip(waiting, offsets, strict=True)]
        handed = _hand_over_all(channel, letters, deadline)
        outcomes.update((m.pk, o) for (m, *_), o in zip(letters, handed, strict=True))
        missed = [isinstance(o, Missed) for o in handed]
        waiting = [letter[:3] for letter, m in zip(letters, missed, strict=True) if m]
    late = [(m, o) for m in msgs if isinstance(o := outcomes[m.pk], Late)]
    if late:
        _release(channel, late)
    kept = [(m, outcomes[m.pk]) for m in msgs if not isinstance(outcomes[m.pk], Late)]
    return _record(channel, [m for m, _ in kept], [o for _, o in kept])


# How long after its slot a text may still be handed to the gateway: half the margin
# by which slots are longer than the limit allows (``SEND_MARGIN``), the other half
# left for the request to reach the gateway.
LATE_FOR_SLOT = SEND_MARGIN / 2


def too_late(channel: Channel, slot: float, now: float) -> bool:
    """Whether a text handed over at ``now`` (``time.monotonic()``) is too late for its
    ``slot`` and must wait for a new one. Only on a channel whose slots are at least
    ``LATE_FOR_SLOT`` apart (up to 102 texts a second): on a faster one, sending
    threads hand texts over less evenly than a slot, a text comes late because the
    sender runs behind, not after a pause, and new slots for it would only be missed
    again (measured: half the worker's time at 1,000/s)."""
    return send_interval(channel.tps) >= LATE_FOR_SLOT and now - slot > LATE_FOR_SLOT


class Missed:
    """A text not handed over because its sending thread came to it more than
    ``LATE_FOR_SLOT`` after its slot: it waits for a new one."""


def _hand_over_all(
    channel: Channel, letters: list[tuple[Msg, str, str, float]], deadline: float
) -> list[str | SendFailed | Late | Missed | None]:
    """Hand each text to the gateway at its slot (a ``time.monotonic()`` moment); the
    gateway's id or failure, ``Late`` for a slot after ``deadline``, or ``Missed`` for
    a text whose thread came to it too long after its slot."""
    gateway = gateway_for(channel.type)

    def hand_over(letter: tuple[Msg, str, str, float]) -> str | SendFailed | Late | Missed | None:
        msg, phone, text, slot = letter
        if slot > deadline:
            return Late(slot)
        wait = slot - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        now = time.monotonic()
        if now > deadline:  # a sending thread that came free too late
            return Late(slot)
        if too_late(channel, slot, now):
            return Missed()
        try:
            return gateway.send(channel, msg, phone, text)
        except SendFailed as failure:
            return failure

    hand_all = _pool().map if gateway.concurrent else map
    return list(hand_all(hand_over, letters))


@dataclass(frozen=True)
class Late:
    """A claimed text whose slot (``at``, a ``time.monotonic()`` moment) comes too late
    in its lease: handed over then, it could be sent again by a worker that took it
    back."""

    at: float


def lease_left(claimed_on: datetime) -> float:
    """Seconds left to hand a text claimed at ``claimed_on`` to the gateway: its lease,
    less the longest a gateway may take to answer and a moment to record the outcome
    (at most half the lease), so the outcome is written before the lease runs out."""
    lease = settings.HAKI_SEND_LEASE_SECONDS
    margin = min(sum(TIMEOUT) + 5, lease / 2)
    return (claimed_on + timedelta(seconds=lease - margin) - timezone.now()).total_seconds()


def _release(channel: Channel, late: list[tuple[Msg, Late]]) -> None:
    """Give back texts never handed over: queued again, the attempt not counted, due
    when the first of their slots would have come (so the drain does not claim them
    again into slots as late), with a drain asked for then."""
    from haki.messaging import tasks

    delay = max(min(o.at for _, o in late) - time.monotonic(), 0.0)
    Msg.objects.filter(pk__in=[m.pk for m, _ in late], status=Msg.Status.SENDING).update(
        status=Msg.Status.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_on=timezone.now() + timedelta(seconds=delay),
    )
    tasks.drain.schedule((channel.pk,), delay=delay)
    logger.warning("gave back %s texts whose sending slot came too late", len(late))


def _record(channel: Channel, msgs: list[Msg], outcomes: list) -> int:
    """A batch's outcomes: the texts the gateway took, in one UPDATE (one more per text
    for which it gave an id); failures as ``send`` records them, one by one."""
    now = timezone.now()
    taken = [(m, o) for m, o in zip(msgs, outcomes, strict=True) if not isinstance(o, SendFailed)]
    failed = [(m, o) for m, o in zip(msgs, outcomes, strict=True) if isinstance(o, SendFailed)]
    if taken:
        channel.note_success()
        Msg.objects.filter(pk__in=[m.pk for m, _ in taken], status=Msg.Status.SENDING).update(
            status=Msg.Status.WIRED, sent_on=now, error=""
        )
        for msg, external_id in taken:
            if external_id:  # a delivery report may have moved it on already
                Msg.objects.filter(pk=msg.pk, external_id__isnull=True).update(
                    external_id=external_id
                )
    if failed:
        channel.note_failure()
    for msg, failure in failed:
        _record_failure(msg, msg.attempts, failure)
    erased = [m.pk for m in msgs if m.member_id and m.member.erased_on]
    if erased:
        from haki.messaging.erasure import scrub_msgs

        scrub_msgs(Msg.objects.filter(pk__in=erased))
    return len(taken)


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
    deadline = time.monotonic() + lease_left(timezone.now())
    while not _waited_for_slot(msg.channel):  # came too late for the slot: a new one
        if time.monotonic() > deadline:  # or the lease would run out before it is sent
            _release(msg.channel, [(msg, Late(time.monotonic()))])
            return "given back"
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


def _waited_for_slot(channel: Channel) -> bool:
    """Take one slot of the channel and sleep until it; False when the slot had passed
    by more than ``LATE_FOR_SLOT`` on waking (the text must not be sent in it)."""
    (wait,) = channel.reserve_send_slots(1)
    slot = time.monotonic() + wait
    if wait > 0:
        time.sleep(wait)
    return not too_late(channel, slot, time.monotonic())


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


def overdue_channels(grace: timedelta = timedelta(seconds=60)) -> set[int]:
    """Channels with texts due for longer than ``grace``: their prompt to the worker was
    probably lost (a killed process), so the sweep prompts a drain. Fresher ones have a
    task waiting."""
    overdue = Msg.objects.due().filter(next_attempt_on__lte=timezone.now() - grace)
    return set(overdue.order_by().values_list("channel_id", flat=True).distinct())


def channels_of(msg_ids: list[int]) -> set[int]:
    return set(Msg.objects.filter(pk__in=msg_ids).values_list("channel_id", flat=True))
