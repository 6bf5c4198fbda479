"""Historical case records from the spreadsheets organisations already keep.

The file is CSV or XLSX with exactly the columns of ``exports.IMPORT_COLUMNS``, read by
the bounded reader. Every row is checked first; one bad row rejects the whole file,
with every problem listed by row and column (never the row's content), so nothing is
half-imported."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from haki.cases.exports import IMPORT_COLUMNS
from haki.cases.models import Case, CaseAction, CaseViolation, ViolationType
from haki.cases.taxonomy import Action, Outcome, Perpetrator, Place
from haki.core.importing import ImportRejected, Problem, read
from haki.core.models import Area, Organisation
from haki.core.spreadsheets import Table

__all__ = ["ImportRejected", "Importer", "Problem", "import_cases", "import_table"]


@dataclass
class Draft:
    case: Case
    violations: list[int] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    narrative: str = ""


class Importer:
    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.areas = {a.code.lower(): a for a in Area.objects.filter(organisation=organisation)}
        self.violations: dict[str, int] = {}
        for t in ViolationType.objects.filter(organisation=organisation):
            self.violations[t.key.lower()] = t.pk
            self.violations[" ".join(t.label.lower().split())] = t.pk
        self.places = self._table(Place)
        self.perpetrators = self._table(Perpetrator)
        self.actions = self._table(Action)
        self.outcomes = self._table(Outcome)

    @staticmethod
    def _table(choices: Any) -> dict[str, str]:
        # Labels are matched in English whatever language the importer works in.
        table: dict[str, str] = {}
        with translation.override("en"):
            for member in choices:
                table[member.value.lower()] = member.value
                table[" ".join(str(member.label).lower().split())] = member.value
        return table

    def parse(self, table: Table) -> list[Draft]:
        header = [h.lower() for h in table.header]
        if header != IMPORT_COLUMNS:
            raise ImportRejected(
                [
                    Problem(
                        1,
                        _("the columns must be exactly: %(columns)s")
                        % {"columns": ",".join(IMPORT_COLUMNS)},
                    )
                ]
            )
        drafts, problems = [], []
        for number, cells in table.rows:
            values = [("" if c is None else c) for c in cells]
            if len(values) > len(IMPORT_COLUMNS):
                problems.append(Problem(number, _("there are more cells than columns")))
                continue
            values += [""] * (len(IMPORT_COLUMNS) - len(values))
            row = dict(zip(IMPORT_COLUMNS, values, strict=True))
            reasons: list[tuple[str, str]] = []
            draft = self.draft(row, reasons)
            problems.extend(Problem(number, reason, column) for column, reason in reasons)
            if not reasons:
                drafts.append(draft)
        if problems:
            raise ImportRejected(problems)
        if not drafts:
            raise ImportRejected([Problem(2, _("the file has no rows to import"))])
        return drafts

    def draft(self, row: dict[str, Any], reasons: list[tuple[str, str]]) -> Draft:
        text = {k: v.strip() if isinstance(v, str) else v for k, v in row.items()}
        case = Case(organisation=self.organisation, source=Case.Source.IMPORT)
        case.occurred_on, case.date_is_approximate = self.date(text["date"], reasons)
        area = self.areas.get(str(text["area"]).lower())
        if area is None:
            reasons.append(("area", _("no area has this code")))
        else:
            case.area = area
        case.place = self.one("place", text["place"], self.places, reasons)
        case.perpetrator = self.one("perpetrator", text["perpetrator"], self.perpetrators, reasons)
        case.unit = str(text["unit"])[:200]
        outcome = str(text["outcome"])
        case.outcome = self.one("outcome", outcome, self.outcomes, reasons) if outcome else ""
        case.consent_reports = self.yes_no("consent_reports", text["consent_reports"], reasons)
        case.consent_police = self.yes_no("consent_police", text["consent_police"], reasons)
        draft = Draft(case=case, narrative=str(text["narrative"]))
        for word in split(text["violations"]):
            pk = self.violations.get(" ".join(word.lower().split()))
            if pk is None:
                reasons.append(("violations", _("a value is not in the list")))
            elif pk not in draft.violations:
                draft.violations.append(pk)
        if not draft.violations:
            reasons.append(("violations", _("at least one is needed")))
        for word in split(text["actions"]):
            key = self.one("actions", word, self.actions, reasons)
            if key and key not in draft.actions:
                draft.actions.append(key)
        return draft

    @staticmethod
    def one(column: str, value: Any, table: dict[str, str], reasons: list[tuple[str, str]]) -> str:
        key = table.get(" ".join(str(value).lower().split()))
        if key is None:
            if str(value).strip():
                reasons.append((column, _("a value is not in the list")))
            else:
                reasons.append((column, _("this is needed")))
            return ""
        return key

    @staticmethod
    def yes_no(column: str, value: Any, reasons: list[tuple[str, str]]) -> bool:
        word = str(value).strip().lower()
        if word not in ("yes", "no"):
            reasons.append((column, _("write yes or no")))
        return word == "yes"

    @staticmethod
    def date(value: Any, reasons: list[tuple[str, str]]) -> tuple[datetime.date | None, bool]:
        """A day (2024-03-17), or only a month (2024-03) or a year (2024) when the
        exact day is not known: then the date is marked approximate."""
        if isinstance(value, datetime.datetime):
            return value.date(), False
        if isinstance(value, datetime.date):
            return value, False
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return datetime.date.fromisoformat(text), False
            if re.fullmatch(r"\d{4}-\d{2}", text):
                return datetime.date.fromisoformat(text + "-01"), True
            if re.fullmatch(r"\d{4}", text):
                return datetime.date(int(text), 1, 1), True
        except ValueError:
            pass
        reasons.append(("date", _("write it as YYYY-MM-DD (or YYYY-MM, or YYYY if approximate)")))
        return None, False

    @transaction.atomic
    def save(self, drafts: list[Draft]) -> int:
        numbers = Case.next_numbers(self.organisation, len(drafts))
        for draft, number in zip(drafts, numbers, strict=True):
            draft.case.number = number
            if draft.narrative:
                draft.case.narrative = draft.narrative
        created = Case.objects.bulk_create([d.case for d in drafts], batch_size=1000)
        CaseViolation.objects.bulk_create(
            [
                CaseViolation(case_id=case.pk, violationtype_id=pk, **case.link_copies())
                for case, draft in zip(created, drafts, strict=True)
                for pk in draft.violations
            ],
            batch_size=5000,
        )
        CaseAction.objects.bulk_create(
            [
                CaseAction(case_id=case.pk, action=action)
                for case, draft in zip(created, drafts, strict=True)
                for action in draft.actions
            ],
            batch_size=5000,
        )
        return len(created)


def split(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def import_table(organisation: Organisation, table: Table, actor: Any = None) -> int:
    """Import every row of the table, or none (ImportRejected lists why)."""
    importer = Importer(organisation)
    return importer.save(importer.parse(table))


def import_cases(organisation: Organisation, name: str, data: Any) -> int:
    """Import every row of the file (bytes or an upload), or none."""
    return import_table(organisation, read(data, name))
