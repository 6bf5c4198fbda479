"""The outreach-worker cards' indicators for the catalogue in haki/reports. Cards belong
to the organisation's workers, not to members, and have no area: with an area chosen
they give no figure rather than the whole organisation's."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from haki.credentials.models import Credential
from haki.reports.catalogue import Indicator, Kind, Raw, Scope, register


def by_role(scope: Scope, cards: QuerySet[Credential]) -> Raw:
    if scope.area is not None:
        return Raw()
    counted = dict(cards.order_by().values_list("role").annotate(n=Count("pk")))
    rows = [(str(label), counted.get(value, 0), None) for value, label in Credential.Role.choices]
    return Raw(numerator=sum(counted.values()), breakdown={"role": rows})


def credentials_issued(scope: Scope) -> Raw:
    cards = Credential.objects.filter(
        organisation=scope.organisation, created_on__gte=scope.start, created_on__lt=scope.end
    )
    return by_role(scope, cards)


def credentials_in_force(scope: Scope) -> Raw:
    """Cards valid on the period's last day and not revoked by its end."""
    cards = Credential.objects.filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gte=scope.end),
        organisation=scope.organisation,
        valid_from__lte=scope.until,
        valid_until__gte=scope.until,
        created_on__lt=scope.end,
    )
    return by_role(scope, cards)


register(
    Indicator(
        key="credentials_issued",
        app="credentials",
        kind=Kind.COUNT,
        label=_("ID cards issued"),
        definition=_(
            "Outreach-worker ID cards issued in the period, by role. Cards have no area: "
            "with an area chosen there is no figure."
        ),
        numerator=_("cards issued in the period"),
        breakdowns=("role",),
        compute=credentials_issued,
    ),
    Indicator(
        key="credentials_in_force",
        app="credentials",
        kind=Kind.COUNT,
        label=_("ID cards in force"),
        definition=_(
            "Outreach-worker ID cards valid on the period's last day and not revoked by its "
            "end, by role. Cards have no area: with an area chosen there is no figure."
        ),
        numerator=_("cards valid at the period's end"),
        breakdowns=("role",),
        compute=credentials_in_force,
    ),
)
