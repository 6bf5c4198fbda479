"""The bounded reader: every hostile file is built here and refused with a message,
quickly and in little memory."""

from __future__ import annotations

import io
import resource
import time
import zipfile

import openpyxl
import pytest
from django.utils import translation

from haki.core import spreadsheets
from haki.core.spreadsheets import SpreadsheetRefused, read_table

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _in_english():
    # The messages are asserted in English, whatever an earlier test left active.
    with translation.override("en"):
        yield


def workbook(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data: bytes, name: str, content: bytes) -> bytes:
    """The same XLSX with one of its parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = content if item.filename == name else source.read(item.filename)
            target.writestr(item.filename, body)
    return out.getvalue()


def sheet_xml(body: str, head: str = "", before: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{before}<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def refusal(data: bytes, name: str = "f.xlsx", **kwargs) -> str:
    with pytest.raises(SpreadsheetRefused) as refused:
        read_table(data, name, **kwargs)
    return refused.value.message


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML


def test_a_csv_and_an_xlsx_read_as_the_same_table():
    csv = b"alias,phone\r\nRose,+254190100001\r\n,\r\nLily,+254190100002\r\n"
    table = read_table(csv, "m.csv")
    assert table.header == ["alias", "phone"]
    assert table.rows == [(2, ["Rose", "+254190100001"]), (4, ["Lily", "+254190100002"])]
    xlsx = workbook(["alias", "phone"], ["Rose", "+254190100001"], [], ["Lily", "+254190100002"])
    assert read_table(xlsx, "m.xlsx") == table


def test_a_small_xlsx_claiming_a_million_rows_is_read_at_once_or_refused():
    claims = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>alias</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Rose</t></is></c></row>',
        before='<dimension ref="A1:XFD1048576"/>',
    )
    data = rewrite(workbook(["x"]), SHEET, claims)
    assert len(data) < 10_000
    started = time.monotonic()
    assert read_table(data, "f.xlsx").rows == [(2, ["Rose"])]
    far = sheet_xml('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    assert "at most 200,000 rows" in refusal(rewrite(data, SHEET, far))
    wide = sheet_xml('<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>')
    assert "at most 60 columns" in refusal(rewrite(data, SHEET, wide))
    assert time.monotonic() - started < 30  # minutes before the reader was bounded


def test_a_zip_bomb_is_refused_without_inflating_it_into_memory():
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
        bomb.open(SHEET, "w", force_zip64=True) as member,
    ):
        for _ in range(101):
            member.write(b" " * (1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "unpacks to more than 100 MB" in refusal(data)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50


def test_an_ordinary_workbook_over_the_unpacked_bound_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_INFLATED_BYTES", 50_000)
    data = workbook(*[["a" * 100, n] for n in range(1000)])
    assert "unpacks to more than" in refusal(data)


@pytest.mark.parametrize(
    "sheet",
    [
        # An external entity: the file names a file on the server.
        sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>',
            head='<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        ),
        # An entity bomb: a few lines that expand to gigabytes.
        sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>',
            head="<!DOCTYPE w ["
            + '<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
                for a, b in zip("abcdefgh", "bcdefghe"[:-1] + "e", strict=False)
            )
            + "]>",
        ),
        # Cut short in the middle of the sheet.
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>alias</t></is></c></row>')[:-40],
    ],
    ids=["external entity", "entity bomb", "truncated"],
)
def test_hostile_or_damaged_sheets_are_refused_with_a_message(sheet):
    message = refusal(rewrite(workbook(["x"]), SHEET, sheet))
    assert message in ("this is not a readable XLSX file", "the sheet is damaged or cut short")


def test_a_file_that_is_no_zip_at_all_is_refused():
    assert refusal(b"PK\x03\x04 not really") == "this is not a readable XLSX file"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"alias\n" + b"x" * 200_000 + b"\n", "too long"),  # over the csv module's limit
        (b"alias\n" + b"x" * 40_000 + b"\n", "more than 32 KB"),
        (b"alias\nRo\x00se\n", "a character text cannot have"),
        ("alias\nRosé\n".encode("latin-1"), "not UTF-8"),
        (b",".join([b"c"] * 61) + b"\n", "at most 60 columns"),
        (b"alias\n" + b"x\n" * 200_001, "at most 200,000 rows"),
        (b"", "empty"),
    ],
    ids=["csv limit", "cell", "nul", "encoding", "columns", "rows", "empty"],
)
def test_bad_csv_files_are_refused_with_a_clear_message(content, expected):
    assert expected in refusal(content, "f.csv")


def test_a_utf16_csv_from_a_spreadsheet_is_read():
    assert read_table("alias\nРоза\n".encode("utf-16"), "f.csv").rows == [(2, ["Роза"])]


def test_an_upload_over_20_mb_is_refused_before_it_is_parsed():
    assert "at most 20 MB" in refusal(b"a" * (20 * 1024 * 1024 + 1), "f.csv")


def test_reading_stops_after_its_time():
    assert "took longer than" in refusal(b"alias\n" + b"x\n" * 3000, "f.csv", seconds=0)
