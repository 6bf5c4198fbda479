"""Reach: how many members Haki was in contact with, and how many are registered."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from haki.members.models import Member
from haki.messaging.models import Msg
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register


def members_reached(scope: Scope) -> Raw:
    texts = Msg.objects.filter(
        organisation=scope.organisation,
        created_on__gte=scope.start,
        created_on__lt=scope.end,
        member__isnull=False,
    )
    if scope.areas is not None:
        texts = texts.filter(member__area_id__in=scope.areas)
    return Raw(numerator=texts.order_by().values("member_id").distinct().count())


def members_registered(scope: Scope) -> Raw:
    members = Member.objects.filter(organisation=scope.organisation, created_on__lt=scope.end)
    members = members.filter(Q(erased_on__isnull=True) | Q(erased_on__gte=scope.end))
    if scope.areas is not None:
        members = members.filter(area_id__in=scope.areas)
    return Raw(numerator=members.count())


register(
    Indicator(
        key="members_reached",
        app="members",
        kind=Kind.COUNT,
        label=_("Members reached"),
        definition=_("Distinct members who sent or were sent at least one text in the period."),
        numerator=_("members with a text in or out in the period"),
        compute=members_reached,
    ),
    Indicator(
        key="members_registered",
        app="members",
        kind=Kind.COUNT,
        label=_("Members registered"),
        definition=_(
            "Members registered at the end of the period (not erased by then). Kept inside "
            "the organisation: its size can put it at risk."
        ),
        numerator=_("members registered before the period's end and not erased"),
        compute=members_registered,
        external=False,
    ),
)
