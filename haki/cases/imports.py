"""The cases importer, for ``haki import cases``."""

from __future__ import annotations

from typing import Any

from haki.cases.exports import IMPORT_COLUMNS
from haki.cases.importer import import_table
from haki.core.importing import Importer, register
from haki.core.models import AuditEvent, Organisation
from haki.core.spreadsheets import Table


def run(organisation: Organisation, table: Table, actor: Any) -> int:
    count = import_table(organisation, table)
    AuditEvent.record(actor, AuditEvent.Action.CREATE, None, organisation)
    return count


register(
    Importer(
        kind="cases",
        columns=IMPORT_COLUMNS,
        run=run,
        help="historical cases; nothing is imported unless every row is valid",
    )
)
