"""One import command for every kind of record: ``haki import KIND --org SLUG FILE``.

Each app registers its importers in its own ``imports`` module (found by
autodiscovery)::

    register(Importer(kind="members", columns=COLUMNS, run=import_members))

``run(organisation, table, actor)`` gets the file already read by the bounded reader
(``haki.core.spreadsheets.read_table``) and imports every row or none: it raises
ImportRejected listing each problem by row and column, never by value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from haki.core.models import Organisation
from haki.core.spreadsheets import SpreadsheetRefused, Table, read_table


@dataclass
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    reason: str
    column: str = ""

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)s, column %(column)s: %(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        return _("row %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Importer:
    """``columns``: the columns of the kind's own layout, for help and templates.
    ``run(organisation, table, actor)`` returns how many records it imported."""

    kind: str
    columns: Sequence[str]
    run: Callable[[Organisation, Table, Any], int]
    help: str = ""


_registry: dict[str, Importer] = {}
_discovered = False


def register(importer: Importer) -> Importer:
    _registry[importer.kind] = importer
    return importer


def importers() -> dict[str, Importer]:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True
    return dict(sorted(_registry.items()))


def read(file: Any, filename: str) -> Table:
    """The bounded reader, its refusal turned into the import's kind of problem."""
    try:
        return read_table(file, filename)
    except SpreadsheetRefused as refused:
        raise ImportRejected([Problem(refused.row or 1, refused.message)]) from None


def run_import(kind: str, organisation: Organisation, file: Any, filename: str, actor: Any) -> int:
    """Read ``file`` and import it as ``kind``: every row, or none."""
    importer = importers()[kind]
    table = read(file, filename)
    with transaction.atomic():
        return importer.run(organisation, table, actor)
