"""The demo organisation's community co-trainer: a fictional member who agreed to be
named, facilitating its in-service training beside the officer trained earlier."""

from __future__ import annotations

import datetime

from haki.core.models import Organisation
from haki.partnership.models import CoTrainer, Facilitator, Training

CO_TRAINER = ("Zawadi", "Rights and policing")  # member alias, training


def demo_co_trainers(org: Organisation) -> int:
    """Name the demo co-trainer once; returns how many members co-train."""
    alias, name = CO_TRAINER
    member = org.members.filter(alias=alias).first()
    training = Training.objects.filter(organisation=org, name=name).first()
    if member is None or training is None:
        return 0
    CoTrainer.objects.get_or_create(
        member=member, defaults={"organisation": org, "agreed_on": datetime.date(2025, 5, 1)}
    )
    Facilitator.objects.get_or_create(
        training=training, member=member, defaults={"member_consented": True}
    )
    return CoTrainer.objects.filter(organisation=org).count()
