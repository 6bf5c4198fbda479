import datetime

import pytest

from haki.core.models import AuditEvent
from haki.partnership.cases import name_officer, officer_index
from haki.partnership.models import Ally, CaseOfficer, Posting
from haki.partnership.tests.factories import attend, officer, station, training

D = datetime.date


@pytest.fixture
def org(world):
    return world["a"]


def test_a_service_number_is_found_through_its_index_whatever_its_spacing(org):
    ally = officer(org.org, "kp 4471 ")
    index = org.org.keyring.index("KP4471")
    assert Ally.objects.get(organisation=org.org, service_number_index=index) == ally
    assert ally.service_number == "KP4471"
    assert (
        "KP4471"
        not in Ally.objects.filter(pk=ally.pk).values_list("service_number_sealed", flat=True)[0]
    )


def test_moving_an_officer_keeps_every_posting_and_leaving_is_a_posting(org):
    a, b = station(org.org, "A", org.central), station(org.org, "B", org.central)
    ally = officer(org.org, "KP1")
    ally.move(a, D(2024, 1, 1))
    ally.move(b, D(2025, 6, 1))
    ally.move(None, D(2026, 1, 1))
    assert ally.posting_on(D(2024, 12, 31)).station == a
    assert ally.posting_on(D(2025, 6, 1)).station == b
    assert ally.posting_on(D(2026, 2, 1)).station is None
    assert ally.posting_on(D(2023, 1, 1)) is None
    assert Posting.objects.filter(ally=ally).count() == 3


def test_a_force_size_keeps_its_history(org):
    a = station(org.org, "A", org.central, 40, D(2024, 1, 1))
    a.record_force_size(55, D(2025, 1, 1))
    assert a.force_size_on(D(2024, 6, 1)) == 40
    assert a.force_size_on(D(2025, 6, 1)) == 55
    assert a.force_size_on(D(2023, 6, 1)) is None


def test_merging_two_records_of_one_officer_keeps_everything_once(org):
    a = station(org.org, "A", org.central)
    keep = officer(org.org, "KP1", roles=["trainer"])
    other = Ally(organisation=org.org, kind=Ally.Kind.POLICE)
    other.name = "Officer again"
    other.roles = ["district_focal_point"]
    other.save()
    other.move(a, D(2024, 1, 1))
    shared, own = training(org.org, "T1", D(2024, 2, 1)), training(org.org, "T2", D(2024, 3, 1))
    attend(shared, keep, 40, 80)
    attend(shared, other, 40, 80)
    attend(own, other, 50, 60)
    name_officer(org.case, other)
    keep.merge(other, org.users["coordinator"])
    keep.refresh_from_db()
    assert not Ally.objects.filter(pk=other.pk).exists()
    assert keep.posting_on(D(2024, 6, 1)).station == a
    assert sorted(keep.attendances.values_list("training__name", flat=True)) == ["T1", "T2"]
    assert keep.roles == ["district_focal_point", "trainer"]
    index = officer_index(org.org, keep)
    assert CaseOfficer.objects.filter(case=org.case, ally_index=index).count() == 1
    assert AuditEvent.objects.filter(object_type__icontains="ally").count() >= 2
