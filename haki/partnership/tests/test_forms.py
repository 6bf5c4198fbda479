"""Coordinators keep stations, allies, postings and trainings on the web: each form
refuses what the imports refuse, says why, and writes nothing."""

import datetime

import pytest
from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.partnership.models import (
    Ally,
    CoTrainer,
    Facilitator,
    ForceSize,
    Module,
    Posting,
    Station,
    Training,
)
from haki.partnership.tests.factories import officer, station, training

D = datetime.date


@pytest.fixture
def a(world):
    return world["a"]


@pytest.fixture
def coordinator(a):
    return verified_client(a.users[Role.COORDINATOR])


def station_data(a, **changes):
    data = {"code": "KSM-CPS", "name": "Kisumu Central", "kind": "station", "area": a.central.pk}
    data.update(force_size="60", force_size_on="2026-01-01")
    return {**data, **changes}


def errors(response) -> str:
    assert response.status_code == 400
    return response.content.decode()


def test_a_coordinator_adds_a_station_with_its_force_size_and_is_audited(a, coordinator):
    response = coordinator.post(reverse("partnership:station_create"), station_data(a))
    assert response.status_code == 302
    made = Station.objects.get(organisation=a.org, code="KSM-CPS")
    assert made.force_size_on(D(2026, 6, 1)) == 60
    assert AuditEvent.objects.filter(action="create", object_type="partnership.station").exists()
    assert "KSM-CPS" in coordinator.get(reverse("partnership:stations")).content.decode()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"force_size": "-5"}, "greater than or equal to 0"),
        ({"force_size_on": ""}, "A force size needs the date it holds for."),
        ({"code": "KSM CPS!"}, "Letters, digits, dots, dashes and underscores only."),
        ({"force_size_on": "1900-01-01"}, "Choose a date between 1950 and 2200."),
    ],
)
def test_a_station_form_refuses_bad_input_and_writes_nothing(a, coordinator, changes, says):
    response = coordinator.post(reverse("partnership:station_create"), station_data(a, **changes))
    assert says in errors(response)
    assert not Station.objects.filter(organisation=a.org).exists()
    assert not ForceSize.objects.exists()


def test_a_station_needs_its_own_code_and_an_area_of_the_organisation(world, a, coordinator):
    station(a.org, "KSM-CPS", a.central)
    taken = coordinator.post(reverse("partnership:station_create"), station_data(a, code="ksm-cps"))
    assert "Another station already has this code." in errors(taken)
    elsewhere = station_data(a, code="NEW", area=world["b"].central.pk)
    assert "Select a valid choice" in errors(
        coordinator.post(reverse("partnership:station_create"), elsewhere)
    )
    assert Station.objects.filter(organisation=a.org).count() == 1


def test_editing_a_station_adds_a_count_and_keeps_the_older_ones(world, a, coordinator):
    place = station(a.org, "C1", a.central, 40, D(2025, 1, 1))
    url = reverse("partnership:station_edit", kwargs={"station": place.uuid})
    data = station_data(a, code="C1", force_size="55", force_size_on="2026-01-01")
    assert coordinator.post(url, data).status_code == 302
    assert [(f.on, f.size) for f in place.force_sizes.order_by("on")] == [
        (D(2025, 1, 1), 40),
        (D(2026, 1, 1), 55),
    ]
    assert place.force_size_on(D(2025, 6, 1)) == 40
    assert "55" in coordinator.get(url).content.decode()
    theirs = station(world["b"].org, "B1", world["b"].central)
    other = reverse("partnership:station_edit", kwargs={"station": theirs.uuid})
    assert coordinator.get(other).status_code == 404
    assert coordinator.post(other, station_data(a, code="B1")).status_code == 404


def ally_data(**changes):
    data = {"name": "Officer Eshe", "service_number": "KP 1001", "kind": "police"}
    data.update(rank="Inspector", roles=["district_focal_point", "trainer"], consent_listed="on")
    return {**data, **changes}


def test_a_coordinator_adds_an_ally_whose_name_and_number_are_sealed(a, coordinator):
    assert coordinator.post(reverse("partnership:ally_create"), ally_data()).status_code == 302
    ally = Ally.objects.get(organisation=a.org)
    assert ally == Ally.find(a.org, "kp1001")
    assert "Eshe" not in ally.name_sealed and "1001" not in ally.service_number_sealed
    assert ally.name == "Officer Eshe" and ally.is_focal_point and ally.consent_listed_on
    assert AuditEvent.objects.filter(action="create", object_type="partnership.ally").exists()
    url = reverse("partnership:ally_edit", kwargs={"ally": ally.uuid})
    changed = ally_data(roles=["friendly_officer"], consent_listed="")
    assert coordinator.post(url, changed).status_code == 302  # its own number is no clash
    ally.refresh_from_db()
    assert ally.roles == ["friendly_officer"] and ally.consent_listed_on is None


def test_an_ally_form_refuses_a_number_another_ally_has(world, a, coordinator):
    officer(a.org, "KP1001")
    officer(world["b"].org, "KP2002")  # another organisation's number is free here
    response = coordinator.post(reverse("partnership:ally_create"), ally_data())
    assert "Another ally already has this service number." in errors(response)
    mine = officer(a.org, "KP3003")
    url = reverse("partnership:ally_edit", kwargs={"ally": mine.uuid})
    assert coordinator.post(url, ally_data(service_number="kp 1001")).status_code == 400
    assert coordinator.post(url, ally_data(service_number="KP2002")).status_code == 302
    assert Ally.objects.filter(organisation=a.org).count() == 2
    theirs = Ally.objects.get(organisation=world["b"].org)
    other = reverse("partnership:ally_edit", kwargs={"ally": theirs.uuid})
    assert coordinator.get(other).status_code == 404


def test_a_transfer_is_recorded_after_the_current_posting_and_refused_before_it(
    world, a, coordinator
):
    first, second = station(a.org, "C1", a.central), station(a.org, "C2", a.central)
    ally = officer(a.org, "KP1")
    ally.move(first, D(2025, 3, 1))
    url = reverse("partnership:posting", kwargs={"ally": ally.uuid})
    assert "Left the force" in coordinator.get(url).content.decode()
    refused = [
        ({"station": second.pk, "started_on": "2025-03-01"}, "dated after the current posting"),
        ({"station": first.pk, "started_on": "2025-06-01"}, "already posted there"),
        ({"started_on": "2025-06-01"}, "Choose a station, or tick that the officer left."),
        ({"station": second.pk, "left": "on", "started_on": "2025-06-01"}, "Choose a station"),
    ]
    for data, says in refused:
        assert says in errors(coordinator.post(url, data))
    theirs = station(world["b"].org, "B1", world["b"].central)
    assert (
        coordinator.post(url, {"station": theirs.pk, "started_on": "2025-06-01"}).status_code == 400
    )
    assert ally.postings.count() == 1
    assert (
        coordinator.post(url, {"station": second.pk, "started_on": "2025-06-01"}).status_code == 302
    )
    assert coordinator.post(url, {"left": "on", "started_on": "2025-09-01"}).status_code == 302
    assert [(p.station_id, p.started_on) for p in ally.postings.order_by("started_on")] == [
        (first.pk, D(2025, 3, 1)),
        (second.pk, D(2025, 6, 1)),
        (None, D(2025, 9, 1)),
    ]
    assert (
        AuditEvent.objects.filter(action="create", object_type="partnership.posting").count() == 2
    )


def training_data(a, **changes):
    data = {"name": "Rights and policing", "kind": "in_service", "place": "Kisumu"}
    data.update(starts_on="2026-02-09", ends_on="2026-02-10", area=a.central.pk)
    data.update({"modules-TOTAL_FORMS": "3", "modules-INITIAL_FORMS": "0"})
    data.update({"modules-0-title": "Human rights and the law", "modules-0-hours": "6"})
    data.update({"modules-1-title": "Sex work and the police", "modules-1-hours": "4.5"})
    return {**data, **changes}


def test_a_coordinator_adds_a_training_with_its_modules(a, coordinator):
    response = coordinator.post(reverse("partnership:training_create"), training_data(a))
    assert response.status_code == 302
    made = Training.objects.get(organisation=a.org)
    assert [(m.title, float(m.hours)) for m in made.modules.all()] == [
        ("Human rights and the law", 6.0),
        ("Sex work and the police", 4.5),
    ]
    url = reverse("partnership:training_edit", kwargs={"training": made.uuid})
    assert "Sex work and the police" in coordinator.get(url).content.decode()
    fewer = training_data(a, **{"modules-1-title": "", "modules-1-hours": ""})
    assert coordinator.post(url, fewer).status_code == 302
    assert made.modules.count() == 1 and made.hours == 6.0


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"ends_on": "2026-02-08"}, "A training ends on or after its first day."),
        ({"modules-1-title": ""}, "A module needs a title and its hours."),
        ({"modules-1-hours": "-2"}, "greater than or equal to 0.5"),
        ({"starts_on": "26-02-09"}, "Enter a valid date."),
    ],
)
def test_a_training_form_refuses_bad_input_and_writes_nothing(a, coordinator, changes, says):
    response = coordinator.post(reverse("partnership:training_create"), training_data(a, **changes))
    assert says in errors(response)
    assert not Training.objects.filter(organisation=a.org).exists()
    assert not Module.objects.exists()


def test_a_training_of_the_same_name_and_day_or_another_organisations_area_is_refused(
    world, a, coordinator
):
    training(a.org, "Rights and policing", D(2026, 2, 9))
    response = coordinator.post(reverse("partnership:training_create"), training_data(a))
    assert "already starts that day" in errors(response)
    elsewhere = training_data(a, name="Other", area=world["b"].central.pk)
    assert coordinator.post(reverse("partnership:training_create"), elsewhere).status_code == 400
    assert Training.objects.filter(organisation=a.org).count() == 1
    theirs = training(world["b"].org, "Theirs", D(2026, 2, 9))
    url = reverse("partnership:training_edit", kwargs={"training": theirs.uuid})
    assert coordinator.post(url, training_data(a)).status_code == 404


def test_facilitators_are_allies_or_members_who_agreed(world, a, coordinator):
    course = training(a.org, "Rights", D(2026, 2, 9))
    trainer = officer(a.org, "KP7")
    officer(world["b"].org, "KP8")
    add = reverse("partnership:add_facilitator", kwargs={"training": course.uuid})
    co = reverse("partnership:add_co_trainer", kwargs={"training": course.uuid})
    assert "No ally has this service number." in errors(
        coordinator.post(add, {"service_number": "KP8"})
    )
    assert coordinator.post(add, {"service_number": "kp 7"}).status_code == 302
    alias = a.member.alias
    asked = errors(coordinator.post(co, {"alias": alias}))
    assert "A member is named only with her consent." in asked
    assert "No member has this alias." in errors(
        coordinator.post(co, {"alias": world["b"].member.alias})
    )
    assert not CoTrainer.objects.exists()
    assert coordinator.post(co, {"alias": alias.upper(), "agreed": "on"}).status_code == 302
    assert CoTrainer.objects.get().member == a.member
    page = coordinator.get(reverse("partnership:training", kwargs={"training": course.uuid}))
    assert alias in page.content.decode() and trainer.name in page.content.decode()
    later = training(a.org, "Rights again", D(2026, 5, 4))
    again = reverse("partnership:add_co_trainer", kwargs={"training": later.uuid})
    assert coordinator.post(again, {"alias": alias}).status_code == 302  # asked once
    named = Facilitator.objects.get(training=course, member=a.member)
    remove = reverse(
        "partnership:remove_facilitator", kwargs={"training": later.uuid, "facilitator": named.pk}
    )
    assert coordinator.post(remove).status_code == 404  # not a facilitator of that training
    remove = reverse(
        "partnership:remove_facilitator", kwargs={"training": course.uuid, "facilitator": named.pk}
    )
    assert coordinator.post(remove).status_code == 302
    assert list(course.facilitators.values_list("ally", flat=True)) == [trainer.pk]


def test_a_caseworker_records_attendance_but_manages_nothing(a):
    course = training(a.org, "Rights", D(2026, 2, 9))
    client = verified_client(a.users[Role.CASEWORKER])
    page = client.get(reverse("partnership:training", kwargs={"training": course.uuid}))
    assert "Add co-trainer" not in page.content.decode()
    add = reverse("partnership:add_facilitator", kwargs={"training": course.uuid})
    assert client.post(add, {"service_number": "KP7"}).status_code == 403
    assert client.post(reverse("partnership:training_create"), training_data(a)).status_code == 403


def test_an_erased_member_is_no_longer_a_co_trainer(a):
    course = training(a.org, "Rights", D(2026, 2, 9))
    CoTrainer.objects.create(organisation=a.org, member=a.member, agreed_on=D(2026, 1, 1))
    Facilitator.objects.create(training=course, member=a.member, member_consented=True)
    a.member.erase("test")
    assert not CoTrainer.objects.exists() and not Facilitator.objects.exists()


def test_posting_rules_are_the_importers_rules():
    current = Posting(station_id=1, started_on=D(2025, 3, 1))
    assert Posting.refusal(None, 2, D(2020, 1, 1)) == ""
    assert Posting.refusal(current, 1, D(2020, 1, 1)) == ""  # the same station: no transfer
    assert Posting.refusal(current, 2, D(2025, 3, 2)) == ""
    assert Posting.refusal(current, 2, D(2025, 3, 1)) != ""
    assert Posting.refusal(current, None, D(2025, 2, 1)) != ""


def test_the_attendance_file_names_members_who_agreed_as_co_trainers(world, a):
    import io

    from haki.core.importing import ImportRejected, run_import

    officer(a.org, "KP1")
    alias = a.member.alias

    def load(cell: str) -> int:
        text = (
            "training,date,kind,hours,service_number,pre_score,post_score,co_trainers\n"
            f"Rights,2026-02-09,in_service,8,KP1,40,70,{cell}\n"
        )
        return run_import("attendance", a.org, io.BytesIO(text.encode()), "a.csv", "tester")

    with pytest.raises(ImportRejected) as refused:
        load(alias)  # she has not agreed
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "co_trainers") and alias not in problem.reason
    with pytest.raises(ImportRejected):
        load(world["b"].member.alias)
    assert not Training.objects.filter(organisation=a.org).exists()
    CoTrainer.objects.create(organisation=a.org, member=a.member, agreed_on=D(2026, 1, 1))
    assert load(f" {alias.lower()} ; ") == 1
    assert load(alias) == 1  # again: named once
    (named,) = Facilitator.objects.filter(training__organisation=a.org)
    assert named.member == a.member and named.member_consented
