"""Routing received texts in batches.

A prompt to route a text claims the oldest received texts, up to ``HAKI_ROUTE_BATCH``
of them, in one statement, and routes them in one transaction. If a handler fails, the
batch is undone and routed again with each text in a savepoint of its own, so that only
the failing text is handed back: received again, and left to the sweep, which tries it
once a minute by its id. A router killed half-way commits nothing: its texts are
received again and the sweep routes them. A text is claimed once, by
whichever prompt gets to it first; a prompt whose text a batch has already routed
finds the next ones, or nothing.

On Redis, a prompt covers the texts stored for a quarter of a second after it
(``prompt_needed``): its mark lasts that long, and its router routes, batch after
batch, every text stored until the mark lapses, looking again every 20 ms meanwhile,
then once more. A text stored while a mark lasts asks for no prompt of its own, and a
web process that knows how long the mark lasts asks Redis nothing until then: under
load, one question per quarter of a second rather than one per text. A prompt lost
with a killed worker leaves its texts to the sweep, as any lost prompt.

What every text of a batch reads alike (an organisation's keywords, service kinds,
templates, the senders' members) is read once per batch (``remembered``); what it writes
alike (each text's status and member, the replies to the senders) is written in one
statement each when the batch ends; the texts the batch queues are handed to the
gateway together once it commits."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from haki.messaging.models import Msg, claim_msgs

logger = logging.getLogger(__name__)
T = TypeVar("T")
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("routing_memo", default=None)
# The batch's own entries in its memory.
ROUTED, NUMBERS, REPLIES = "routed texts", "numbers", "replies"
ROUTED_FIELDS = ["member", "status", "modified_on"]


def remembered(key: Hashable, compute: Callable[[], T], lasting: bool = False) -> T:
    """``compute()``, once per routing batch: for what routing reads but never changes.
    Outside a batch (a web page, a USSD screen) it is computed each time.

    ``lasting``: for an organisation's settings (its keywords, texts, services), kept
    by this process for ``LASTING_SECONDS`` across batches: a change made in this
    process is seen at once (``forget_settings``, on every save), one made elsewhere
    (a web process, a bulk update) within that time."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = _kept(key, compute) if lasting else compute()
    return memo[key]  # type: ignore[return-value]


LASTING_SECONDS = 2.0
_settings: dict[Hashable, tuple[float, Any]] = {}


def _kept(key: Hashable, compute: Callable[[], T]) -> T:
    found = _settings.get(key)
    now = time.monotonic()
    if found is None or now - found[0] > LASTING_SECONDS:
        found = _settings[key] = (now, compute())
    return found[1]  # type: ignore[return-value]


def forget_settings(**_: Any) -> None:
    """Have every organisation's settings read again by the next batch."""
    _settings.clear()


def settings_in(*models: type) -> None:
    """Rows of ``models`` are settings routing keeps (``remembered(lasting=True)``):
    saving or deleting one has them read again."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        post_save.connect(forget_settings, sender=model, weak=False)
        post_delete.connect(forget_settings, sender=model, weak=False)


def forget(key: Hashable) -> None:
    """Have ``remembered(key, …)`` computed again, for what a handler may have changed."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


@contextmanager
def batch_memory() -> Iterator[dict[Hashable, Any]]:
    memory: dict[Hashable, Any] = {ROUTED: [], REPLIES: []}
    token = _memo.set(memory)
    try:
        yield memory
    finally:
        _memo.reset(token)


def claim(limit: int, also: int | None = None) -> list[int]:
    """Mark up to ``limit`` of the oldest received texts as routed, for this router
    alone (a text that failed before only when it is ``also``, the sweep's); returns
    their ids, oldest first; one statement (``claim_msgs``)."""
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    claimed = claim_msgs(
        '"status" = %s AND ("attempts" = 0 OR "id" = %s)',
        [Msg.Status.RECEIVED, also],
        '"id"',
        limit,
        '"status" = %s, "routed_on" = %s, "modified_on" = %s',
        [Msg.Status.HANDLED, moment, moment],
    )
    return sorted(claimed)


# How long a routing prompt covers the texts stored after it: its router routes them
# until the prompt's mark lapses, then once more. A worker thread is held that long.
PROMPT_SECONDS = 0.25
# How often a router looks for texts while its prompt's mark lasts: at most this much
# is added to the wait of a text stored meanwhile.
PROMPT_POLL_SECONDS = 0.02
# A moment allowed for Redis's clock and ours to differ, on either side.
PROMPT_MARGIN_SECONDS = 0.01
# Until when (``time.monotonic()``) a prompt is known to cover what this process stores.
_covered_until = 0.0


def _prompt_mark() -> tuple[Any, str] | None:
    """Redis and the key marking a routing prompt as covering new texts; None on other
    queues (SQLite, or in line in tests), where every text gets its own prompt."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import RedisStorage

    if not isinstance(HUEY.storage, RedisStorage):
        return None
    return HUEY.storage.conn, f"{HUEY.name}.routing-prompt"


def prompt_needed(msg_id: int) -> bool:
    """Whether the text ``msg_id``, just stored (committed), needs a prompt of its own
    to be routed: not while another prompt's mark lasts, whose router routes every
    text stored until the mark lapses (``route_waiting``). Otherwise the text's own
    prompt marks itself for ``PROMPT_SECONDS``.

    The mark's time left is kept by the process, so the texts it stores meanwhile ask
    Redis nothing: the mark lapses no earlier than that time, counted from before the
    question was sent."""
    global _covered_until
    mark = _prompt_mark()
    if mark is None:
        return True
    asked = time.monotonic()
    if asked < _covered_until:
        return False
    redis, key = mark
    with redis.pipeline(transaction=False) as both:
        both.set(key, msg_id, nx=True, px=int(PROMPT_SECONDS * 1000))
        both.pttl(key)
        marked, left_ms = both.execute()
    if left_ms > 0:  # less a moment, should Redis's clock and ours differ by one
        _covered_until = asked + left_ms / 1000 - PROMPT_MARGIN_SECONDS
    return bool(marked)


def _marked_for(msg_id: int, since: float) -> bool:
    """Whether the prompt of text ``msg_id``, taken at ``since`` (``time.monotonic()``),
    still covers new texts (its mark lasts). With Redis unreachable, as long as the mark
    could last: it was set before the prompt was queued, so it lapses before ``since``
    plus ``PROMPT_SECONDS``."""
    from redis import RedisError

    mark = _prompt_mark()
    if mark is None:
        return False
    try:
        return mark[0].get(mark[1]) == b"%d" % msg_id
    except (RedisError, OSError):
        return time.monotonic() < since + PROMPT_SECONDS + PROMPT_MARGIN_SECONDS


def route_waiting(also: int | None = None, prompt: int | None = None) -> dict[int, str]:
    """Route batch after batch until none is full: every text stored before this began;
    while the mark of this prompt (the text ``prompt``'s) lasts, look again every
    ``PROMPT_POLL_SECONDS``, until a batch begun after the mark lapsed: so every text
    stored while the mark covered it. Returns each text's action by id."""
    done: dict[int, str] = {}
    taken = time.monotonic()
    while True:
        # Looked at before the batch: once the mark has lapsed, this batch (and those
        # after it, while they are full) sees every text stored while it lasted.
        marked = prompt is not None and _marked_for(prompt, taken)
        routed = route_received(also)
        done.update(routed)
        also = None
        if len(routed) == settings.HAKI_ROUTE_BATCH:
            continue
        if not marked:
            return done
        time.sleep(PROMPT_POLL_SECONDS)


def route_received(also: int | None = None, limit: int | None = None) -> dict[int, str]:
    """Route a batch of the oldest received texts (and ``also``, a text that failed
    before); returns each text's action by id ("failed" for one handed back).

    The batch is routed in one transaction; if a text's handler fails, all of it is
    undone and routed again, this time each text in a savepoint of its own, so that
    only the failing text is handed back. The savepoints cost two round trips per
    text, which the usual case does without."""
    try:
        return _route_batch(also, limit or settings.HAKI_ROUTE_BATCH, careful=False)
    except Exception:  # a handler's error: each text on its own now
        return _route_batch(also, limit or settings.HAKI_ROUTE_BATCH, careful=True)


def _route_batch(also: int | None, limit: int, careful: bool) -> dict[int, str]:
    from haki.messaging import outbox
    from haki.messaging.handlers import route

    actions: dict[int, str] = {}
    with transaction.atomic(), batch_memory() as memory, outbox.sends_collected():
        texts = list(
            Msg.objects.select_related("organisation", "channel")
            .filter(pk__in=claim(limit, also))
            .order_by("pk")
        )
        memory[NUMBERS] = {(msg.organisation_id, msg.phone_index) for msg in texts}
        for msg in texts:
            if not careful:
                actions[msg.pk] = route(msg)
                continue
            kept = len(memory[ROUTED]), len(memory[REPLIES])
            try:
                with transaction.atomic():
                    actions[msg.pk] = route(msg)
            except Exception as error:  # one text's failure stays its own
                actions[msg.pk] = "failed"
                del memory[ROUTED][kept[0] :], memory[REPLIES][kept[1] :]
                Msg.objects.filter(pk=msg.pk).update(
                    status=Msg.Status.RECEIVED, routed_on=None, attempts=F("attempts") + 1
                )
                # The type and the row only: an error's message may quote the text.
                logger.error("routing text %s failed (%s)", msg.pk, type(error).__name__)
        outbox.insert_queued(memory[REPLIES])
        save_routed(memory[ROUTED])
    return actions


def save_routed(texts: list[Msg]) -> None:
    """Each routed text's status and member, in one hand-written UPDATE: Django's
    ``bulk_update`` builds an expression per text and field, which cost more than the
    statement itself."""
    if not texts:
        return
    table = Msg._meta.db_table
    cases = " ".join(["WHEN %s THEN %s"] * len(texts))
    ids = ", ".join(["%s"] * len(texts))
    sql = (
        f'UPDATE "{table}" SET "status" = CASE "id" {cases} END, '  # noqa: S608
        f'"member_id" = CAST(CASE "id" {cases} END AS bigint), "modified_on" = %s '
        f'WHERE "id" IN ({ids})'
    )
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [
        *(value for msg in texts for value in (msg.pk, msg.status)),
        *(value for msg in texts for value in (msg.pk, msg.member_id)),
        moment,
        *(msg.pk for msg in texts),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def keep_routed(msg: Msg) -> None:
    """Save what routing found of ``msg`` (its member, its status): in a batch, with the
    batch's other texts in one statement at its end; otherwise at once."""
    msg.modified_on = timezone.now()
    memory = _memo.get()
    if memory is None:
        msg.save(update_fields=ROUTED_FIELDS)
    else:
        memory[ROUTED].append(msg)


def keep_reply(msg: Msg) -> bool:
    """In a batch, keep the unsaved reply ``msg`` to be written with the batch's other
    replies when it ends (``outbox.insert_queued``); False outside a batch."""
    memory = _memo.get()
    if memory is None:
        return False
    memory[REPLIES].append(msg)
    return True


def numbers_in_batch(organisation_id: int) -> set[str]:
    """The number indexes of the texts of the batch being routed, in ``organisation``."""
    memory = _memo.get() or {}
    return {index for org, index in memory.get(NUMBERS, ()) if org == organisation_id and index}
