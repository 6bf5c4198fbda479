"""Members from a spreadsheet: Haki's own columns, or a RapidPro or FrontlineSMS contact
export as it is, through a mapping from the file's columns to a member's fields.

A ``Name`` column is never taken as the alias unless the person importing chooses so:
such exports often hold legal names. Without an alias, a new member gets a generated
pseudonym. A number already in the organisation updates that member (found through
the HMAC index), changing only what the row gives. Every row or none; each problem
by row and column, never by value."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from haki.core.importing import Importer, ImportRejected, Problem, register
from haki.core.models import Organisation
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.core.spreadsheets import Table
from haki.members.models import Member
from haki.members.provisioning import (
    CONSENTS,
    ConsentsSpec,
    MemberSpec,
    codeword_problem,
    reserved_words,
    save_members,
)
from haki.provisioning import Changes
from haki.provisioning.people import by_phone

COLUMNS = [
    "alias",
    "phone",
    "area",
    "language",
    "groups",
    "codewords",
    "share_number_with_responders",
    "allow_police_referral",
]
# The columns of contact exports that mean one of ours. "Name" is not among them.
KNOWN = {
    "urn:tel": "phone",
    "tel": "phone",
    "mobile number": "phone",
    "phone number": "phone",
    "language": "language",
    "group": "groups",
    "groups": "groups",
}
# RapidPro writes languages in ISO 639-3.
LANGUAGES_639_3 = {"eng": "en", "swa": "sw", "rus": "ru", "kir": "ky", "tel": "te", "mya": "my"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NO_CONSENTS = dict.fromkeys(CONSENTS, False)
UNSET: dict[str, Any] = {
    "alias": "",
    "area": "",
    "language": None,
    "codewords": [],
    "groups": [],
    "consents": ConsentsSpec.model_construct(**NO_CONSENTS),
}


@dataclass
class Mapping:
    """Which column of the file (by position) fills which field; ``area`` is the code
    of the area for rows that give none."""

    columns: dict[str, int] = field(default_factory=dict)
    area: str = ""


def suggest(header: Sequence[str]) -> Mapping:
    """The mapping a file's header suggests: our own column names, the known columns
    of RapidPro and FrontlineSMS exports, and RapidPro's ``Field:<one of ours>``."""
    mapping = Mapping()
    for position, title in enumerate(header):
        key = " ".join(str(title).lower().split())
        if key.startswith("field:"):
            key = key.removeprefix("field:").strip()
        target = key if key in COLUMNS else KNOWN.get(key)
        if target and target not in mapping.columns:
            mapping.columns[target] = position
    return mapping


def pseudonym() -> str:
    # 32 letters: each random byte picks one with no bias (256 is a multiple of 32).
    return "M-" + "".join(PSEUDONYM_ALPHABET[b % 32] for b in secrets.token_bytes(6))


class RowReader:
    """Turns one row into a MemberSpec that names only what the row gives."""

    def __init__(self, org: Organisation, mapping: Mapping, header: Sequence[str]):
        self.org = org
        self.mapping = mapping
        self.header = header
        self.areas = {code.lower(): code for code in org.areas.values_list("code", flat=True)}
        self.reserved = reserved_words(org)
        self.problems: list[Problem] = []
        self.row = 0

    def cell(self, cells: list[Any], name: str) -> str:
        position = self.mapping.columns.get(name)
        if position is None or position >= len(cells) or cells[position] is None:
            return ""
        value = cells[position]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number typed into a spreadsheet
        return str(value).strip()

    def problem(self, name: str, reason: str) -> None:
        position = self.mapping.columns.get(name)
        column = self.header[position] if position is not None else name
        self.problems.append(Problem(self.row, reason, column or name))

    def read(self, row: int, cells: list[Any]) -> dict[str, Any]:
        """The row's values; a problem with any of them is added to ``problems``."""
        self.row = row
        values: dict[str, Any] = {}
        raw = self.cell(cells, "phone")
        try:
            values["phone"] = read_phone(raw, self.org.country)
        except InvalidPhoneNumber:
            self.problem("phone", _("this is not a phone number") if raw else _("this is needed"))
        alias = self.cell(cells, "alias")
        if len(alias) > 64:
            self.problem("alias", _("an alias is at most 64 characters"))
        elif alias:
            values["alias"] = alias
        self.read_area(cells, values)
        self.read_language(cells, values)
        self.read_lists(cells, values)
        consents = {}
        for name in CONSENTS:
            word = self.cell(cells, name).lower()
            if word in YES or word in NO:
                consents[name] = word in YES
            elif word:
                self.problem(name, _("write yes or no"))
        if consents:
            values["consents"] = ConsentsSpec.model_construct(
                _fields_set=set(consents), **{**NO_CONSENTS, **consents}
            )
        return values

    def read_area(self, cells: list[Any], values: dict[str, Any]) -> None:
        code = self.cell(cells, "area")
        if code:
            if code.lower() in self.areas:
                values["area"] = self.areas[code.lower()]
            else:
                self.problem("area", _("no area has this code"))

    def read_language(self, cells: list[Any], values: dict[str, Any]) -> None:
        language = self.cell(cells, "language").lower()
        language = LANGUAGES_639_3.get(language, language)
        if language in self.org.languages:
            values["language"] = language
        elif language:
            self.problem("language", _("this is not one of the organisation's languages"))

    def read_lists(self, cells: list[Any], values: dict[str, Any]) -> None:
        groups = [slugify(g)[:50] for g in split(self.cell(cells, "groups"))]
        if any(not g for g in groups):
            self.problem("groups", _("a group name needs a letter or a digit"))
        elif groups:
            values["groups"] = sorted(set(groups))
        words = split(self.cell(cells, "codewords"))
        reasons = {codeword_problem(w, self.reserved) for w in words} - {None}
        for reason in sorted(reasons):
            self.problem("codewords", reason)
        if words and not reasons:
            values["codewords"] = words


def read_phone(raw: str, country: str) -> str:
    """A number as contact exports write it: RapidPro's ``tel:+254…``, or a number cell
    of a spreadsheet that lost its leading + (``254…``)."""
    raw = raw.removeprefix("tel:")
    try:
        return normalise_phone(raw, country)
    except InvalidPhoneNumber:
        if raw.isdigit():
            return normalise_phone("+" + raw, country)
        raise


def split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def import_members(
    organisation: Organisation, table: Table, actor: Any, mapping: Mapping | None = None
) -> int:
    """Create or update one member per row, or none (ImportRejected lists why)."""
    mapping = mapping or suggest(table.header)
    if "phone" not in mapping.columns:
        raise ImportRejected([Problem(1, _("no column holds the phone number"))])
    if mapping.area and mapping.area not in organisation.areas.values_list("code", flat=True):
        raise ImportRejected([Problem(1, _("no area has the code chosen for every row"))])
    reader = RowReader(organisation, mapping, table.header)
    rows = [(number, reader.read(number, cells)) for number, cells in table.rows]
    seen: dict[str, int] = {}
    for number, values in rows:
        phone = values.get("phone")
        if phone in seen:
            reader.row = number
            reader.problem("phone", _("the same number is on row %(row)s") % {"row": seen[phone]})
        elif phone:
            seen[phone] = number
    if reader.problems:
        reader.problems.sort(key=lambda p: p.row)
        raise ImportRejected(reader.problems)
    if not rows:
        raise ImportRejected([Problem(2, _("the file has no rows to import"))])
    found = by_phone(Member, organisation, [values["phone"] for _, values in rows], e164=True)
    items = []
    for (number, values), (_phone, member) in zip(rows, found, strict=True):
        if member is None:
            if "alias" not in values:
                values["alias"] = pseudonym()
            if "area" not in values:
                values["area"] = mapping.area
            if not values["area"]:
                reader.row = number
                reader.problem("area", _("a new member needs an area"))
        # Every field given, so that pydantic computes no default (slow at this scale);
        # the fields set are only those the row gave.
        items.append(MemberSpec.model_construct(_fields_set=set(values), **{**UNSET, **values}))
    if reader.problems:
        raise ImportRejected(reader.problems)
    changes = Changes()
    save_members(organisation, items, changes, "rows", [n for n, _ in rows], found)
    changes.write_audit(organisation, actor)
    return len(items)


register(
    Importer(
        kind="members",
        columns=COLUMNS,
        run=import_members,
        help="members by number; RapidPro and FrontlineSMS contact exports as they are",
    )
)
