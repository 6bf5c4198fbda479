"""The pulse's indicators: poll questions sent, replies, and the yes share per sending."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from haki.messaging.models import Msg
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register
from haki.surveys.models import PollSend, Reply

SENT = (Msg.Status.WIRED, Msg.Status.SENT, Msg.Status.DELIVERED)


def poll_texts(scope: Scope) -> QuerySet[Msg]:
    texts = Msg.objects.filter(
        organisation=scope.organisation,
        created_on__gte=scope.start,
        created_on__lt=scope.end,
        direction=Msg.Direction.OUT,
        template="poll",
        status__in=SENT,
    )
    if scope.areas is not None:
        texts = texts.filter(member__area_id__in=scope.areas)
    return texts.order_by()


def replies(scope: Scope) -> QuerySet[Reply]:
    found = Reply.objects.filter(
        poll_send__poll__organisation=scope.organisation,
        received_on__gte=scope.start,
        received_on__lt=scope.end,
    )
    if scope.areas is not None:
        found = found.filter(member__area_id__in=scope.areas)
    return found.order_by()


def texts_sent(scope: Scope) -> int:
    """Poll texts sent in the scope (counted once for the two indicators that read it)."""
    return scope.memo("surveys.texts", lambda: poll_texts(scope).count())


def replies_received(scope: Scope) -> int:
    return scope.memo("surveys.replies", lambda: replies(scope).count())


def poll_texts_sent(scope: Scope) -> Raw:
    return Raw(numerator=texts_sent(scope))


def poll_replies(scope: Scope) -> Raw:
    return Raw(numerator=replies_received(scope))


def replies_per_text(scope: Scope) -> Raw:
    return Raw(numerator=replies_received(scope), denominator=texts_sent(scope))


def poll_yes_share(scope: Scope) -> Raw:
    """Yes over all answers, overall and per sending (oldest first: the trend)."""
    counted = (
        replies(scope)
        .values_list("poll_send")
        .annotate(n=Count("*"), yes=Count("pk", filter=Q(answer=Reply.Answer.YES)))
    )
    per_send = {send: (yes, n) for send, n, yes in counted}
    sends = PollSend.objects.filter(pk__in=per_send).select_related("poll").order_by("sent_on")
    tz = scope.organisation.tzinfo
    rows = [(f"{s.poll.name} {s.sent_on.astimezone(tz):%Y-%m-%d}", *per_send[s.pk]) for s in sends]
    return Raw(
        numerator=sum(yes for yes, _n in per_send.values()),
        denominator=sum(n for _yes, n in per_send.values()),
        breakdown={"sending": rows},
    )


register(
    Indicator(
        key="poll_texts_sent",
        app="surveys",
        kind=Kind.COUNT,
        label=_("Poll questions sent"),
        definition=_("Poll questions handed to the gateway in the period, one per member asked."),
        numerator=_("poll texts sent in the period"),
        compute=poll_texts_sent,
    ),
    Indicator(
        key="poll_replies",
        app="surveys",
        kind=Kind.COUNT,
        label=_("Poll replies"),
        definition=_("Answers to polls received in the period (a member's last answer counts)."),
        numerator=_("poll answers received in the period"),
        compute=poll_replies,
    ),
    Indicator(
        key="replies_per_text",
        app="surveys",
        kind=Kind.RATIO,
        label=_("Replies per poll question sent"),
        definition=_("Poll answers received for every poll question sent in the period."),
        numerator=_("poll answers received in the period"),
        denominator=_("poll texts sent in the period"),
        compute=replies_per_text,
    ),
    Indicator(
        key="poll_yes_share_pct",
        app="surveys",
        kind=Kind.SHARE,
        label=_("Share of poll answers that were yes"),
        definition=_(
            "Of the poll answers received in the period, the share that were yes; per "
            "sending, oldest first, to show the trend."
        ),
        numerator=_("yes answers received in the period"),
        denominator=_("poll answers received in the period"),
        breakdowns=("sending",),
        compute=poll_yes_share,
        unit="%",
    ),
)
