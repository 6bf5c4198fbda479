"""The provisioning sections ``stations:`` and ``allies:``."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field

from haki.core.models import Organisation
from haki.partnership.models import (
    SCORE_MAX,
    Ally,
    Attendance,
    Facilitator,
    ForceSize,
    Module,
    Station,
    Training,
    normalise_service_number,
)
from haki.partnership.monitoring import (
    STANDARD_CHECKLISTS,
    WEIGHT_MAX,
    ChecklistItem,
    ChecklistTemplate,
)
from haki.partnership.people import AllyRow, posting_problems, save_allies
from haki.provisioning import (
    Changes,
    Context,
    Problem,
    ProvisioningError,
    Section,
    Spec,
    assign,
    named,
    reconciled,
    register,
    save_all,
)

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class StationSpec(Spec):
    code: str = Field(min_length=1, max_length=32, pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Station.Kind = Station.Kind.STATION
    area: str
    force_size: int | None = Field(default=None, ge=0, le=1_000_000)
    force_size_on: datetime.date | None = None


class AllySpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    service_number: str = Field(min_length=1, max_length=64)
    kind: Ally.Kind = Ally.Kind.POLICE
    rank: str = Field(default="", max_length=64)
    roles: list[Ally.Role] = Field(default_factory=list, max_length=6)
    station: str | None = None
    posted_on: datetime.date | None = None
    phone: str | None = None
    consent_listed: bool = False
    user: str | None = None  # the username of a police ally who signs in


class ModuleSpec(Spec):
    title: str = Field(min_length=1, max_length=200)
    hours: float = Field(gt=0, le=100)


class AttendeeSpec(Spec):
    service_number: str = Field(min_length=1, max_length=64)
    pre_score: int | None = Field(default=None, ge=0, le=SCORE_MAX)
    post_score: int | None = Field(default=None, ge=0, le=SCORE_MAX)


class TrainingSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    kind: Training.Kind
    starts_on: datetime.date
    ends_on: datetime.date
    place: str = Field(default="", max_length=200)
    area: str | None = None
    modules: list[ModuleSpec] = Field(default_factory=list, max_length=50)
    facilitators: list[str] = Field(default_factory=list, max_length=100)  # service numbers
    attendance: list[AttendeeSpec] = Field(default_factory=list, max_length=5000)


def check_stations(context: Context, items: list[StationSpec]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.code in seen:
            context.problem(("stations", i, "code"), f"station {item.code!r} is listed twice")
        seen.add(item.code)
        if item.area not in context.area_codes:
            context.problem(("stations", i, "area"), f"no area with code {item.area!r}")
        if (item.force_size is None) != (item.force_size_on is None):
            context.problem(
                ("stations", i, "force_size_on"), "a force size needs the date it holds for"
            )


def reconcile_stations(org: Organisation, items: list[StationSpec], changes: Changes) -> None:
    stations = {s.code: s for s in Station.objects.filter(organisation=org)} if org.pk else {}
    areas = dict(org.areas.values_list("code", "pk"))
    new, changed, columns, edits = [], [], set(), []
    for index, item in enumerate(items):
        station = stations.get(item.code)
        created = station is None
        if created:
            station = Station(organisation=org, code=item.code)
            new.append(station)
        given = named(item, created)
        values = {f: getattr(item, f) for f in given & {"name", "kind"}}
        if "area" in given:
            values["area_id"] = areas[item.area]
        fields = assign(station, values)
        if not created and fields:
            changed.append(station)
            columns.update(fields)
        edits.append((index, item, station, created, fields))
    save_all(Station, new, changed, columns)
    counts = {
        (f.station_id, f.on): f
        for f in ForceSize.objects.filter(station__organisation=org, station__in=stations.values())
    }
    fresh, recounted = [], []
    for index, item, station, created, fields in edits:
        if item.force_size is not None:
            count = counts.get((station.pk, item.force_size_on))
            if count is None:
                fresh.append(
                    ForceSize(station=station, size=item.force_size, on=item.force_size_on)
                )
                fields.append("force_size")
            elif count.size != item.force_size:
                count.size = item.force_size
                recounted.append(count)
                fields.append("force_size")
        changes.note("stations", index, station, created, [] if created else fields)
    ForceSize.objects.bulk_create(fresh)
    ForceSize.objects.bulk_update(recounted, ["size"])


def check_allies(context: Context, items: list[AllySpec]) -> None:
    codes = {s.code for s in context.items("stations") or []}
    if context.organisation is not None:
        codes |= set(context.organisation.stations.values_list("code", flat=True))
    numbers: dict[str, int] = {}
    phones: dict[str, int] = {}
    for i, item in enumerate(items):
        key = "".join(item.service_number.split()).upper()
        if key in numbers:
            context.problem(
                ("allies", i, "service_number"), f"the same number is at item {numbers[key]}"
            )
        numbers[key] = i
        if item.station is not None and item.station not in codes:
            context.problem(("allies", i, "station"), f"no station with code {item.station!r}")
        if (item.station is None) != (item.posted_on is None):
            context.problem(("allies", i, "posted_on"), "a station needs the date of the posting")
        if item.phone is not None:
            context.check_phone(("allies", i, "phone"), item.phone, phones)


def reconcile_allies(org: Organisation, items: list[AllySpec], changes: Changes) -> None:
    from haki.core.phones import normalise_phone

    stations = {s.code: s for s in Station.objects.filter(organisation=org)}
    rows = []
    for index, item in enumerate(items):
        given = named(item, False) if org.pk else set(AllySpec.model_fields)
        values = {f: getattr(item, f) for f in ("name", "service_number", "kind", "rank")}
        rows.append(
            AllyRow(
                place=index,
                roles=[str(r) for r in item.roles],
                consent_listed=item.consent_listed,
                station=stations.get(item.station or ""),
                posted_on=item.posted_on,
                phone=normalise_phone(item.phone, org.country) if item.phone else "",
                given=given,
                **values,
            )
        )
    problems = posting_problems(rows, org)
    if problems:
        raise ProvisioningError(
            [Problem(None, f"allies[{p.place}].{p.column}", p.reason) for p in problems]
        )
    save_allies(org, rows, changes, "allies")
    link_users(org, items)


def link_users(org: Organisation, items: list[AllySpec]) -> None:
    """A police ally who signs in sees their own training record through this link."""
    names = {item.user for item in items if item.user}
    if not names:
        return
    users = dict(
        org.memberships.filter(user__username__in=names).values_list("user__username", "user_id")
    )
    for item in items:
        if item.user:
            index = org.keyring.index(normalise_service_number(None, item.service_number))
            Ally.objects.filter(organisation=org, service_number_index=index).update(
                user_id=users.get(item.user)
            )


def check_trainings(context: Context, items: list[TrainingSpec]) -> None:
    numbers = {
        normalise_service_number(None, a.service_number) for a in context.items("allies") or []
    }
    if context.organisation is not None:
        numbers |= {a.service_number for a in context.organisation.allies.all()}
    for i, item in enumerate(items):
        if item.ends_on < item.starts_on:
            context.problem(
                ("trainings", i, "ends_on"), "a training ends on or after its first day"
            )
        if item.area is not None and item.area not in context.area_codes:
            context.problem(("trainings", i, "area"), f"no area with code {item.area!r}")
        for j, who in enumerate(item.attendance):
            if normalise_service_number(None, who.service_number) not in numbers:
                context.problem(
                    ("trainings", i, "attendance", j, "service_number"), "no ally has this number"
                )
        for j, number in enumerate(item.facilitators):
            if normalise_service_number(None, number) not in numbers:
                context.problem(("trainings", i, "facilitators", j), "no ally has this number")


def reconcile_trainings(org: Organisation, items: list[TrainingSpec], changes: Changes) -> None:
    """One training per name and first day; its modules, facilitators and attendance
    become what the file gives. A few statements whatever the number of trainings."""
    areas = dict(org.areas.values_list("code", "pk"))
    ring = org.keyring
    allies = dict(Ally.objects.filter(organisation=org).values_list("service_number_index", "pk"))

    def ally(number: str) -> int:
        return allies[ring.index(normalise_service_number(None, number))]

    found = {
        (t.name, t.starts_on): t
        for t in Training.objects.filter(organisation=org, name__in={i.name for i in items})
    }
    new, changed, edits = [], [], []
    for index, item in enumerate(items):
        values = {"kind": item.kind, "ends_on": item.ends_on, "place": item.place}
        values["area_id"] = areas.get(item.area or "")
        training = found.get((item.name, item.starts_on))
        created = training is None
        if created:
            training = Training(organisation=org, name=item.name, starts_on=item.starts_on)
            new.append(training)
        fields = assign(training, values)
        if fields and not created:
            changed.append(training)
        edits.append((index, item, training, created, fields))
    save_all(Training, new, changed, ["kind", "ends_on", "place", "area_id"])
    trainings = [t for _i, _item, t, _c, _f in edits]
    modules = {
        (m.training_id, m.position): (m.title, float(m.hours))
        for m in Module.objects.filter(training__in=trainings)
    }
    teachers = set(
        Facilitator.objects.filter(training__in=trainings, ally__isnull=False).values_list(
            "training_id", "ally_id"
        )
    )
    attended = {
        (a.training_id, a.ally_id): a for a in Attendance.objects.filter(training__in=trainings)
    }
    stale, fresh_modules, fresh_teachers, fresh, rescored = [], [], [], [], []
    for _index, item, training, _created, fields in edits:
        wanted = {(training.pk, n): (m.title, m.hours) for n, m in enumerate(item.modules)}
        have = {k: v for k, v in modules.items() if k[0] == training.pk}
        if wanted != have:
            stale.append(training.pk)
            fresh_modules += [
                Module(training=training, title=t, hours=h, position=n)
                for (_pk, n), (t, h) in wanted.items()
            ]
            fields.append("modules")
        for number in item.facilitators:
            if (training.pk, ally(number)) not in teachers:
                fresh_teachers.append(Facilitator(training=training, ally_id=ally(number)))
                fields.append("facilitators")
        for who in item.attendance:
            att = attended.get((training.pk, ally(who.service_number)))
            scores = (who.pre_score, who.post_score)
            if att is None:
                fresh.append(
                    Attendance(
                        organisation=org,
                        training=training,
                        ally_id=ally(who.service_number),
                        pre_score=scores[0],
                        post_score=scores[1],
                    )
                )
            elif (att.pre_score, att.post_score) != scores:
                att.pre_score, att.post_score = scores
                rescored.append(att)
            else:
                continue
            fields.append("attendance")
    Module.objects.filter(training_id__in=stale).delete()
    Module.objects.bulk_create(fresh_modules)
    Facilitator.objects.bulk_create(fresh_teachers)
    Attendance.objects.bulk_create(fresh, batch_size=500)
    Attendance.objects.bulk_update(rescored, ["pre_score", "post_score"], batch_size=500)
    for index, _item, training, created, fields in edits:
        changes.note("trainings", index, training, created, [] if created else sorted(set(fields)))


register(
    Section(
        name="stations",
        item=StationSpec,
        reconcile=reconcile_stations,
        check=check_stations,
        after=("areas",),
        many=True,
    )
)
register(
    Section(
        name="allies",
        item=AllySpec,
        reconcile=reconcile_allies,
        check=check_allies,
        after=("stations", "responders", "escalation", "staff"),
        many=True,
    )
)
register(
    Section(
        name="trainings",
        item=TrainingSpec,
        reconcile=reconcile_trainings,
        check=check_trainings,
        after=("allies", "areas"),
        many=True,
    )
)


# --- Checklists for station monitoring rounds ---------------------------------------------

KEY = r"^[a-z0-9][a-z0-9_-]*$"


class ChecklistItemSpec(Spec):
    key: str = Field(min_length=1, max_length=64, pattern=KEY)
    text: str = Field(min_length=1, max_length=300)
    weight: int = Field(default=1, ge=1, le=WEIGHT_MAX)


class ChecklistSpec(Spec):
    key: str = Field(min_length=1, max_length=64, pattern=KEY)
    name: str = Field(min_length=1, max_length=200)
    # A checklist shipped with Haki (its items, texts translated); or the items given here.
    standard: Literal["instruction-417"] | None = None
    items: list[ChecklistItemSpec] | None = Field(default=None, max_length=100)


def check_checklists(context: Context, items: list[ChecklistSpec]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.key in seen:
            context.problem(("checklists", i, "key"), f"checklist {item.key!r} is listed twice")
        seen.add(item.key)
        if (item.standard is None) == (item.items is None):
            context.problem(("checklists", i, "items"), "give either items or a standard")
        keys = [entry.key for entry in item.items or []]
        for j, key in enumerate(keys):
            if key in keys[:j]:
                context.problem(("checklists", i, "items", j, "key"), "this item is listed twice")


def checklist_items(item: ChecklistSpec) -> list[ChecklistItemSpec]:
    if item.items is not None:
        return item.items
    return [
        ChecklistItemSpec(key=key, text=text, weight=weight)
        for key, text, weight in STANDARD_CHECKLISTS[item.standard or ""]
    ]


def reconcile_checklists(org: Organisation, items: list[ChecklistSpec], changes: Changes) -> None:
    """One checklist per key; its items are found by key and get the text, weight and
    place the file gives. Items the file no longer lists are kept (visits answered
    them). Four statements whatever the number of checklists."""
    found = {t.key: t for t in ChecklistTemplate.objects.filter(organisation=org)} if org.pk else {}
    new, changed, edits = [], [], []
    for index, item in enumerate(items):
        template, created, fields = reconciled(
            found.get(item.key),
            ChecklistTemplate,
            {"organisation": org, "key": item.key},
            {"name": item.name},
            new,
            changed,
        )
        edits.append((index, item, template, created, fields))
    save_all(ChecklistTemplate, new, changed, ["name"])
    have = {
        (i.template_id, i.key): i
        for i in ChecklistItem.objects.filter(template__in=[t for _i, _s, t, _c, _f in edits])
    }
    fresh, rewritten = [], []
    for index, item, template, created, fields in edits:
        for position, entry in enumerate(checklist_items(item)):
            known = have.get((template.pk, entry.key))
            given = named(entry, known is None) & {"text", "weight"}
            values = {**{f: getattr(entry, f) for f in given}, "position": position}
            _obj, made, differ = reconciled(
                known,
                ChecklistItem,
                {"template": template, "key": entry.key},
                values,
                fresh,
                rewritten,
            )
            if made or differ:
                fields.append("items")
        changes.note("checklists", index, template, created, [] if created else sorted(set(fields)))
    ChecklistItem.objects.bulk_create(fresh, batch_size=500)
    ChecklistItem.objects.bulk_update(rewritten, ["text", "weight", "position"], batch_size=500)


register(
    Section(
        name="checklists",
        item=ChecklistSpec,
        reconcile=reconcile_checklists,
        check=check_checklists,
        many=True,
    )
)
