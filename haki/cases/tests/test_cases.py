from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import verified_client
from haki.cases.models import Attachment, Case, ViolationType
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.crisis import alerts


def case_post(world, **overrides) -> dict:
    types = {t.key: t.pk for t in world.org.violation_types.all()}
    data = {
        "occurred_on": "2026-05-02",
        "occurred_at": "22:15",
        "area": world.central.pk,
        "place": "bar_or_lodge",
        "violations": [types["extortion"], types["took_report_seriously"]],
        "perpetrator": "regular_police",
        "unit": "Central station",
        "officer": "badge 2231, tall, moustache",
        "people_affected": "3",
        "action_complaint_filed": "on",
        "action_complaint_filed_on": "2026-05-04",
        "action_referral": "on",
        "outcome": "officer_reprimanded",
        "outcome_on": "2026-06-01",
        "consent_reports": "on",
        "narrative": "He asked for money to let us go.",
    }
    data.update(overrides)
    return data


def test_a_caseworker_records_a_case_with_its_actions_dates_and_consents(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.post(reverse("cases:create"), case_post(a))
    case = Case.objects.exclude(pk=a.case.pk).get(organisation=a.org)
    assert response["Location"] == reverse("cases:detail", kwargs={"case": case.uuid})
    assert case.number == a.case.number + 1
    assert {v.key for v in case.violations.all()} == {"extortion", "took_report_seriously"}
    assert {(x.action, str(x.done_on)) for x in case.actions.all()} == {
        ("complaint_filed", "2026-05-04"),
        ("referral", "None"),
    }
    assert (case.consent_reports, case.consent_police) == (True, False)
    assert case.people_affected == 3 and case.outcome == "officer_reprimanded"
    page = client.get(response["Location"]).content.decode()
    assert "badge 2231" in page and "He asked for money" in page
    assert "Complaint filed (2026-05-04)" in page


def test_the_narrative_and_the_officer_are_stored_encrypted(world):
    a = world["a"]
    verified_client(a.users[Role.CASEWORKER]).post(reverse("cases:create"), case_post(a))
    with connection.cursor() as cursor:
        cursor.execute("SELECT officer_sealed, narrative_sealed FROM cases_case")
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "badge 2231" not in stored and "asked for money" not in stored
    assert "taken to the cells" not in stored


def test_consents_default_off_and_a_case_needs_what_happened(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    form = client.get(reverse("cases:create")).context["form"]
    assert not form["consent_reports"].value() and not form["consent_police"].value()
    response = client.post(reverse("cases:create"), case_post(a, violations=[]))
    assert response.status_code == 400
    assert Case.objects.filter(organisation=a.org).count() == 1


def test_a_date_for_an_action_not_ticked_is_refused(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.post(
        reverse("cases:create"), case_post(a, action_bond_release_on="2026-05-03")
    )
    assert response.status_code == 400
    assert "Tick the action that this date is for." in response.content.decode()


def test_a_closed_alert_becomes_a_prefilled_case_linked_to_it(world):
    a = world["a"]
    alerts.close(a.alert, "released on bond", user=a.users[Role.OPERATOR])
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("cases:from_alert", kwargs={"alert": a.alert.uuid})
    form = client.get(url).context["form"]
    local = a.alert.raised_on.astimezone(a.org.tzinfo)
    assert form.initial["occurred_on"] == local.date()
    assert form.initial["area"] == a.central
    assert "org-a is at the station" in form.initial["narrative"]
    assert "released on bond" in form.initial["narrative"]
    response = client.post(url, case_post(a))
    case = Case.objects.get(alert=a.alert)
    assert case.member == a.member and case.source == Case.Source.ALERT
    # A second visit goes to the case instead of making another.
    assert client.get(url)["Location"] == reverse("cases:detail", kwargs={"case": case.uuid})
    assert response.status_code == 302
    alert_page = client.get(reverse("crisis:alert", kwargs={"alert": a.alert.uuid}))
    assert f"Documented as case #{case.number}" in alert_page.content.decode()


def test_an_open_alert_cannot_be_documented_yet(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.get(reverse("cases:from_alert", kwargs={"alert": a.alert.uuid}))
    assert response["Location"] == reverse("crisis:alert", kwargs={"alert": a.alert.uuid})
    assert not Case.objects.filter(alert=a.alert).exists()


def test_viewing_a_case_is_audited_without_its_content(world):
    a = world["a"]
    verified_client(a.users[Role.CASEWORKER]).get(
        reverse("cases:detail", kwargs={"case": a.case.uuid})
    )
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("view", str(a.case.uuid))


def test_organisations_add_and_retire_entries_of_their_own_list(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    client.post(reverse("cases:taxonomy"), {"label": "Forced eviction", "kind": "abuse"})
    entry = ViolationType.objects.get(organisation=a.org, label="Forced eviction")
    assert entry.key == "forced_eviction"
    assert not ViolationType.objects.filter(organisation=world["b"].org, key=entry.key).exists()
    duplicate = client.post(
        reverse("cases:taxonomy"), {"label": "forced  EVICTION", "kind": "abuse"}
    )
    assert duplicate.status_code == 400
    arrest = a.org.violation_types.get(key="arbitrary_arrest")
    client.post(reverse("cases:taxonomy"), {"toggle": arrest.pk})
    caseworker = verified_client(a.users[Role.CASEWORKER])
    new_form = caseworker.get(reverse("cases:create")).context["form"]
    assert arrest not in new_form.fields["violations"].queryset
    assert entry in new_form.fields["violations"].queryset
    # The case that already has it keeps it.
    edit_form = caseworker.get(reverse("cases:edit", kwargs={"case": a.case.uuid})).context["form"]
    assert arrest in edit_form.fields["violations"].queryset


def test_every_organisation_starts_with_the_programmes_list(world):
    keys = set(world["b"].org.violation_types.values_list("key", flat=True))
    assert {"forced_sex_for_release", "facilitated_methadone", "condoms_as_evidence"} <= keys
    assert len(keys) == 23


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (0.0, 5.0, 30.0)
    gps[3], gps[4] = "E", (34.0, 45.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(client, case, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("cases:attach", kwargs={"case": case.uuid}),
        {"file": SimpleUploadedFile(name, data, content_type="image/jpeg")},
    )


def test_a_photo_is_stored_encrypted_and_comes_back_without_its_gps_position(world):
    a = world["a"]
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test's own premise
    client = verified_client(a.users[Role.CASEWORKER])
    assert upload(client, a.case, "IMG_2291.jpg", original).status_code == 302
    stored = Attachment.objects.filter(case=a.case, content_type="image/jpeg").get()
    assert b"PhoneMaker" not in bytes(stored.data_sealed)
    response = client.get(
        reverse("cases:attachment", kwargs={"case": a.case.uuid, "attachment": stored.uuid})
    )
    assert response["Content-Disposition"].startswith("attachment;")
    returned = Image.open(io.BytesIO(response.content))
    assert returned.size == (64, 48)
    assert not returned.getexif()
    assert b"PhoneMaker" not in response.content and b"Exif" not in response.content


@pytest.mark.parametrize(
    "name, data",
    [
        ("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),  # an executable renamed
        ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        ("empty.png", b""),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(world, name, data):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = upload(client, a.case, name, data)
    assert response.status_code == 400
    assert Attachment.objects.filter(case=a.case).count() == 1  # only the fixture's


def test_files_over_ten_megabytes_are_refused(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = upload(client, a.case, "scan.pdf", b"%PDF-1.7" + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()


def test_an_outsider_and_an_analyst_cannot_open_a_case(world):
    a = world["a"]
    url = reverse("cases:detail", kwargs={"case": a.case.uuid})
    for user in (world["outsider"], a.users[Role.ANALYST], a.users[Role.POLICE_ALLY]):
        response = verified_client(user).get(url)
        assert response.status_code in (403, 404)
        assert a.case.narrative not in response.content.decode()
    # The other organisation's caseworker does not even learn that it exists.
    other = verified_client(world["b"].users[Role.CASEWORKER]).get(url)
    assert other.status_code == 404


def test_the_case_list_filters_by_what_happened_and_date(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    client.post(reverse("cases:create"), case_post(a))
    extortion = a.org.violation_types.get(key="extortion")
    page = client.get(reverse("cases:list"), {"violation": extortion.pk}).context["object_list"]
    assert [c.number for c in page] == [2]
    page = client.get(reverse("cases:list"), {"until": "2026-04-01"}).context["object_list"]
    assert [c.number for c in page] == [1]
    assert timezone.now()  # the list renders with no filter too
    assert client.get(reverse("cases:list")).status_code == 200


def test_counting_from_the_links_agrees_with_joining_the_cases(world):
    """What happened is counted from the links' copies of their case's organisation,
    date and consent; those copies follow every way a case is made or changed."""
    from haki.cases.importer import import_cases
    from haki.cases.models import CaseViolation
    from haki.cases.tally import tally

    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    client.post(reverse("cases:create"), case_post(a, consent_police="on"))
    header = (
        "date,area,place,violations,perpetrator,unit,actions,outcome,consent_reports,"
        "consent_police,narrative\n"
    )
    import_cases(
        a.org, "old.csv", (header + "2025-02-03,CEN,street,raid,client,,,,no,yes,\n").encode()
    )
    edited = Case.objects.get(organisation=a.org, number=1)
    edited.occurred_on, edited.consent_police = edited.occurred_on.replace(year=2024), True
    edited.save()
    by_join = tally(Case.objects.filter(organisation=a.org))
    by_links = tally(
        Case.objects.filter(organisation=a.org), CaseViolation.objects.filter(organisation=a.org)
    )
    assert by_links == by_join
    assert sum(by_join.by_violation.values()) == 4
    police = CaseViolation.objects.filter(organisation=a.org, consent_police=True)
    consented = Case.objects.filter(organisation=a.org, consent_police=True)
    assert tally(consented, police) == tally(consented)
    assert not CaseViolation.objects.filter(occurred_on__isnull=True).exists()


def test_patterns_filtered_by_one_thing_that_happened_count_all_of_those_cases(world):
    """Choosing "extortion" picks the cases where it happened; what else happened in
    them is still counted, not only the link the filter matched."""
    from haki.cases import patterns
    from haki.cases.forms import CaseFilterForm

    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    client.post(reverse("cases:create"), case_post(a))  # extortion and a positive act
    types = {t.key: t.pk for t in a.org.violation_types.all()}
    filters = CaseFilterForm({"violation": types["extortion"]}, organisation=a.org)
    page = patterns.for_filters(a.org, filters)
    counted = {row["label"] for row in page["by_violation"]}
    assert (
        page["cases"]
        == Case.objects.filter(organisation=a.org, violations=types["extortion"]).count()
    )
    assert len(counted) >= 2, counted


def test_the_next_page_of_a_filtered_case_list_keeps_its_filters(world):
    a = world["a"]
    for day in range(1, 32):
        case = Case(
            organisation=a.org,
            occurred_on=datetime.date(2026, 5, day),
            area=a.central,
            place="street",
            perpetrator="regular_police",
        )
        case.narrative = "stopped on the way home"
        case.save()
    client = verified_client(a.users[Role.CASEWORKER])
    filters = {"since": "2026-05-01", "place": "street"}
    first = client.get(reverse("cases:list"), filters)
    assert 'href="?since=2026-05-01&amp;place=street&amp;page=2"' in first.content.decode()
    second = client.get(reverse("cases:list"), {**filters, "page": 2}).context["object_list"]
    assert [c.occurred_on for c in second] == [datetime.date(2026, 5, 1)]


def test_the_patterns_map_has_a_legend_and_its_tables_name_their_rows(world):
    a = world["a"]
    a.central.geometry = {
        "type": "Polygon",
        "coordinates": [[[34.7, -0.1], [34.8, -0.1], [34.8, 0.0], [34.7, -0.1]]],
    }
    a.central.save()
    client = verified_client(a.users[Role.COORDINATOR])
    page = client.get(reverse("cases:patterns")).content.decode()
    assert 'class="legend"' in page
    assert '<span class="swatch shade-0"></span> 0</li>' in page
    assert '<span class="swatch shade-5"></span> 1</li>' in page  # one case: the darkest
    assert ">Row<" not in page
    for heading in ("What happened", "Area", "Who", "Unit or station", "Place", "Outcome"):
        assert f'<th scope="col">{heading}</th>' in page
