"""The import page: upload, choose the columns, import every row or none."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import verified_client
from haki.core.roles import Role
from haki.members.models import Member

FRONTLINE = (
    b"Name,Mobile Number,Email,Group,Notes\n"
    b"Legal Name One,+254190600001,,Drop In,\n"
    b"Legal Name Two,0190600002,,,\n"
)


def kept_files() -> list:
    folder = settings.VAR_DIR / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def selected(page: str, field: str) -> str:
    select = re.search(rf'<select name="{field}".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else ""


def test_a_frontlinesms_export_is_mapped_and_imported_without_legal_names(world):
    org = world["a"].org
    client = verified_client(world["a"].users[Role.COORDINATOR])
    before = set(kept_files())
    response = client.post(
        reverse("members:import"), {"file": SimpleUploadedFile("contacts.csv", FRONTLINE)}
    )
    assert response.status_code == 302 and response["Location"] == reverse("members:import_map")
    # Kept encrypted on disk; the session holds only a token.
    (kept,) = set(kept_files()) - before
    assert b"190600001" not in kept.read_bytes() and b"Legal" not in kept.read_bytes()
    session = str(dict(client.session))
    assert "190600001" not in session and "Legal" not in session and "contacts" not in session

    page = client.get(reverse("members:import_map")).content.decode()
    assert "Mobile Number" in page and "2 rows" in page
    assert selected(page, "phone") == "1" and selected(page, "groups") == "3"
    assert selected(page, "alias") == ""  # a Name column is never chosen for the alias

    response = client.post(reverse("members:import_map"), {"phone": "1", "default_area": "CEN"})
    assert response.status_code == 302
    imported = Member.objects.with_phone(org, "+254190600002").get()
    assert imported.alias.startswith("M-") and imported.area.code == "CEN"
    assert not Member.objects.filter(alias__startswith="Legal").exists()
    assert kept not in kept_files()


def test_problems_are_listed_by_row_and_column_and_nothing_is_imported(world):
    org = world["a"].org
    client = verified_client(world["a"].users[Role.COORDINATOR])
    data = b"alias,phone,area\nNeema,+254190600001,NOWHERE\nAmani,12,CEN\n"
    client.post(reverse("members:import"), {"file": SimpleUploadedFile("m.csv", data)})
    response = client.post(reverse("members:import_map"), {"alias": "0", "phone": "1", "area": "2"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "row 2, column area" in page and "row 3, column phone" in page
    assert "NOWHERE" not in page.split("<form")[0].split("<h1>")[1]
    assert Member.objects.filter(organisation=org).count() == 1
    # Two fields from one column are refused by the form.
    response = client.post(reverse("members:import_map"), {"phone": "1", "alias": "1"})
    assert response.status_code == 200 and "one field only" in response.content.decode()


def test_a_hostile_upload_gets_a_message_not_an_error(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    bad = SimpleUploadedFile("m.xlsx", b"PK\x03\x04 not a workbook")
    response = client.post(reverse("members:import"), {"file": bad})
    assert response.status_code == 400
    assert "not a readable XLSX file" in response.content.decode()
    assert client.get(reverse("members:import_map"))["Location"] == reverse("members:import")
