"""Small builders for the partnership's tests."""

from __future__ import annotations

import datetime

from haki.core.models import Area, Organisation
from haki.partnership.models import Ally, Attendance, Station, Training


def station(org: Organisation, code: str, area: Area, size: int | None = None, on=None) -> Station:
    found = Station.objects.create(organisation=org, code=code, name=f"Station {code}", area=area)
    if size is not None:
        found.record_force_size(size, on or datetime.date(2020, 1, 1))
    return found


def officer(org: Organisation, number: str, roles: list[str] | None = None, **fields) -> Ally:
    ally = Ally(organisation=org, kind=Ally.Kind.POLICE, **fields)
    ally.name = f"Officer {number}"
    ally.service_number = number
    ally.roles = roles or []
    ally.save()
    return ally


def training(org: Organisation, name: str, day: datetime.date, kind: str = "in_service"):
    return Training.objects.create(
        organisation=org, name=name, kind=kind, starts_on=day, ends_on=day
    )


def attend(training: Training, ally: Ally, pre: int | None = None, post: int | None = None):
    return Attendance.objects.create(
        organisation_id=ally.organisation_id,
        training=training,
        ally=ally,
        pre_score=pre,
        post_score=post,
    )


def checklist(org: Organisation, weights: list[int], key: str = "check"):
    """A checklist whose items are ``item0``, ``item1``… with ``weights``."""
    from haki.partnership.monitoring import ChecklistItem, ChecklistTemplate

    template = ChecklistTemplate.objects.create(organisation=org, key=key, name=f"Checklist {key}")
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, key=f"item{n}", text=f"Item {n}", weight=w, position=n)
        for n, w in enumerate(weights)
    )
    return template


def monitoring_round(org: Organisation, template, start: datetime.date, days: int = 30, **fields):
    from haki.partnership.monitoring import Round

    return Round.objects.create(
        organisation=org,
        template=template,
        name=fields.pop("name", f"Round {start}"),
        starts_on=start,
        ends_on=start + datetime.timedelta(days=days),
        **fields,
    )
