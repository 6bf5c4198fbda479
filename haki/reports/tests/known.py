"""Known data for the indicator tests: records made from plain specifications, so that
each figure can be counted again, independently, over the specifications themselves."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from haki.cases.models import Case, ViolationType
from haki.core.models import Area, Organisation
from haki.crisis.models import Alert
from haki.members.models import Member
from haki.messaging.models import Channel, Msg
from haki.surveys.models import Poll, PollSend, Reply

OCTOBER = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
REGISTERED = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)


@dataclass
class AlertSpec:
    area: str
    source: str
    raised: datetime.datetime
    ack_minutes: int | None
    closed_hours: float | None
    escalations: int
    tier_index: int


@dataclass
class CaseSpec:
    area: str
    day: datetime.date
    consent: bool
    types: list[str]


@dataclass
class Known:
    organisation: Organisation
    areas: dict[str, Area]
    alerts: list[AlertSpec] = field(default_factory=list)
    cases: list[CaseSpec] = field(default_factory=list)
    # (member area, answer or None for no reply, day sent)
    polls: list[tuple[str, str | None, datetime.datetime]] = field(default_factory=list)


def areas_of(organisation: Organisation) -> dict[str, Area]:
    """ROOT > CEN > HOT, ROOT > EAS (CEN and ROOT as conftest makes them)."""
    found = {a.code: a for a in Area.objects.filter(organisation=organisation)}
    if "HOT" not in found:
        found["HOT"] = Area.objects.create(
            organisation=organisation, code="HOT", name="Hotspot", parent=found["CEN"]
        )
        found["EAS"] = Area.objects.create(
            organisation=organisation, code="EAS", name="East", parent=found["ROOT"]
        )
    return found


def random_specs(known: Known, rng: random.Random, alerts: int, cases: int, texts: int) -> None:
    tz = known.organisation.tzinfo
    since, until = OCTOBER
    days = (until - since).days + 1
    codes = sorted(known.areas)

    def moment() -> datetime.datetime:
        day = since + datetime.timedelta(days=rng.randrange(days))
        return datetime.datetime.combine(day, datetime.time(rng.randrange(24)), tzinfo=tz)

    for _ in range(alerts):
        acked = rng.random() < 0.8
        known.alerts.append(
            AlertSpec(
                area=rng.choice(codes),
                source=rng.choice(["sms", "hotline"]),
                raised=moment(),
                ack_minutes=rng.randrange(1, 300) if acked else None,
                closed_hours=rng.choice([None, 2, 23.5, 24.5, 60]),
                escalations=rng.choice([0, 0, 1, 3]),
                tier_index=rng.choice([0, 1, 3]),
            )
        )
    types = list(
        ViolationType.objects.filter(organisation=known.organisation).values_list("key", flat=True)
    )
    for _ in range(cases):
        known.cases.append(
            CaseSpec(
                area=rng.choice(codes),
                day=moment().date(),
                consent=rng.random() < 0.6,
                types=rng.sample(types, rng.randrange(0, 3)),
            )
        )
    for _ in range(texts):
        known.polls.append((rng.choice(codes), rng.choice([None, "yes", "no", "other"]), moment()))


def build(organisation: Organisation, rng: random.Random, alerts=40, cases=60, texts=50) -> Known:
    known = Known(organisation, areas_of(organisation))
    random_specs(known, rng, alerts, cases, texts)
    save(known)
    return known


def save(known: Known) -> None:
    org = known.organisation
    members: dict[str, Member] = {}
    for code, area in known.areas.items():
        member = Member(organisation=org, alias=f"known-{code}", area=area, language="en")
        member.save()
        members[code] = member
    Member.objects.filter(pk__in=[m.pk for m in members.values()]).update(created_on=REGISTERED)
    for spec in known.alerts:
        alert = Alert(
            organisation=org,
            reference=Alert.new_reference(org),
            area=known.areas[spec.area],
            source=spec.source,
            raised_on=spec.raised,
            escalations=spec.escalations,
            tier_index=spec.tier_index,
        )
        if spec.ack_minutes is not None:
            alert.acknowledged_on = spec.raised + datetime.timedelta(minutes=spec.ack_minutes)
        if spec.closed_hours is not None:
            alert.closed_on = spec.raised + datetime.timedelta(hours=spec.closed_hours)
            alert.status = Alert.Status.CLOSED
        alert.save()
    types = {t.key: t for t in ViolationType.objects.filter(organisation=org)}
    for spec in known.cases:
        case = Case(
            organisation=org,
            occurred_on=spec.day,
            area=known.areas[spec.area],
            place="street",
            perpetrator="regular_police",
            consent_police=spec.consent,
        )
        case.save()
        case.violations.set([types[key] for key in spec.types])
    save_polls(known, members)


def save_polls(known: Known, members: dict[str, Member]) -> None:
    org = known.organisation
    if not known.polls:
        return
    channel = Channel.objects.filter(organisation=org).first()
    poll = Poll.objects.create(organisation=org, name="known", question={"en": "Fair?"})
    for code, answer, sent in known.polls:
        # One sending per text, so that each member answers it at most once.
        send = PollSend.objects.create(poll=poll, sent_on=sent, closes_on=sent)
        msg = Msg(
            organisation=org,
            channel=channel,
            direction=Msg.Direction.OUT,
            status=Msg.Status.SENT,
            member=members[code],
            template="poll",
            batch=send.uuid,
            created_on=sent,
        )
        msg.phone = "+254190999999"
        msg.save()
        if answer:
            Reply.objects.create(
                poll_send=send,
                member=members[code],
                answer=answer,
                received_on=sent + datetime.timedelta(minutes=5),
            )
