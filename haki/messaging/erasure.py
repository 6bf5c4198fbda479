"""When a member is erased, their texts keep counting but no longer say anything."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.dispatch import receiver

from haki.members.signals import member_erased
from haki.messaging.models import Msg

UNSENT = (Msg.Status.QUEUED, Msg.Status.SENDING)


def scrub_msgs(msgs: QuerySet[Msg]) -> int:
    return msgs.update(phone_sealed="", phone_index="", text_sealed="")


@receiver(member_erased)
def scrub_erased_members_texts(sender, member, phone_index=None, **kwargs) -> None:
    # By number too: texts from before they registered, or not linked yet.
    same_number = Q(organisation=member.organisation, phone_index=phone_index)
    by_member = Msg.objects.filter(
        Q(member=member) | same_number if phone_index else Q(member=member)
    )
    # Still-unsent texts (the goodbye) are scrubbed by the outbox once they have gone.
    scrub_msgs(by_member.exclude(direction=Msg.Direction.OUT, status__in=UNSENT))
