from __future__ import annotations

import csv
import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import verified_client
from haki.cases.importer import ImportRejected, import_cases
from haki.cases.models import Case
from haki.core.models import AuditEvent
from haki.core.roles import Role

HEADER = (
    "date,area,place,violations,perpetrator,unit,actions,outcome,consent_reports,"
    "consent_police,narrative"
)
GOOD_ROWS = [
    "2023-04-11,CEN,street,Arbitrary arrest;EXTORTION OR BRIBE,regular_police,Central station,"
    "bond_release;Complaint filed,released,yes,no,Picked up on the way home",
    "2023-05,cen,Bar or lodge,raid,Anti-narcotics unit,,,,no,yes,",
    "2023,ROOT,home,took_report_seriously,regular police,Central station,,,YES,No,"
    '"He said: ""go home"""',
]


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_a_valid_csv_imports_every_row_with_its_lists_and_consents(world):
    a = world["a"]
    assert import_cases(a.org, "history.csv", csv_file(*GOOD_ROWS)) == 3
    imported = list(Case.objects.filter(organisation=a.org, source="import").order_by("number"))
    first, second, third = imported
    assert [c.number for c in imported] == [2, 3, 4]
    assert {v.key for v in first.violations.all()} == {"arbitrary_arrest", "extortion"}
    assert {x.action for x in first.actions.all()} == {"bond_release", "complaint_filed"}
    assert (first.outcome, first.consent_reports, first.consent_police) == ("released", True, False)
    assert first.narrative == "Picked up on the way home"
    assert (str(second.occurred_on), second.date_is_approximate) == ("2023-05-01", True)
    assert second.perpetrator == "anti_narcotics" and second.area == a.central
    assert (str(third.occurred_on), third.date_is_approximate) == ("2023-01-01", True)
    assert third.narrative == 'He said: "go home"'


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(world):
    a = world["a"]
    rows = [
        GOOD_ROWS[0],
        "2023-02-30,CEN,street,raid,regular_police,,,,yes,no,",  # no such day
        "2023-04-11,NOWHERE,street,raid,regular_police,,,,yes,no,",
        "2023-04-11,CEN,rooftop,dancing,regular_police,,,,maybe,no,",
        GOOD_ROWS[1],
    ]
    with pytest.raises(ImportRejected) as rejected:
        import_cases(a.org, "history.csv", csv_file(*rows))
    reported = [(p.row, p.column) for p in rejected.value.problems]
    assert reported == [
        (3, "date"),
        (4, "area"),
        (5, "place"),
        (5, "consent_reports"),
        (5, "violations"),
        (5, "violations"),
    ]
    # Named by row and column, never by what the cell holds.
    assert str(rejected.value.problems[1]) == "row 4, column area: no area has this code"
    assert not any("NOWHERE" in str(p) or "rooftop" in str(p) for p in rejected.value.problems)
    assert Case.objects.filter(organisation=a.org).count() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"date,area,place\n2023-01-01,CEN,street\n",
        (HEADER.replace("narrative", "notes") + "\n").encode(),
        b"",
        HEADER.encode() + b"\n",
        "\ufffe\x00\x80garbage".encode("utf-16"),
    ],
)
def test_files_without_exactly_the_expected_columns_are_refused(world, content):
    with pytest.raises(ImportRejected):
        import_cases(world["a"].org, "history.csv", content)
    assert Case.objects.filter(organisation=world["a"].org).count() == 1


def test_an_xlsx_file_with_real_dates_imports(world):
    import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    when = datetime.datetime(2024, 2, 3)
    sheet.append([when, "CEN", "street", "raid", "client", None, None, None, "no", "no", None])
    out = io.BytesIO()
    book.save(out)
    assert import_cases(world["a"].org, "ledger.xlsx", out.getvalue()) == 1
    case = Case.objects.get(organisation=world["a"].org, source="import")
    assert str(case.occurred_on) == "2024-02-03" and not case.date_is_approximate


def test_the_command_imports_or_lists_the_problems(world, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_file(*GOOD_ROWS))
    bad.write_bytes(csv_file("2023-04-11,CEN,street,raid,police chief,,,,yes,no,"))
    with pytest.raises(CommandError, match="nothing imported: 1 problem"):
        call_command("import_cases", "--org", "org-a", str(bad))
    err = capsys.readouterr().err
    assert "row 2, column perpetrator: a value is not in the list" in err
    assert "police chief" not in err
    call_command("import_cases", "--org", "org-a", str(good))
    assert "imported 3 cases into org-a" in capsys.readouterr().out
    call_command("import", "cases", "--org", "org-a", str(good))
    assert Case.objects.filter(organisation__slug="org-a", source="import").count() == 6
    with pytest.raises(CommandError, match="no organisation"):
        call_command("import_cases", "--org", "nope", str(good))


def test_the_upload_page_reports_problems_and_imports_good_files(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    bad = SimpleUploadedFile("h.csv", csv_file("2023-13-01,CEN,street,raid,client,,,,yes,no,"))
    response = client.post(reverse("cases:import"), {"file": bad})
    assert response.status_code == 400
    assert "row 2, column date" in response.content.decode()
    good = SimpleUploadedFile("h.csv", csv_file(*GOOD_ROWS))
    response = client.post(reverse("cases:import"), {"file": good})
    assert response.status_code == 302
    assert Case.objects.filter(organisation=a.org).count() == 4


def reauthenticate(client, user, password: str = "x" * 16):
    device = TOTPDevice.objects.get(user=user, name="default")
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    # A code already used at sign-in is refused; each test starts with a fresh one.
    return client.post(
        reverse("core:reauth"),
        {"password": password, "token": f"{token:06d}", "next": reverse("cases:export")},
    )


def test_exporting_asks_for_the_password_and_a_code_again(world):
    a = world["a"]
    user = a.users[Role.COORDINATOR]
    client = verified_client(user)
    response = client.get(reverse("cases:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauth"))
    refused = reauthenticate(client, user, password="wrong-password")
    assert refused.status_code == 200 and "not right" in refused.content.decode()
    assert client.get(reverse("cases:export")).status_code == 302
    assert reauthenticate(client, user)["Location"] == reverse("cases:export")
    assert client.get(reverse("cases:export")).status_code == 200


def test_exports_escape_formulas_and_are_audited(world):
    a = world["a"]
    a.case.unit = '=HYPERLINK("http://example.invalid","Click")'
    a.case.narrative = "+254190100001 called"
    a.case.save()
    user = a.users[Role.COORDINATOR]
    client = verified_client(user)
    reauthenticate(client, user)
    before = AuditEvent.objects.filter(action="export").count()
    response = client.post(reverse("cases:export"), {"format": "csv", "personal": "on"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["unit"] == '\'=HYPERLINK("http://example.invalid","Click")'
    assert rows[0]["narrative"] == "'+254190100001 called"
    assert rows[0]["violations"] == "arbitrary_arrest"
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    response = client.post(reverse("cases:export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    unit = sheet.cell(row=2, column=header.index("unit") + 1)
    assert unit.data_type == "s" and unit.value.startswith("=HYPERLINK")
    assert "narrative" not in header and "officer" not in header  # not asked for


def test_an_export_can_be_imported_again(world):
    a = world["a"]
    user = a.users[Role.COORDINATOR]
    client = verified_client(user)
    reauthenticate(client, user)
    exported = client.post(reverse("cases:export"), {"format": "csv", "personal": "on"}).content
    text = exported.decode("utf-8-sig")
    columns = HEADER.split(",")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[row[c] for c in columns] for row in rows])
    assert import_cases(world["a"].org, "again.csv", out.getvalue().encode()) == 1


def test_the_reauthentication_lasts_minutes_not_the_session(world, monkeypatch):
    a = world["a"]
    user = a.users[Role.OWNER]
    client = verified_client(user)
    reauthenticate(client, user)
    assert client.get(reverse("cases:export")).status_code == 200
    later = time.time() + 301
    monkeypatch.setattr("haki.core.reauth.time.time", lambda: later)
    assert client.get(reverse("cases:export")).status_code == 302
