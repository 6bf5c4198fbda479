"""The donor report: external figures only, printable, as a PDF in any shipped language,
its first page kept as a PNG in test-artifacts/ to look at."""

from __future__ import annotations

import datetime
import io
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import verified_client
from haki.core import reauth
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.reports import donor
from haki.reports.tests.known import OCTOBER, build

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.mark.parametrize("language", ["en", "te", "my"])
def test_the_donor_report_renders_to_pdf_with_only_external_figures(world, language):
    org = world["a"].org
    known = build(org, random.Random(4), alerts=30, cases=40, texts=20)
    html = donor.html(org, *OCTOBER, language)
    consented = sum(1 for c in known.cases if c.consent)
    shown = re.search(r'data-key="cases_total">([^<]*)<', html).group(1)
    assert shown == str(consented) and 'data-key="members_registered"' not in html
    for number in re.findall(r'class="n"[^>]*>(\d+)', html):
        assert not 0 < int(number) < org.suppression_k
    body = donor.pdf(org, *OCTOBER, language)
    assert body.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(body)).pages
    assert str(consented) in " ".join(page.extract_text() for page in pages)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"donor-report-{language}.pdf"
    pdf_path.write_bytes(body)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    png = ARTIFACTS / f"donor-report-{language}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf_path, png],
        check=True,
        timeout=60,
    )
    assert (ARTIFACTS / f"donor-report-{language}.png").stat().st_size > 1000
    print(f"donor report first page: {png}.png")


def test_the_pdf_is_downloaded_after_reauthentication_and_audited(world):
    a = world["a"]
    build(a.org, random.Random(4), alerts=10, cases=10, texts=0)
    client = verified_client(a.users[Role.ANALYST])
    query = {"since": "2026-10-01", "until": "2026-10-31", "language": "sw"}
    page = client.get(reverse("reports:donor"), query)
    assert page.status_code == 200 and 'data-key="cases_total"' in page.content.decode()
    assert client.get(reverse("reports:donor_pdf"), query).status_code == 302
    session = client.session
    session[reauth.REAUTH_SESSION_KEY] = time.time()
    session.save()
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = client.get(reverse("reports:donor_pdf"), query)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
    bad = client.get(reverse("reports:donor"), {**query, "until": "2026-09-01"})
    assert bad.status_code == 400
    assert datetime.date(2026, 10, 1) == OCTOBER[0]
