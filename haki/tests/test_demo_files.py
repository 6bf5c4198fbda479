"""The example import files that come with the demo import cleanly into it."""

from __future__ import annotations

from importlib import resources

import pytest

from haki import provisioning
from haki.core.importing import run_import
from haki.core.spreadsheets import read_table
from haki.members.imports import import_members, suggest
from haki.members.models import Member

DEMO = resources.files("haki.demo")


@pytest.fixture
def demo(db):
    org, _ = provisioning.apply(provisioning.load((DEMO / "kisumu-demo.yaml").read_text()))
    return org


def test_the_example_members_and_cases_import_into_the_demo(demo):
    members = (DEMO / "import-members.csv").read_bytes()
    assert run_import("members", demo, members, "import-members.csv", "tester") == 3
    assert Member.objects.with_phone(demo, "+254190200012").get().alias == "Imani"
    cases = (DEMO / "import-cases.csv").read_bytes()
    assert run_import("cases", demo, cases, "import-cases.csv", "tester") == 3


def test_the_example_frontlinesms_export_imports_once_an_area_is_chosen(demo):
    data = (DEMO / "import-frontlinesms.csv").read_bytes()
    table = read_table(data, "import-frontlinesms.csv")
    mapping = suggest(table.header)
    mapping.area = "KSM-C"
    assert import_members(demo, table, "tester", mapping) == 2
    assert not Member.objects.filter(organisation=demo, alias__startswith="Demo Contact").exists()
