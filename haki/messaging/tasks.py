"""Background work of messaging. The database is the truth; these tasks are prompts,
and the periodic sweep catches any prompt that was lost (a killed process)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from haki.messaging import directory, outbox, routing, spool
from haki.messaging.models import Msg
from haki.processes import once_per_process

logger = logging.getLogger(__name__)


# Task priorities (higher first, where the queue supports it: SQLite, Redis's priority
# queue): a text to send or to route goes ahead of a broadcast's drains.
@db_task(priority=10)
def route_msg(msg_id: int) -> str:
    """Route the received texts, this one among them (``haki.messaging.routing``): the
    claim and everything the handlers write (a new member, replies in the outbox)
    commit together, so a router killed half-way leaves its texts received, and a
    second router finds a text already routed. Returns this text's action."""
    return routing.route_waiting(also=msg_id, prompt=msg_id).get(msg_id, "already routed")


@db_task(priority=20)
def send_msg(msg_id: int) -> str:
    return outbox.send(msg_id)


@db_task(priority=20)
def send_queued(msg_ids: list[int]) -> int:
    return outbox.send_queued(msg_ids)


@db_task()
def drain(channel_id: int) -> int:
    return outbox.drain(channel_id)


@db_periodic_task(crontab(minute="*"))
def sweep() -> None:
    catch_up(grace=timedelta(seconds=60))


def catch_up(grace: timedelta) -> None:
    """Spooled texts into the database; the channels of texts whose prompt was lost
    drained (a duplicate prompt is harmless: each text is claimed once); the directory
    brought up to date (a shredded organisation, a new master key)."""
    spool.replay()
    # One drain per channel rather than a prompt per text: a drain claims the channel's
    # texts in batches, the most urgent first, where 1,000 prompts for a broadcast's
    # overdue texts would go out oldest first.
    interrupted = outbox.recover_interrupted()
    for channel_id in outbox.overdue_channels(grace) | outbox.channels_of(interrupted):
        drain(channel_id)
    waiting = Msg.objects.filter(
        status=Msg.Status.RECEIVED, created_on__lte=timezone.now() - timedelta(seconds=60)
    )
    for msg_id in waiting.values_list("pk", flat=True)[:1000]:
        route_msg(msg_id)
    directory.refresh_quietly()


@HUEY.on_startup()
@once_per_process
def catch_up_after_restart() -> None:
    """A worker that starts (or restarts after being killed) first finishes what the
    last one left: spooled texts, interrupted sends, texts due. Other workers running
    meanwhile are safe: each text is claimed once, and a send another worker has in
    hand is only offered again once its lease has run out."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        # The prompts a killed worker had taken are gone: prompt every due text now.
        catch_up(grace=timedelta(0))
    finally:
        close_old_connections()
    # Sends cut short by the restart become offerable once their lease has run out.
    sweep.schedule(delay=settings.HAKI_SEND_LEASE_SECONDS + 1)
