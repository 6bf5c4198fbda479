"""The donor report: the programme's figures as they may leave the organisation, for a
period beside the one before, as printable HTML and as a PDF (WeasyPrint, with Debian's
Noto fonts so that Telugu and Burmese render)."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import translation

from haki.core.models import Organisation
from haki.reports.catalogue import Audience, Scope
from haki.reports.programme import Row, comparison


def rows(organisation: Organisation, since: datetime.date, until: datetime.date) -> list[Row]:
    return comparison(Scope(organisation, since, until, None, Audience.EXTERNAL))


def html(
    organisation: Organisation, since: datetime.date, until: datetime.date, language: str
) -> str:
    with translation.override(language):
        return render_to_string(
            "reports/donor_document.html",
            {
                "organisation": organisation,
                "since": since,
                "until": until,
                "rows": rows(organisation, since, until),
                "LANGUAGE_CODE": language,
            },
        )


def pdf(
    organisation: Organisation, since: datetime.date, until: datetime.date, language: str
) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(organisation, since, until, language)).write_pdf()
