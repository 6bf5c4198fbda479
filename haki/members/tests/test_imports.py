"""Importing members: our own columns, RapidPro and FrontlineSMS exports as they are,
all rows or none, problems by row and column."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from haki.core.importing import ImportRejected, run_import
from haki.core.models import AuditEvent
from haki.core.spreadsheets import Table, read_table
from haki.members.imports import Mapping, import_members, suggest
from haki.members.models import Member


@pytest.fixture(autouse=True)
def _in_english():
    # Problems are asserted in English, whatever an earlier test left active.
    with translation.override("en"):
        yield


HEADER = (
    "alias,phone,area,language,groups,codewords,share_number_with_responders,allow_police_referral"
)


def members_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(org, data: bytes, mapping: Mapping | None = None) -> int:
    return import_members(org, read_table(data, "m.csv"), "tester", mapping)


def test_members_are_imported_with_their_lists_and_consents(world):
    org = world["a"].org
    data = members_csv(
        "Neema,0190300001,cen,sw,Peer Educators;drop-in,NYOTA;JUA KALI,yes,no",
        "Amani,+254 190 300002,ROOT,,,,,",
    )
    assert run(org, data) == 2
    neema = Member.objects.with_phone(org, "+254190300001").get()
    assert (neema.alias, neema.area.code, neema.language) == ("Neema", "CEN", "sw")
    assert neema.codewords == ["JUA KALI", "NYOTA"]
    assert sorted(g.name for g in neema.groups.all()) == ["drop-in", "peer-educators"]
    assert neema.share_number_with_responders and not neema.allow_police_referral
    amani = Member.objects.with_phone(org, "0190300002").get()
    assert amani.language == "en" and not amani.share_number_with_responders
    assert AuditEvent.objects.filter(actor="tester", object_type="members.member").count() == 2


def test_reimporting_a_number_updates_only_what_the_row_gives(world):
    a = world["a"]
    data = members_csv(",0190100001,,,,,,yes", header=HEADER)
    assert run(a.org, data) == 1
    member = Member.objects.get(pk=a.member.pk)
    assert member.alias == "org-a-alias" and member.codewords == ["BLUEGIRAFFE"]
    assert member.language == "sw" and member.allow_police_referral
    assert Member.objects.filter(organisation=a.org).count() == 1


def test_every_problem_is_named_by_row_and_column_and_nothing_is_imported(world):
    org = world["a"].org
    data = members_csv(
        "Neema,12,CEN,,,,,",
        "Amani,0190300002,NOWHERE,fr,,,maybe,",
        "Baraka,0190300003,CEN,,,Stop,,",
        "Rehema,0190300002,CEN,,,,,",
        "Zuri,0190300005,,,,,,",
    )
    with pytest.raises(ImportRejected) as rejected:
        run(org, data)
    found = [(p.row, p.column) for p in rejected.value.problems]
    assert found == [
        (2, "phone"),
        (3, "area"),
        (3, "language"),
        (3, "share_number_with_responders"),
        (4, "codewords"),
        (5, "phone"),
    ]
    text = " ".join(str(p) for p in rejected.value.problems)
    assert not any(value in text for value in ("NOWHERE", "maybe", "Stop", "0190300002"))
    assert Member.objects.filter(organisation=org).count() == 1
    # A new member with no area anywhere: the row is named once the rest is right.
    with pytest.raises(ImportRejected) as rejected:
        run(org, members_csv("Zuri,0190300005,,,,,,"))
    assert [(p.row, p.column) for p in rejected.value.problems] == [(2, "area")]


def test_a_rapidpro_export_is_imported_as_it_is_without_taking_names(world):
    org = world["a"].org
    header = "Contact UUID,Name,Language,URN:Tel,Field:area,Field:Gender,Group:Peers"
    data = members_csv(
        "0b4c…,Legal Name One,swa,+254190400001,CEN,f,1",
        "1c5d…,Legal Name Two,eng,+254190400002,ROOT,f,0",
        header=header,
    )
    mapping = suggest(read_table(data, "contacts.csv").header)
    assert mapping.columns == {"language": 2, "phone": 3, "area": 4}
    assert run(org, data) == 2
    aliases = list(
        Member.objects.filter(organisation=org, language__in=["sw", "en"])
        .exclude(alias="org-a-alias")
        .values_list("alias", flat=True)
    )
    assert len(aliases) == 2 and all(a.startswith("M-") for a in aliases)
    assert Member.objects.with_phone(org, "+254190400001").get().language == "sw"


def test_an_xlsx_export_with_numbers_as_number_cells_is_read(world):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Name", "URN:Tel", "Field:area"])
    book.active.append(["Legal Name", 254190400003, "CEN"])
    book.active.append(["Legal Name", "tel:+254190400004", "CEN"])
    out = io.BytesIO()
    book.save(out)
    org = world["a"].org
    assert import_members(org, read_table(out.getvalue(), "c.xlsx"), "tester") == 2
    assert Member.objects.with_phone(org, "+254190400003").exists()
    assert Member.objects.with_phone(org, "+254190400004").exists()


def test_a_frontlinesms_export_with_a_chosen_area_and_the_name_chosen_as_alias(world):
    org = world["a"].org
    header = "Name,Mobile Number,Email,Group,Notes"
    data = members_csv("Nyota,+254190500001,,Drop In,", header=header)
    mapping = suggest(read_table(data, "f.csv").header)
    assert mapping.columns == {"phone": 1, "groups": 3}
    mapping.columns["alias"] = 0  # chosen by the person importing
    mapping.area = "CEN"
    assert run(org, data, mapping) == 1
    member = Member.objects.with_phone(org, "+254190500001").get()
    assert member.alias == "Nyota" and member.area.code == "CEN"
    assert [g.name for g in member.groups.all()] == ["drop-in"]


def test_a_thousand_members_take_a_few_queries(world, django_assert_max_num_queries):
    org = world["a"].org
    rows = [f"M{n},+2541906{n:05d},CEN,sw,peers,,yes,no" for n in range(1000)]
    table = read_table(members_csv(*rows), "m.csv")
    with django_assert_max_num_queries(50):
        assert run_import_table(org, table) == 1000
    assert Member.objects.filter(organisation=org).count() == 1001
    with django_assert_max_num_queries(50):
        assert run_import_table(org, table) == 1000  # again: nothing new, nothing changed


def run_import_table(org, table: Table) -> int:
    return import_members(org, table, "tester")


def test_the_command_imports_members_or_lists_the_problems(world, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(members_csv("Neema,0190300001,CEN,sw,,,yes,no"))
    bad.write_bytes(members_csv("Neema,0190300001,NOWHERE,sw,,,yes,no"))
    with pytest.raises(CommandError, match="nothing imported: 1 problem"):
        call_command("import", "members", "--org", "org-a", str(bad))
    assert "row 2, column area: no area has this code" in capsys.readouterr().err
    call_command("import", "members", "--org", "org-a", str(good))
    assert "imported 1 members into org-a" in capsys.readouterr().out
    assert run_import("members", world["a"].org, good.read_bytes(), "g.csv", "x") == 1
