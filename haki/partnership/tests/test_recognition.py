"""Recognition: a nomination's evidence as reviewers see it, the decision, and the
evidence letter, which names no member, carries no number and no narrative the member
did not agree to see used."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import verified_client
from haki.cases.models import Case
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.partnership.cases import name_officer
from haki.partnership.recognition import Nomination, nominate
from haki.partnership.tests.factories import officer, station
from haki.reports.catalogue import Scope

D = datetime.date
ALIAS = "Wanjiru-QZX"
CONSENTED = "She kept me safe from the client QVQ-consented"
SECRET = "He drove me home ZZZ-unconsented"
SERVICE_NUMBER = "KP-778899"


def case(org, area, day, acts: list[str], narrative: str, consent: bool, member=None) -> Case:
    found = Case(
        organisation=org,
        occurred_on=day,
        area=area,
        place="street",
        perpetrator="regular_police",
        consent_reports=consent,
        member=member,
    )
    found.narrative = narrative
    found.save()
    found.violations.set(org.violation_types.filter(key__in=acts))
    return found


@pytest.fixture
def officer_with_acts(world):
    a = world["a"]
    a.member.alias = ALIAS
    a.member.save()
    helper = officer(a.org, SERVICE_NUMBER, rank="Sergeant")
    helper.name = "Achieng Otieno"  # the factory's name carries the number
    helper.save()
    helper.move(station(a.org, "C1", a.central), D(2025, 1, 1))
    kept_safe = case(
        a.org, a.central, D(2026, 2, 3), ["protected_from_client"], CONSENTED, True, a.member
    )
    drove = case(a.org, a.central, D(2026, 4, 9), ["referred_to_service"], SECRET, False, a.member)
    abuse = case(a.org, a.central, D(2026, 5, 1), ["extortion"], "took money", True)
    for found in (kept_safe, drove, abuse):
        name_officer(found, helper)
    return a, helper, kept_safe, drove, abuse


def test_evidence_is_only_positive_acts_naming_the_officer(officer_with_acts, world):
    a, helper, kept_safe, drove, abuse = officer_with_acts
    other = officer(a.org, "KP-1")
    unnamed = case(a.org, a.central, D(2026, 2, 3), ["protected_from_client"], "x", True)
    for wrong in ([abuse], [unnamed], [world["b"].case], []):
        with pytest.raises(ValidationError):
            nominate(helper, [kept_safe, *wrong] if wrong else [], "Award", D(2026, 6, 1), None)
    with pytest.raises(ValidationError):
        nominate(other, [kept_safe], "Award", D(2026, 6, 1), None)
    assert not Nomination.objects.exists()
    found = nominate(helper, [kept_safe, drove], "Award", D(2026, 6, 1), None)
    assert found.station.code == "C1" and set(found.cases.all()) == {kept_safe, drove}


def test_a_coordinator_nominates_decides_and_prints_a_letter_naming_no_member(officer_with_acts):
    a, helper, kept_safe, drove, _abuse = officer_with_acts
    client = verified_client(a.users[Role.COORDINATOR])
    found = client.post(reverse("partnership:nominations"), {"service_number": " kp-778899"})
    nominate_url = reverse("partnership:nominate", kwargs={"ally": helper.uuid})
    assert found["Location"] == nominate_url
    form = client.get(nominate_url).content.decode()
    assert "Protected from a client" in form and "Extortion" not in form
    assert ALIAS not in form and not re.search(rf"#{kept_safe.number}\b", form)
    response = client.post(
        nominate_url,
        {"award": "Commendation", "nominated_on": "2026-06-01", "cases": [kept_safe.pk, drove.pk]},
    )
    nomination = Nomination.objects.get()
    assert response["Location"] == reverse(
        "partnership:nomination", kwargs={"nomination": nomination.uuid}
    )
    page = client.get(response["Location"]).content.decode()
    assert CONSENTED in page and SECRET not in page and ALIAS not in page
    early = client.post(response["Location"], {"decision": "awarded", "decided_on": "2026-05-01"})
    assert early.status_code == 400 and b"on or after the nomination" in early.content
    client.post(response["Location"], {"decision": "awarded", "decided_on": "2026-06-20"})
    nomination.refresh_from_db()
    assert (nomination.decision, nomination.decided_on) == ("awarded", D(2026, 6, 20))
    assert nomination.decided_by == a.users[Role.COORDINATOR]
    letter = client.get(reverse("partnership:letter", kwargs={"nomination": nomination.uuid}))
    body = letter.content.decode()
    assert helper.name in body and "Commendation" in body and CONSENTED in body
    for planted in (ALIAS, SECRET, SERVICE_NUMBER, "778899", a.member.phone, "took money"):
        assert planted not in body, planted
    for number in (kept_safe.number, drove.number):
        assert not re.search(rf"#{number}\b", body)
    exports = AuditEvent.objects.filter(organisation=a.org, action="export")
    assert exports.filter(object_type="partnership.nomination").count() == 1
    scope = Scope(a.org, D(2026, 6, 1), D(2026, 6, 30))
    from haki.partnership.indicators import awards_given

    assert awards_given(scope).numerator == 1
    assert awards_given(Scope(a.org, D(2026, 7, 1), D(2026, 7, 31))).numerator == 0


def test_the_letter_as_pdf_is_audited(officer_with_acts):
    pytest.importorskip("weasyprint")
    a, helper, kept_safe, _drove, _abuse = officer_with_acts
    found = nominate(helper, [kept_safe], "Commendation", D(2026, 6, 1), None)
    client = verified_client(a.users[Role.OWNER])
    response = client.get(reverse("partnership:letter_pdf", kwargs={"nomination": found.uuid}))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(organisation=a.org, action="export").count() == 1


def test_police_allies_and_caseworkers_see_no_nomination(officer_with_acts):
    a, helper, kept_safe, _drove, _abuse = officer_with_acts
    found = nominate(helper, [kept_safe], "Commendation", D(2026, 6, 1), None)
    for role in (Role.POLICE_ALLY, Role.CASEWORKER, Role.ANALYST):
        client = verified_client(a.users[role])
        for name in ("partnership:nomination", "partnership:letter"):
            url = reverse(name, kwargs={"nomination": found.uuid})
            assert client.get(url).status_code == 403
