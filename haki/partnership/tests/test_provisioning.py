import datetime
from importlib import resources

import pytest

from haki import provisioning
from haki.crisis.models import Responder
from haki.partnership.models import Ally, Attendance, Station, Training

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


@pytest.mark.django_db
def test_the_demo_gets_stations_allies_and_two_trainings():
    org, _ = provisioning.apply(provisioning.load(DEMO))
    central = Station.objects.get(organisation=org, code="KSM-CPS")
    assert central.force_size_on(datetime.date(2026, 6, 1)) == 60
    eshe = Ally.objects.get(organisation=org, service_number_index=org.keyring.index("DEMO-1001"))
    assert eshe.name == "Demo Officer Eshe" and eshe.user.username == "police"
    # The number is kept once, on the responder the demo already has.
    assert eshe.responder == Responder.objects.with_phone(org, "+254190000009").get()
    assert eshe.responder.first_in_tier
    assert Training.objects.filter(organisation=org).count() == 2
    assert Attendance.objects.filter(organisation=org).count() == 3
    assert Training.objects.get(organisation=org, kind="tot").hours == 16


@pytest.mark.django_db
def test_provisioning_the_partnership_twice_changes_nothing():
    provisioning.apply(provisioning.load(DEMO))
    _, changes = provisioning.apply(provisioning.load(DEMO))
    assert changes.created == 0 and changes.updated == 0, str(changes)


@pytest.mark.django_db
def test_a_later_posting_in_the_file_records_a_transfer():
    org, _ = provisioning.apply(provisioning.load(DEMO))
    moved = DEMO.replace(
        "station: KSM-CPS, posted_on: 2025-05-12", "station: KSM-EPP, posted_on: 2026-02-01"
    )
    provisioning.apply(provisioning.load(moved))
    ally = Ally.objects.get(organisation=org, service_number_index=org.keyring.index("DEMO-1003"))
    assert ally.posting_on(datetime.date(2025, 12, 1)).station.code == "KSM-CPS"
    assert ally.posting_on(datetime.date(2026, 3, 1)).station.code == "KSM-EPP"


def problems(text: str) -> list[str]:
    with pytest.raises(provisioning.ProvisioningError) as refused:
        provisioning.load(text)
    return [str(p) for p in refused.value.problems]


@pytest.mark.django_db
def test_bad_partnership_items_are_refused_with_their_line_and_field():
    out_of_scale = DEMO.replace("force_size: 25", "force_size: -4").replace(
        "pre_score: 45", "pre_score: 145"
    )
    found = problems(out_of_scale)
    assert any("stations[1].force_size" in p for p in found)
    assert any("trainings[0].attendance[0].pre_score" in p for p in found)
    unknown = DEMO.replace("station: KSM-EPP, posted_on", "station: NOWHERE, posted_on").replace(
        "ends_on: 2025-06-10", "ends_on: 2025-06-01"
    )
    found = problems(unknown)
    assert any("allies[3].station" in p for p in found)
    assert any("trainings[0].ends_on" in p for p in found)
    assert all(p.startswith("line ") for p in found)
