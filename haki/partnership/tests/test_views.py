import datetime

import pytest
from django.urls import reverse

from conftest import verified_client
from haki.cases.models import CaseViolation
from haki.core.models import AuditEvent
from haki.core.reauth import REAUTH_SESSION_KEY
from haki.core.roles import Role
from haki.partnership.cases import name_officer
from haki.partnership.models import Attendance, CaseStation
from haki.partnership.tests.factories import attend, officer, station, training

D = datetime.date


@pytest.fixture
def setup(world):
    a = world["a"]
    central = station(a.org, "C1", a.central, 10, D(2025, 1, 1))
    trained, untrained = officer(a.org, "KP1"), officer(a.org, "KP2", ["district_focal_point"])
    trained.move(central, D(2025, 1, 1))
    untrained.move(central, D(2025, 2, 1))
    course = training(a.org, "Rights", D(2025, 3, 1))
    attend(course, trained, 40, 90)
    return a, central, trained, untrained, course


def test_the_coverage_page_shows_the_figures_and_whom_to_invite(setup):
    a, _central, _trained, untrained, _course = setup
    client = verified_client(a.users[Role.COORDINATOR])
    response = client.get(reverse("partnership:coverage"), {"day": "2025-06-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "10.0%" in body  # one trained officer of a force of ten
    assert untrained.name in body and "Officer KP1" not in body.split("<ol>")[1]
    assert AuditEvent.objects.filter(
        organisation=a.org, action="view", object_type="partnership.ally"
    ).exists()


def test_the_coverage_page_takes_the_same_queries_for_more_officers(
    setup, django_assert_max_num_queries
):
    a, central, *_ = setup
    for n in range(30):
        officer(a.org, f"KP{100 + n}").move(central, D(2025, 4, 1))
    client = verified_client(a.users[Role.COORDINATOR])
    client.get(reverse("partnership:coverage"))
    # Session, role, organisation, the four loads of the history, the invited and
    # their audit events: a constant, never one per officer or station.
    with django_assert_max_num_queries(20):
        assert client.get(reverse("partnership:coverage")).status_code == 200


def test_a_bad_date_is_refused_on_the_field_not_with_an_error_page(setup):
    a, *_ = setup
    client = verified_client(a.users[Role.COORDINATOR])
    response = client.get(reverse("partnership:coverage"), {"day": "yesterday"})
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()


def test_a_caseworker_records_attendance_and_scores_out_of_scale_are_refused(setup):
    a, _central, _trained, untrained, course = setup
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:record_attendance", kwargs={"training": course.uuid})
    refused = client.post(url, {"service_number": "kp2", "pre_score": "120"})
    assert refused.status_code == 400 and "100" in refused.content.decode()
    assert not Attendance.objects.filter(ally=untrained).exists()
    unknown = client.post(url, {"service_number": "KP404"})
    assert unknown.status_code == 400
    assert "No officer has this service number" in unknown.content.decode()
    assert client.post(url, {"service_number": "kp 2", "pre_score": "30"}).status_code == 302
    assert Attendance.objects.get(ally=untrained).pre_score == 30


def test_a_police_ally_sees_only_their_own_training_record(setup):
    a, _central, trained, _untrained, _course = setup
    police = a.users[Role.POLICE_ALLY]
    trained.user = police
    trained.save()
    client = verified_client(police)
    body = client.get(reverse("partnership:me")).content.decode()
    assert "Rights" in body and "90" in body
    assert a.member.alias not in body
    for name in ("partnership:coverage", "partnership:allies", "partnership:trainings"):
        assert client.get(reverse(name)).status_code == 403


def test_exporting_allies_needs_a_fresh_sign_in_and_is_audited(setup):
    a, *_ = setup
    client = verified_client(a.users[Role.COORDINATOR])
    assert client.get(reverse("partnership:allies_export")).status_code == 302
    session = client.session
    import time

    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    response = client.get(reverse("partnership:allies_export"))
    assert response.status_code == 200 and b"KP1" in response.content
    assert AuditEvent.objects.filter(organisation=a.org, action="export").count() == 2


def test_does_training_work_counts_cases_by_whether_the_officer_was_trained(setup):
    a, central, trained, untrained, _course = setup
    case = a.case  # an arbitrary arrest on 2026-03-14, after the training
    name_officer(case, trained)
    name_officer(case, untrained)
    CaseStation.objects.create(case=case, station=central)
    assert CaseViolation.objects.filter(case=case).exists()
    client = verified_client(a.users[Role.OWNER])
    body = client.get(reverse("partnership:evaluation")).content.decode()
    rows = body.split("Officer trained")[1].split("</tr>")[0]
    assert ">1<" in rows
    assert "Station C1" in body


def test_a_caseworker_names_an_officer_in_a_case_by_service_number(setup):
    a, _central, trained, *_ = setup
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:case_officers", kwargs={"case": a.case.uuid})
    assert client.get(url).status_code == 200
    assert client.post(url, {"service_number": "KP404"}).status_code == 400
    assert client.post(url, {"service_number": "kp1"}).status_code == 302
    assert client.post(url, {"service_number": "KP1"}).status_code == 302  # once only
    assert "1 officer named" in client.get(url).content.decode()
    (link,) = a.case.officer_links.all()
    assert link.ally_ref == str(trained.uuid) and str(trained.uuid) not in link.ally_sealed


def test_a_cases_free_text_unit_becomes_its_station(setup):
    a, central, *_ = setup
    a.case.__class__.objects.filter(pk=a.case.pk).update(unit="  station c1 ")
    client = verified_client(a.users[Role.COORDINATOR])
    assert client.post(reverse("partnership:link_units")).status_code == 302
    assert CaseStation.objects.get(case=a.case).station == central


def test_a_coordinator_merges_two_records_of_one_officer(setup):
    a, _central, trained, untrained, _course = setup
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("partnership:merge")
    assert client.post(url, {"keep": "KP1", "other": "kp1"}).status_code == 400
    assert client.post(url, {"keep": "KP1", "other": "KP404"}).status_code == 400
    assert client.post(url, {"keep": "KP1", "other": "KP2"}).status_code == 302
    assert not untrained.__class__.objects.filter(pk=untrained.pk).exists()
    assert trained.postings.count() == 2
