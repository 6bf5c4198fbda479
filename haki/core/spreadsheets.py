"""CSV and XLSX files: written so that they are safe to open (a cell that a spreadsheet
would read as a formula, starting with =, +, -, @, a tab or a carriage return, stays
text), and read within bounds (``read_table``), so that an uploaded file can never tie
up a worker or its memory."""

from __future__ import annotations

import csv
import datetime
import io
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import openpyxl
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._reader import WorkSheetParser

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


# Reading uploads. Every bound is checked before the work it limits: a 5 KB XLSX that
# claims a million rows, or a zip bomb, is refused instead of tying a worker up.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_ROWS = 200_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 32 * 1024
MAX_SECONDS = 60.0


class SpreadsheetRefused(ValueError):
    """A file that cannot be read within the bounds; ``row`` is where, if known. The
    message is for the person who uploaded it and never quotes the content."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class Table:
    """The first sheet (or the CSV): the header's cells and each non-blank row with
    its number as a spreadsheet shows it (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[Value]]] = field(default_factory=list)


class _Bounds:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.rows = 0

    def tick(self, row: int | None = None) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetRefused(
                _("reading the file took longer than %(seconds)s seconds; split it")
                % {"seconds": int(self.seconds)},
                row,
            )

    @staticmethod
    def number(number: int) -> None:
        if number > MAX_ROWS + 1:
            raise SpreadsheetRefused(
                _("a file may hold at most %(rows)s rows") % {"rows": f"{MAX_ROWS:,}"}, number
            )

    def row(self, number: int, cells: list[Value]) -> list[Value] | None:
        """The row's cells within the bounds, or None if it is blank."""
        self.number(number)
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise SpreadsheetRefused(
                _("a file may have at most %(columns)s columns") % {"columns": MAX_COLUMNS}, number
            )
        for value in cells:
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise SpreadsheetRefused(_("a cell holds more than 32 KB of text"), number)
            if isinstance(value, str) and "\x00" in value:  # PostgreSQL cannot store it
                raise SpreadsheetRefused(_("a cell holds a character text cannot have"), number)
        if number % 1000 == 0:
            self.tick(number)
        return cells or None


def read_table(file: Any, filename: str, seconds: float = MAX_SECONDS) -> Table:
    """The table in an uploaded CSV or XLSX file (bytes, or a file object), read within
    the bounds above; SpreadsheetRefused says why not."""
    data = _bounded_bytes(file)
    bounds = _Bounds(seconds)
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data, bounds)
    else:
        rows = _csv_rows(data, bounds)
    table: Table | None = None
    for number, cells in rows:
        kept = bounds.row(number, cells)
        if table is None:
            table = Table(header=[str(c if c is not None else "").strip() for c in cells])
        elif kept is not None:
            table.rows.append((number, kept))
    if table is None:
        raise SpreadsheetRefused(_("the file is empty"), 1)
    return table


def _bounded_bytes(file: Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_UPLOAD_BYTES:
            raise SpreadsheetRefused(_too_big())
        data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise SpreadsheetRefused(_too_big())
    return data


def _too_big() -> str:
    return _("a file may be at most %(mb)s MB") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


def _csv_rows(data: bytes, bounds: _Bounds) -> Iterator[tuple[int, list[Value]]]:
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetRefused(
            _("the file is not UTF-8 text: save it as CSV UTF-8 or as XLSX")
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # Over the csv module's own limit on a cell, or a NUL byte.
            raise SpreadsheetRefused(
                _("a cell is too long or holds characters a CSV file cannot have"), number + 1
            ) from None
        number += 1
        yield number, list(cells)


def _check_zip(data: bytes, bounds: _Bounds) -> None:
    """Refuse a zip whose members inflate past the bound, counting the bytes actually
    inflated (a header may lie) and checking each member's CRC."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_INFLATED_BYTES:
            raise SpreadsheetRefused(_inflates_too_much())
        total = 0
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(1024 * 1024):
                    total += len(chunk)
                    if total > MAX_INFLATED_BYTES:
                        raise SpreadsheetRefused(_inflates_too_much())
                    bounds.tick()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise SpreadsheetRefused(_not_xlsx()) from None


def _inflates_too_much() -> str:
    return _("the file unpacks to more than %(mb)s MB") % {
        "mb": MAX_INFLATED_BYTES // (1024 * 1024)
    }


def _not_xlsx() -> str:
    return _("this is not a readable XLSX file")


# What a damaged or hostile workbook raises while it is parsed.
_BROKEN = (
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    ValueError,  # defusedxml's refusals of entities and DTDs are ValueErrors
    TypeError,
    OSError,
    ElementTree.ParseError,
)


def _xlsx_rows(data: bytes, bounds: _Bounds) -> Iterator[tuple[int, list[Value]]]:
    if not openpyxl.DEFUSEDXML:  # entity bombs and external entities would be parsed
        raise ImproperlyConfigured("defusedxml must be installed to read XLSX files")
    _check_zip(data, bounds)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        source = sheet._get_source()
    except SpreadsheetRefused:
        raise
    except _BROKEN:
        raise SpreadsheetRefused(_not_xlsx()) from None
    # The sheet's cells as they are stored, never padded out to the dimensions the file
    # claims (openpyxl's iter_rows would fill a claimed million rows with blanks).
    parser = WorkSheetParser(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    rows = parser.parse()
    number = 1
    try:
        while True:
            try:
                number, cells = next(rows)
            except StopIteration:
                return
            except _BROKEN:
                raise SpreadsheetRefused(
                    _("the sheet is damaged or cut short"), number + 1
                ) from None
            bounds.number(number)
            yield number, _dense(cells, number)
    finally:
        source.close()
        book.close()


def _dense(cells: list[dict[str, Any]], number: int) -> list[Value]:
    row: list[Value] = []
    for cell in cells:
        if cell["value"] is None:
            continue
        column = cell["column"]
        if column > MAX_COLUMNS:
            raise SpreadsheetRefused(
                _("a file may have at most %(columns)s columns") % {"columns": MAX_COLUMNS}, number
            )
        row.extend([None] * (column - len(row)))
        row[column - 1] = cell["value"]
    return row
