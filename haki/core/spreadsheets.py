"""CSV and XLSX files that are safe to open: a cell that a spreadsheet would read as a
formula (=, +, -, @, or a leading tab or carriage return) stays text."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float | datetime.date | None


def escape_formula(value: Value) -> Value:
    """For CSV, where the reader decides: a leading apostrophe keeps it text."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else escape_formula(v) for v in row])
    # UTF-8 with a byte-order mark so that spreadsheets read Swahili and Cyrillic right.
    return "\ufeff".encode() + out.getvalue().encode()


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Value]]]]) -> bytes:
    """One worksheet per (title, header, rows). Strings are written as strings, never as
    formulas, whatever they start with."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell(sheet, value: Value) -> WriteOnlyCell | Value:
    if value is None or isinstance(value, int | float | datetime.date):
        return value
    text = WriteOnlyCell(sheet, value=None)
    text.value = str(value)  # translated labels arrive as lazy strings
    text.data_type = "s"
    return text
