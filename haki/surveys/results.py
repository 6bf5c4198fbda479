"""What came back from each sending of a poll."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from haki.messaging.models import Msg
from haki.surveys.models import PollSend

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


def results_of(send: PollSend) -> SendResults:
    statuses = Msg.objects.filter(batch=send.uuid).status_counts()
    answers = Counter(send.replies.values_list("answer", flat=True))
    by_area: dict[str, Counter] = {}
    for area, answer in send.replies.values_list("member__area__name", "answer"):
        by_area.setdefault(area, Counter())[answer] += 1
    return SendResults(
        send=send,
        recipients=send.recipients,
        sent=sum(n for status, n in statuses.items() if status in SENT),
        delivered=sum(n for status, n in statuses.items() if status in DELIVERED),
        answers=answers,
        by_area=by_area,
    )
