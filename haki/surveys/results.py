"""What came back from each sending of a poll."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from haki.messaging.models import Msg
from haki.surveys.models import PollSend, Reply

DELIVERED = {Msg.Status.DELIVERED}
SENT = {Msg.Status.WIRED, Msg.Status.SENT, Msg.Status.DELIVERED}


@dataclass
class SendResults:
    send: PollSend
    recipients: int
    sent: int
    delivered: int
    answers: Counter = field(default_factory=Counter)
    by_area: dict[str, Counter] = field(default_factory=dict)

    @property
    def replies(self) -> int:
        return sum(self.answers.values())

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.replies / self.recipients, 1) if self.recipients else None


def results_of(sends: Iterable[PollSend]) -> list[SendResults]:
    """The results of ``sends``, in their order, counted by the database: two queries
    however many sendings, recipients and replies there are."""
    results = {send.pk: SendResults(send, send.recipients, sent=0, delivered=0) for send in sends}
    send_of_batch = {result.send.uuid: pk for pk, result in results.items()}
    texts = (
        Msg.objects.filter(batch__in=list(send_of_batch))
        .order_by()
        .values_list("batch", "status")
        .annotate(n=Count("pk"))
    )
    for batch, status, n in texts:
        result = results[send_of_batch[batch]]
        result.sent += n if status in SENT else 0
        result.delivered += n if status in DELIVERED else 0
    replies = (
        Reply.objects.filter(poll_send__in=list(results))
        .order_by("member__area__name")
        .values_list("poll_send", "member__area__name", "answer")
        .annotate(n=Count("pk"))
    )
    for send_id, area, answer, n in replies:
        result = results[send_id]
        result.answers[answer] += n
        result.by_area.setdefault(area, Counter())[answer] += n
    return list(results.values())
