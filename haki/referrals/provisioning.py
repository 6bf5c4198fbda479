"""Provisioning sections ``service_kinds`` (an organisation's own kinds, with the words
members text) and ``services`` (found by name). A file changes only what it names."""

from __future__ import annotations

from pydantic import Field

from haki.core import words
from haki.core.models import Membership, Organisation
from haki.core.phones import normalise_phone
from haki.core.roles import Role
from haki.provisioning import Changes, Context, Section, Spec, assign, named, register
from haki.referrals.kinds import SHIPPED
from haki.referrals.models import DEFAULT_EXPIRY_DAYS, Service, ServiceKind

KIND_KEY = r"^[a-z][a-z0-9_]*$"


class ReferralSettingsSpec(Spec):
    expiry_days: int = Field(default=DEFAULT_EXPIRY_DAYS, ge=2, le=365)


def reconcile_settings(org: Organisation, item: ReferralSettingsSpec, changes: Changes) -> None:
    """``referrals: {expiry_days: N}``: after how many days an unattended referral is
    cancelled as expired (one reminder is texted two days before)."""
    if "expiry_days" not in item.model_fields_set:
        return
    current = dict(org.settings or {})
    if current.get("referral_expiry_days") != item.expiry_days:
        current["referral_expiry_days"] = item.expiry_days
        org.settings = current
        org.save(update_fields=["settings", "modified_on"])
        changes.note("referrals", None, org, False, ["settings"])


class ServiceKindSpec(Spec):
    key: str = Field(pattern=KIND_KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    words: dict[str, list[str]] = Field(default_factory=dict)


class ServiceSpec(Spec):
    name: str = Field(min_length=1, max_length=120)
    kind: str
    area: str
    address: str = Field(default="", max_length=200)
    hours: str = Field(default="", max_length=120)
    phone: str | None = None
    confirm_phones: list[str] = Field(default_factory=list, max_length=10)
    languages: list[str] = Field(default_factory=list, max_length=10)
    friendly: bool = False
    providers: list[str] = Field(default_factory=list, max_length=20)


def check_kinds(context: Context, items: list[ServiceKindSpec]) -> None:
    shipped = {key for key, _name, _words in SHIPPED}
    taken = words.claims(context.organisation, leave_out=[ServiceKind.own_words])
    for i, kind in enumerate(items):
        if kind.key in shipped:
            context.problem(("service_kinds", i, "key"), "this is a shipped kind; choose another")
        for language, listed in kind.words.items():
            context.check_language(("service_kinds", i, "words", language), language)
            for j, word in enumerate(listed):
                reason = words.taken_in(taken, word)
                if reason:
                    context.problem(("service_kinds", i, "words", language, j), str(reason))


def reconcile_kinds(org: Organisation, items: list[ServiceKindSpec], changes: Changes) -> None:
    existing = {k.key: k for k in ServiceKind.of(org)}
    for index, item in enumerate(items):
        kind = existing.get(item.key)
        created = kind is None
        if created:
            kind = ServiceKind(organisation=org, key=item.key)
        given = named(item, created)
        fields = assign(kind, {f: getattr(item, f) for f in given & {"name", "words"}})
        if created or fields:
            kind.save()
        changes.note("service_kinds", index, kind, created, [] if created else fields)


def _kind_keys(context: Context) -> set[str]:
    keys = {key for key, _name, _words in SHIPPED}
    keys |= {k.key for k in context.items("service_kinds") or []}
    if context.organisation is not None:
        keys |= set(context.organisation.service_kinds.values_list("key", flat=True))
    return keys


def check_services(context: Context, items: list[ServiceSpec]) -> None:
    kinds, names = _kind_keys(context), set()
    staff = {s.username: s.role for s in context.items("staff") or []}
    for i, service in enumerate(items):
        if service.name in names:
            context.problem(("services", i, "name"), "the same name is given twice")
        names.add(service.name)
        if service.kind not in kinds:
            context.problem(("services", i, "kind"), f"no kind of service {service.kind!r}")
        if service.area not in context.area_codes:
            context.problem(("services", i, "area"), f"no area with code {service.area!r}")
        for j, language in enumerate(service.languages):
            context.check_language(("services", i, "languages", j), language)
        if service.phone:
            context.check_phone(("services", i, "phone"), service.phone, {})
        confirming: dict[str, object] = {}
        for j, raw in enumerate(service.confirm_phones):
            context.check_phone(("services", i, "confirm_phones", j), raw, confirming)
        for j, username in enumerate(service.providers):
            if staff.get(username, Role.SERVICE_PROVIDER) != Role.SERVICE_PROVIDER:
                context.problem(
                    ("services", i, "providers", j), "a provider has the service_provider role"
                )


def _providers(org: Organisation, items: list[ServiceSpec]) -> dict[str, int]:
    """The organisation's service providers named in the file, by username: one query."""
    usernames = {u for item in items for u in item.providers}
    if not usernames:
        return {}
    memberships = Membership.objects.filter(
        organisation=org, role=Role.SERVICE_PROVIDER, user__username__in=usernames
    )
    return dict(memberships.values_list("user__username", "user_id"))


def _place(org: Organisation, service: Service, item: ServiceSpec, given: set[str]) -> dict:
    """The kind and area to write, looked up only when they differ (one query each)."""
    values: dict = {}
    if "kind" in given and (service.pk is None or service.kind.key != item.kind):
        values["kind_id"] = ServiceKind.of(org).get(key=item.kind).pk
    if "area" in given and (service.pk is None or service.area.code != item.area):
        values["area_id"] = org.areas.get(code=item.area).pk
    return values


def reconcile_services(org: Organisation, items: list[ServiceSpec], changes: Changes) -> None:
    rows = Service.objects.filter(organisation=org).select_related("kind", "area")
    existing = {s.name: s for s in rows.prefetch_related("confirm_numbers", "providers")}
    providers = _providers(org, items)
    for index, item in enumerate(items):
        service = existing.get(item.name)
        created = service is None
        if created:
            service = Service(name=item.name)
        service.organisation = org  # sealed fields open with its keys, without a query
        given = named(item, created)
        values = {
            f: getattr(item, f) for f in given & {"address", "hours", "languages", "friendly"}
        }
        fields = assign(service, {**values, **_place(org, service, item, given)})
        if "phone" in given:
            number = normalise_phone(item.phone, org.country) if item.phone else ""
            if created or service.phone != number:
                service.phone = number
                fields.append("phone_sealed")
        if created or fields:
            service.save()
        if "confirm_phones" in given:
            phones = [normalise_phone(p, org.country) for p in item.confirm_phones]
            if service.set_confirm_phones(phones) and not created:
                fields.append("confirm_phones")
        if "providers" in given:
            wanted = {providers[u] for u in item.providers if u in providers}
            if {user.pk for user in service.providers.all()} != wanted:
                service.providers.set(wanted)
                fields.append("providers")
        changes.note("services", index, service, created, [] if created else fields)


register(Section(name="referrals", item=ReferralSettingsSpec, reconcile=reconcile_settings))
register(
    Section(
        name="service_kinds",
        item=ServiceKindSpec,
        reconcile=reconcile_kinds,
        check=check_kinds,
        after=("keywords", "info", "members"),
        many=True,
    )
)
register(
    Section(
        name="services",
        item=ServiceSpec,
        reconcile=reconcile_services,
        check=check_services,
        after=("areas", "service_kinds", "staff"),
        many=True,
    )
)
