"""The brief written out: the same tables as the printable page, as CSV or XLSX."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from haki.core.spreadsheets import Value, csv_bytes, xlsx_bytes
from haki.reports.brief import Brief

FORMATS = ("html", "csv", "xlsx")


def shown(value: int | None) -> Value:
    return _("suppressed") if value is None else value


def summary_rows(brief: Brief) -> list[list[Value]]:
    rows: list[list[Value]] = [
        [_("Period"), "", f"{brief.since.isoformat()} – {brief.until.isoformat()}"],
        [_("Written on"), "", brief.made_on_local],
        [_("Cases"), "", shown(brief.cases)],
        [_("People affected"), "", shown(brief.people)],
    ]
    if brief.k is not None:
        rows.append([_("Smallest count shown"), "", brief.k])
    return rows


def table_rows(brief: Brief) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for table in brief.tables:
        rows += [[table.title, label, shown(n)] for label, n in table.rows]
        if table.has_total:
            rows.append([table.title, _("Total"), shown(table.total)])
    return rows


def as_csv(brief: Brief) -> bytes:
    header = [_("Table"), _("Row"), _("Cases")]  # one column holds every table's rows
    return csv_bytes(header, summary_rows(brief) + table_rows(brief))


def as_xlsx(brief: Brief) -> bytes:
    header = [_("Table"), _("Row"), _("Cases")]
    return xlsx_bytes(
        [(_("Summary"), header, summary_rows(brief)), (_("Tables"), header, table_rows(brief))]
    )


def as_html(brief: Brief) -> bytes:
    """The page on its own, for printing or mailing; the same template as the web page."""
    return render_to_string("reports/brief_document.html", {"brief": brief}).encode()


def render(brief: Brief, file_format: str) -> bytes:
    return {"csv": as_csv, "xlsx": as_xlsx, "html": as_html}[file_format](brief)
