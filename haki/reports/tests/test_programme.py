"""The Programme page, as coordinators and analysts use it."""

from __future__ import annotations

import random
import re
import time

from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.reports.tests.known import build

OCTOBER = {"since": "2026-10-01", "until": "2026-10-31"}


def cell(body: str, key: str) -> str:
    found = re.search(rf'<td data-key="{key}">(.*?)</td>', body, re.S)
    return found.group(1).strip()


def test_a_coordinator_sees_every_figure_with_the_periods_to_compare(world):
    a = world["a"]
    known = build(a.org, random.Random(8))
    client = verified_client(a.users[Role.COORDINATOR])
    page = client.get(reverse("reports:programme"), {**OCTOBER, "audience": "internal"})
    body = page.content.decode()
    assert page.status_code == 200
    assert cell(body, "cases_total") == str(len(known.cases))
    assert cell(body, "members_registered") == str(len(known.areas))
    assert "Same period last year" in body and 'id="programme-charts"' in body


def test_an_analyst_sees_only_what_may_leave_and_is_refused_the_rest(world):
    a = world["a"]
    known = build(a.org, random.Random(8))
    client = verified_client(a.users[Role.ANALYST])
    refused = client.get(reverse("reports:programme"), {**OCTOBER, "audience": "internal"})
    assert refused.status_code == 400 and "data-key" not in refused.content.decode()
    body = client.get(
        reverse("reports:programme"), {**OCTOBER, "audience": "external"}
    ).content.decode()
    assert cell(body, "cases_total") == str(sum(1 for c in known.cases if c.consent))
    assert 'data-key="members_registered"' not in body


def test_an_area_below_the_brief_level_is_refused_outside(world):
    a = world["a"]
    build(a.org, random.Random(8))
    client = verified_client(a.users[Role.ANALYST])
    page = client.get(
        reverse("reports:programme"), {**OCTOBER, "audience": "external", "area": "HOT"}
    )
    assert page.status_code == 400 and "no deeper" in page.content.decode()


def test_the_download_asks_for_the_password_again_and_is_audited(world):
    a = world["a"]
    build(a.org, random.Random(8))
    client = verified_client(a.users[Role.COORDINATOR])
    query = {**OCTOBER, "audience": "internal", "format": "csv"}
    first = client.get(reverse("reports:programme_download"), query)
    assert first.status_code == 302 and first["Location"].startswith(reverse("core:reauth"))
    session = client.session
    from haki.core import reauth

    session[reauth.REAUTH_SESSION_KEY] = time.time()
    session.save()
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = client.get(reverse("reports:programme_download"), query)
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Indicator,Breakdown,Value")
    assert any(line.startswith("cases_total,,") for line in lines)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1


def test_a_period_in_a_far_off_year_is_a_form_error_not_a_500(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    session = client.session
    from haki.core import reauth

    session[reauth.REAUTH_SESSION_KEY] = time.time()
    session.save()
    for since, until in [("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31")]:
        query = {"since": since, "until": until, "audience": "internal", "format": "csv"}
        for name in ("reports:programme", "reports:programme_download"):
            page = client.get(reverse(name), query)
            assert page.status_code == 400, (name, since)
            assert "between 1900 and 2999" in page.content.decode()
        for name in ("reports:brief", "reports:brief_download", "reports:donor"):
            page = client.get(reverse(name), {**query, "language": "en"})
            assert page.status_code in (200, 400), (name, since)
            assert "between 1900 and 2999" in page.content.decode()


def expected_lines(org, audience: str) -> dict[tuple[str, str], list]:
    """(indicator, breakdown cell) -> value, numerator, denominator, the period before
    (31 days ending the day before) and the same period last year: the catalogue's own
    figures, computed here without the page."""
    import datetime

    from haki.reports.catalogue import Audience
    from haki.reports.figures import by_key, compute, scope_for

    def figures(since: datetime.date, until: datetime.date):
        return compute(scope_for(org, since, until, None, Audience(audience)))

    now = figures(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    before = by_key(figures(datetime.date(2026, 8, 31), datetime.date(2026, 9, 30)))
    year = by_key(figures(datetime.date(2025, 10, 1), datetime.date(2025, 10, 31)))
    lines = {}
    for f in now:
        lines[f.key, ""] = [
            f.value,
            f.numerator,
            f.denominator,
            before[f.key].value,
            year[f.key].value,
        ]
        for c in f.breakdown:
            lines[f.key, f"{c.by}: {c.label}"] = [c.value, None, None, None, None]
    return lines


def downloaded(client, audience: str, file_format: str) -> dict[tuple[str, str], list]:
    import csv
    import io

    import openpyxl

    query = {**OCTOBER, "audience": audience, "format": file_format}
    response = client.get(reverse("reports:programme_download"), query)
    assert response.status_code == 200
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    return {(row[0], row[1] or ""): list(row[2:]) for row in rows[1:]}


def test_the_downloads_hold_the_catalogues_figures_for_the_period(world):
    a = world["a"]
    build(a.org, random.Random(8))
    from haki.core import reauth

    for role, audience in ((Role.COORDINATOR, "internal"), (Role.ANALYST, "external")):
        client = verified_client(a.users[role])
        session = client.session
        session[reauth.REAUTH_SESSION_KEY] = time.time()
        session.save()
        expected = expected_lines(a.org, audience)
        assert any(v not in (None, 0) for line in expected.values() for v in line)
        as_text = {k: ["" if v is None else str(v) for v in line] for k, line in expected.items()}
        assert downloaded(client, audience, "csv") == as_text
        assert downloaded(client, audience, "xlsx") == expected
