"""Sending polls and broadcasts, and reading the answers that come back."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from haki.core.models import Organisation
from haki.crisis.models import Responder
from haki.members.models import Member
from haki.messaging import keywords, outbox
from haki.messaging.handlers import Context
from haki.messaging.models import Msg
from haki.messaging.routing import remembered
from haki.messaging.texts import queue_text
from haki.surveys.models import Broadcast, FollowUp, InfoText, Poll, PollSend, Reply

logger = logging.getLogger(__name__)


def _queue(org: Organisation, members, texts: dict[str, str], template: str, batch) -> int:
    rows = list(members.values_list("pk", "language", "phone_sealed", "phone_index"))
    return outbox.queue_many(org, rows, texts, template=template, batch=batch)


@transaction.atomic
def send_poll(poll: Poll) -> PollSend:
    now = timezone.now()
    send = PollSend.objects.create(
        poll=poll, sent_on=now, closes_on=now + timedelta(hours=poll.window_hours)
    )
    send.recipients = _queue(
        poll.organisation, poll.recipients(), poll.question, "poll", batch=send.uuid
    )
    send.save(update_fields=["recipients"])
    poll.plan_next(now)
    poll.save(update_fields=["next_send_on", "modified_on"])
    return send


@transaction.atomic
def send_broadcast(broadcast: Broadcast) -> int:
    broadcast.recipients_count = _queue(
        broadcast.organisation,
        broadcast.recipients(),
        broadcast.text,
        "broadcast",
        batch=broadcast.uuid,
    )
    broadcast.sent_on = timezone.now()
    broadcast.save(update_fields=["recipients_count", "sent_on"])
    return broadcast.recipients_count


@transaction.atomic
def send_broadcast_if_due(broadcast_id: int) -> bool:
    """Send a scheduled broadcast whose time has come, once: the row is locked and read
    again, so a second runner finds it sent."""
    broadcast = (
        Broadcast.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=broadcast_id, sent_on__isnull=True, send_on__lte=timezone.now())
        .first()
    )
    if broadcast is None:
        return False
    send_broadcast(broadcast)
    return True


def due_broadcasts() -> list[int]:
    return list(
        Broadcast.objects.filter(sent_on__isnull=True, send_on__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def send_if_due(poll_id: int) -> PollSend | None:
    """Send a poll whose time has come, once: its row is locked and its time read again,
    so a second runner (a second scheduler by mistake, a run that overlaps the next
    minute's) finds it planned for its next time and sends nothing."""
    poll = (
        Poll.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=poll_id, is_active=True, next_send_on__lte=timezone.now())
        .first()
    )
    return send_poll(poll) if poll else None


def due_polls() -> list[Poll]:
    return list(
        Poll.objects.filter(is_active=True, next_send_on__lte=timezone.now()).select_related(
            "organisation"
        )
    )


def answer_of(text: str) -> str:
    if keywords.is_yes(text):
        return Reply.Answer.YES
    if keywords.is_no(text):
        return Reply.Answer.NO
    return Reply.Answer.OTHER


def record_reply(context: Context) -> bool:
    """A member's text while a poll they received is open counts as their answer.
    Yes and no are handled here; anything else is kept as "other" and goes on to
    the operator inbox."""
    member = context.member
    if member is None:
        return False
    org = context.organisation
    sends = remembered(("open poll sends", org.pk), lambda: open_sends(org))
    if not sends:  # most of the time: no member's text needs a look at what they got
        return False
    sent_to_them = set(
        Msg.objects.filter(
            member=member, template="poll", batch__in=[send.uuid for send in sends]
        ).values_list("batch", flat=True)
    )
    send = next((send for send in sends if send.uuid in sent_to_them), None)
    if send is None:
        return False
    answer = answer_of(context.msg.text)
    reply, _ = Reply.objects.update_or_create(
        poll_send=send,
        member=member,
        defaults={"answer": answer, "msg": context.msg, "received_on": timezone.now()},
    )
    if answer == send.poll.follow_up_on:
        _open_follow_up(reply, member)
    return answer != Reply.Answer.OTHER


def open_sends(organisation: Organisation) -> list[PollSend]:
    """The organisation's poll sendings still taking replies, the latest first."""
    return list(
        PollSend.objects.filter(poll__organisation=organisation, closes_on__gt=timezone.now())
        .select_related("poll")
        .order_by("-sent_on")
    )


def _open_follow_up(reply: Reply, member: Member) -> None:
    if FollowUp.objects.filter(reply=reply).exists():
        return
    responder = responder_near(member)
    try:
        with transaction.atomic():
            FollowUp.objects.create(
                organisation=member.organisation, reply=reply, responder=responder
            )
    except IntegrityError:
        return
    if responder is None:
        logger.warning("follow-up for poll %s has no responder on duty", reply.poll_send.poll_id)
        return
    phone = f" ({member.phone})" if member.share_number_with_responders else ""
    queue_text(
        member.organisation,
        responder.phone,
        "followup.responder",
        responder.language,
        alias=member.alias,
        phone=phone,
        poll=reply.poll_send.poll.name,
    )


def responder_near(member: Member) -> Responder | None:
    """An on-duty responder of the first tier for the member's area, or above it."""
    near = Responder.objects.filter(organisation=member.organisation).on_duty_near(
        member.area, member.organisation.tiers[0]
    )
    return near[0] if near else None


def info_keywords(organisation: Organisation) -> list[tuple[str, InfoText]]:
    """The organisation's information keywords in matching form, with their text."""
    infos = InfoText.objects.filter(organisation=organisation)
    return [(keywords.normalise(info.keyword), info) for info in infos]


def info_text(context: Context) -> bool:
    """A keyword the organisation answers with a stored text (RIGHTS, CLINIC …)."""
    first = keywords.normalise(context.msg.text).split(" ")[0]
    if not first:
        return False
    org = context.organisation
    infos = remembered(("info keywords", org.pk), lambda: info_keywords(org), lasting=True)
    for key, info in infos:
        if key == first:
            send_info(
                info,
                org,
                context.msg.phone,
                context.member.language if context.member else context.language,
                member=context.member,
                channel=context.msg.channel,
                in_reply_to=context.msg,
            )
            return True
    return False


def send_info(
    info: InfoText,
    organisation: Organisation,
    to: str,
    language: str,
    *,
    member: Member | None = None,
    channel: Any = None,
    in_reply_to: Msg | None = None,
) -> bool:
    """Text ``info`` in ``language`` (else in its first language), asked for by its
    keyword or in the USSD menu; False when it holds no text."""
    text = info.in_language(language)
    if not text:
        return False
    outbox.queue(
        organisation,
        to,
        text,
        template="info",
        member=member,
        language=language,
        channel=channel,
        in_reply_to=in_reply_to,
    )
    return True
