"""The ``checklists:`` section of the provisioning file."""

from importlib import resources

import pytest
from django.utils import translation

from haki import provisioning
from haki.partnership.monitoring import STANDARD_CHECKLISTS, ChecklistItem, ChecklistTemplate

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()
OWN = """
  - key: clinic-visit
    name: Clinic visit
    items:
      - {key: cards, text: Referral cards on the desk, weight: 2}
      - {key: staff, text: Staff know the referral code}
"""


def with_own(own: str = OWN) -> str:
    """The demo file with a checklist of the organisation's own after the shipped one."""
    shipped = "standard: instruction-417}\n"
    return DEMO.replace(shipped, shipped + own.lstrip("\n"), 1)


@pytest.mark.django_db
def test_the_demo_ships_the_instruction_417_checklist_in_the_readers_language():
    org, _ = provisioning.apply(provisioning.load(DEMO))
    template = ChecklistTemplate.objects.get(organisation=org, key="instruction-417")
    items = list(template.items.all())
    assert [(i.key, i.weight) for i in items] == [
        (key, weight) for key, _t, weight in STANDARD_CHECKLISTS["instruction-417"]
    ]
    with translation.override("sw"):
        assert items[0].display_text != items[0].text  # shipped texts are translated


@pytest.mark.django_db
def test_a_checklist_of_its_own_changes_only_what_the_file_names(django_assert_max_num_queries):
    org, _ = provisioning.apply(provisioning.load(with_own()))
    staff = ChecklistItem.objects.get(template__organisation=org, key="staff")
    assert staff.weight == 1
    staff.weight = 4  # set on the web
    staff.save()
    _, again = provisioning.apply(provisioning.load(with_own()))
    assert again.created == 0 and again.updated == 0, str(again)
    staff.refresh_from_db()
    assert staff.weight == 4  # the file names no weight for it: left alone
    changed = with_own(OWN.replace("weight: 2", "weight: 3"))
    _org, preview = provisioning.dry_run(provisioning.load(changed))
    assert [c.describe() for c in preview.items] == ["checklists[1]: changed items"]
    assert ChecklistItem.objects.get(template__organisation=org, key="cards").weight == 2
    spec = provisioning.load(changed)
    with django_assert_max_num_queries(60):
        provisioning.apply(spec)
    assert ChecklistItem.objects.get(template__organisation=org, key="cards").weight == 3


def problems(text: str) -> list[str]:
    with pytest.raises(provisioning.ProvisioningError) as refused:
        provisioning.load(text)
    return [str(p) for p in refused.value.problems]


@pytest.mark.django_db
def test_bad_checklists_are_refused_with_their_line_and_field():
    found = problems(with_own(OWN.replace("weight: 2", "weight: 40")))
    assert any("checklists[1].items[0].weight" in p for p in found)
    found = problems(with_own(OWN.replace("key: staff", "key: cards")))
    assert any("checklists[1].items[1].key" in p and "twice" in p for p in found)
    both = with_own(
        OWN.replace("name: Clinic visit", "name: Clinic visit\n    standard: instruction-417")
    )
    assert any("either items or a standard" in p for p in problems(both))
    assert ChecklistTemplate.objects.count() == 0
