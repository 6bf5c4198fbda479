"""Provisioning as code: ``haki provision FILE.yaml`` creates or updates one
organisation from a file whose sections are declared by the apps that own them.

Each app registers its sections in its own ``provisioning`` module (found by
autodiscovery, like ``admin.py``)::

    register(Section(name="responders", item=ResponderSpec, reconcile=reconcile_responders,
                     check=check_responders, after=("areas",), many=True))

The file is checked as a whole before anything is written: every problem is reported
with its line and field (never the value, which may be a phone number). Then every
section's ``reconcile(organisation, items, changes)`` runs, in the order ``after``
gives, in one transaction: it loads what exists in a few queries, changes only the
fields the file names (so a value set on the web is never undone by a default), writes
in bulk and notes each change in ``changes``; the audit events are written together at
the end. Records missing from the file are left alone: removing people is a deliberate
act done elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from pydantic import BaseModel, ConfigDict, create_model

from haki.core.models import DEFAULT_TIERS, AuditEvent, Organisation
from haki.provisioning.files import Problem, ProvisioningError, field_name, line_of, parse

ACTOR = "provisioning"
# Rows an INSERT writes at most. SQLite's limit on parameters makes Django split further
# there; PostgreSQL takes a column per parameter (UNNEST), so fewer round trips. Updates
# stay at 500 rows a statement: each is a CASE over its rows.
BATCH = 2000

__all__ = [
    "ACTOR",
    "Changes",
    "Context",
    "Problem",
    "ProvisioningError",
    "Section",
    "Spec",
    "apply",
    "load",
    "register",
    "sections",
]


class Spec(BaseModel):
    """The base of every section's schema: unknown keys are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class Section:
    """One top-level key of the file. ``item`` is the schema of one entry (``many``:
    the section is a list of them). ``check(context, items)`` reports the problems that
    need the rest of the file or the database; ``reconcile(organisation, items,
    changes)`` writes. ``after`` names the sections whose records this one refers to."""

    name: str
    item: Any
    reconcile: Callable[[Organisation, Any, Changes], None]
    after: tuple[str, ...] = ()
    many: bool = False
    check: Callable[[Context, Any], None] | None = None
    required: bool = False


_registry: dict[str, Section] = {}
_discovered = False


def register(section: Section) -> Section:
    _registry[section.name] = section
    _schema_cache.clear()
    return section


def sections() -> list[Section]:
    """Every registered section, each after those it names in ``after``."""
    global _discovered
    if not _discovered:
        autodiscover_modules("provisioning")
        _discovered = True
    ordered: list[Section] = []
    placed: set[str] = set()

    def place(section: Section, path: tuple[str, ...]) -> None:
        if section.name in placed:
            return
        if section.name in path:
            raise ValueError(f"provisioning sections depend on each other: {path}")
        for name in section.after:
            if name in _registry:
                place(_registry[name], (*path, section.name))
        placed.add(section.name)
        ordered.append(section)

    for section in _registry.values():
        place(section, ())
    return ordered


_schema_cache: dict[str, type[BaseModel]] = {}


def schema() -> type[BaseModel]:
    """The whole file's schema, made from the registered sections."""
    if "file" not in _schema_cache:
        fields: dict[str, Any] = {}
        for section in sections():
            kind = list[section.item] if section.many else section.item
            fields[section.name] = (kind, ...) if section.required else (kind | None, None)
        _schema_cache["file"] = create_model("ProvisionSpec", __base__=Spec, **fields)
    return _schema_cache["file"]


class Context:
    """What a section's ``check`` may need: the whole file, the organisation as it
    stands (None if new), and the facts both together give."""

    def __init__(self, spec: BaseModel, node: yaml.Node):
        self.spec = spec
        self.node = node
        self.problems: list[Problem] = []
        self.organisation = Organisation.objects.filter(slug=spec.organisation.slug).first()

    def items(self, name: str) -> Any:
        return getattr(self.spec, name, None)

    def problem(self, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(line_of(self.node, loc), field_name(loc), message))

    def _current(self, name: str, attribute: str, default: Any) -> Any:
        given = self.spec.organisation
        if name in given.model_fields_set or self.organisation is None:
            return getattr(given, name)
        return getattr(self.organisation, attribute) or default

    @cached_property
    def allow_local_gateways(self) -> bool:
        return self._current("allow_local_gateways", "allow_local_gateways", False)

    @cached_property
    def country(self) -> str:
        return self._current("country", "country", "") or ""

    @cached_property
    def languages(self) -> list[str]:
        return self._current("languages", "languages", ["en"])

    @cached_property
    def tiers(self) -> list[str]:
        escalation = self.items("escalation")
        if escalation is not None and (
            "tiers" in escalation.model_fields_set or self.organisation is None
        ):
            return list(escalation.tiers)
        return self.organisation.tiers if self.organisation else list(DEFAULT_TIERS)

    @cached_property
    def area_codes(self) -> set[str]:
        codes = {a.code for a in self.items("areas") or []}
        if self.organisation is not None:
            codes |= set(self.organisation.areas.values_list("code", flat=True))
        return codes

    def check_phone(self, loc: tuple[Any, ...], raw: str, seen: dict[str, Any]) -> None:
        """A readable number, given once in its section (``seen``: number → item)."""
        from haki.core.phones import InvalidPhoneNumber, normalise_phone

        try:
            e164 = normalise_phone(raw, self.country)
        except InvalidPhoneNumber as exc:
            self.problem(loc, str(exc))
            return
        if e164 in seen:
            self.problem(loc, f"the same number is already given at item {seen[e164]}")
        seen[e164] = loc[1]

    def check_language(self, loc: tuple[Any, ...], code: str | None) -> None:
        if code is not None and code not in self.languages:
            self.problem(
                loc, f"{code!r} is not one of the organisation's languages {self.languages}"
            )


@dataclass
class Change:
    section: str
    index: int | str | tuple[Any, ...] | None  # where the item is in its section
    obj: models.Model
    created: bool
    fields: tuple[str, ...]

    def where(self) -> tuple[Any, ...]:
        if self.index is None:
            return (self.section,)
        return (
            (self.section, *self.index)
            if isinstance(self.index, tuple)
            else (self.section, self.index)
        )

    def describe(self) -> str:
        if self.created:
            return f"{field_name(self.where())}: created"
        names = [f.removesuffix("_sealed").removesuffix("_id") for f in self.fields]
        return f"{field_name(self.where())}: changed {', '.join(names)}"


@dataclass
class Changes:
    """What a run changed, item by item (for ``--check`` and the audit trail)."""

    items: list[Change] = field(default_factory=list)
    unchanged: int = 0
    extra_events: list[tuple[str, models.Model]] = field(default_factory=list)

    def note(
        self,
        section: str,
        index: int | str | tuple[Any, ...] | None,
        obj: models.Model,
        created: bool,
        fields: Iterable[str] = (),
    ) -> bool:
        """Note one item's outcome; True if it changed anything."""
        fields = tuple(fields)
        if created or fields:
            self.items.append(Change(section, index, obj, created, fields))
            return True
        self.unchanged += 1
        return False

    def audit(self, action: str, obj: models.Model) -> None:
        """An audit event for a record that is not an item of the file (a new user)."""
        self.extra_events.append((action, obj))

    @property
    def created(self) -> int:
        return sum(1 for c in self.items if c.created)

    @property
    def updated(self) -> int:
        return sum(1 for c in self.items if not c.created)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    def write_audit(self, organisation: Organisation, actor: str = ACTOR) -> None:
        create, change = AuditEvent.Action.CREATE, AuditEvent.Action.CHANGE
        events = [(create if c.created else change, c.obj) for c in self.items]
        AuditEvent.record_many(actor, [*self.extra_events, *events], organisation)


def named(item: BaseModel, created: bool) -> set[str]:
    """The fields of ``item`` to write: all of them for a new record, otherwise only
    those the file names, so no default overwrites a value set on the web."""
    return set(type(item).model_fields) if created else set(item.model_fields_set)


def assign(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the values that differ; return the names of those that did."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def save_all(
    model: type[models.Model],
    new: list[models.Model],
    changed: list[models.Model],
    columns: Iterable[str],
) -> None:
    """Insert ``new`` and write ``columns`` of ``changed``, a few statements each."""
    if new:
        model.objects.bulk_create(new, batch_size=BATCH)
    columns = set(columns)
    if changed and columns:
        if any(f.name == "modified_on" for f in model._meta.fields):
            now = timezone.now()
            for obj in changed:
                obj.modified_on = now
            columns.add("modified_on")
        model.objects.bulk_update(changed, sorted(columns), batch_size=500)


def load(text: str) -> BaseModel:
    """The file, checked as a whole; ProvisioningError lists every problem."""
    return load_with_lines(text)[0]


def load_with_lines(text: str) -> tuple[BaseModel, yaml.Node]:
    """``load``, with the file's YAML tree to name the line of each item."""
    spec, node = parse(text, schema())
    context = Context(spec, node)
    for section in sections():
        items = context.items(section.name)
        if section.check is not None and items is not None:
            section.check(context, items)
    if context.problems:
        raise ProvisioningError(sorted(context.problems, key=lambda p: p.line or 0))
    return spec, node


@transaction.atomic
def apply(spec: BaseModel, actor: str = ACTOR) -> tuple[Organisation, Changes]:
    slug = spec.organisation.slug
    organisation = Organisation.objects.filter(slug=slug).first() or Organisation(slug=slug)
    changes = Changes()
    for section in sections():
        items = getattr(spec, section.name, None)
        if items is not None:
            section.reconcile(organisation, items, changes)
    changes.write_audit(organisation, actor)
    return organisation, changes


class _DryRun(Exception):
    pass


def dry_run(spec: BaseModel) -> tuple[Organisation, Changes]:
    """What ``apply`` would change, with nothing kept."""
    from haki.core.crypto import forget_keyrings

    outcome: tuple[Organisation, Changes] | None = None
    try:
        with transaction.atomic():
            outcome = apply(spec)
            raise _DryRun
    except _DryRun:
        pass
    finally:
        # Keys made for a new organisation were rolled back: never reuse them.
        forget_keyrings()
    assert outcome is not None
    return outcome
