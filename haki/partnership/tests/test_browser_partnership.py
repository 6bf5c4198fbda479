"""On a phone 360 px wide: a caseworker records attendance at a training, and a
coordinator reads the coverage page with its chart; neither page scrolls sideways."""

import datetime

import pytest

from haki.core.roles import Role
from haki.partnership.models import Attendance, Station, Training
from haki.partnership.tests.factories import attend, officer, station, training
from haki.tests.browser import phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = datetime.date


def test_a_caseworker_records_attendance_on_a_phone(world, live_server):
    a = world["a"]
    central = station(a.org, "KSM-CPS", a.central, 60, D(2025, 1, 1))
    newcomer = officer(a.org, "KP 2001")
    newcomer.move(central, D(2025, 2, 1))
    course = training(a.org, "Rights and policing with a rather long name", D(2025, 6, 9))
    attend(course, officer(a.org, "KP 2002"), 45, 80)
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.CASEWORKER])
        page.goto(f"{live_server.url}/partnership/trainings/{course.uuid}/")
        page.get_by_label("Service number").fill("kp2001")
        page.get_by_label("Pre-test score").fill("40")
        page.get_by_label("Post-test score").fill("75")
        page.get_by_role("button", name="Record").click()
        page.get_by_text("Attendance recorded.").wait_for()
        screenshot(page, "training-attendance-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Attendance.objects.get(ally=newcomer).post_score == 75


def test_a_coordinator_reads_coverage_with_its_chart_on_a_phone(world, live_server):
    a = world["a"]
    for n in range(12):
        place = station(a.org, f"STATION-{n:02d}", a.central, 40 + n, D(2025, 1, 1))
        trained = officer(a.org, f"KP{n:04d}", ["district_focal_point"] if n == 0 else [])
        trained.move(place, D(2025, 1, 1))
        attend(training(a.org, f"Course {n}", D(2025, 1 + n % 12, 1)), trained, 30, 70)
        officer(a.org, f"KP{n + 100:04d}").move(place, D(2025, 3, 1))
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR])
        page.goto(f"{live_server.url}/partnership/coverage/")
        page.wait_for_function("window.Chart && Chart.getChart('chart-coverage')")
        assert page.get_by_text("of the force trained").is_visible()
        assert page.get_by_role("heading", name="Whom to invite to the next training").is_visible()
        screenshot(page, "coverage-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_coordinator_adds_a_station_and_a_training_on_a_phone(world, live_server):
    a = world["a"]
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR])
        page.goto(f"{live_server.url}/partnership/stations/")
        page.get_by_role("link", name="Add a station").click()
        page.get_by_label("Code").fill("KSM-CPS")
        page.get_by_label("Name").fill("Kisumu Central Police Station")
        page.get_by_label("Area").select_option(str(a.central.pk))
        page.get_by_label("Force size").fill("-3")
        page.get_by_label("Counted on").fill("2026-01-01")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("greater than or equal to 0").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_label("Force size").fill("60")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved.").wait_for()
        screenshot(page, "station-list-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.goto(f"{live_server.url}/partnership/trainings/")
        page.get_by_role("link", name="Add a training").click()
        page.get_by_label("Name").fill("Rights and policing")
        page.get_by_label("Kind").select_option("in_service")
        page.get_by_label("First day").fill("2026-02-09")
        page.get_by_label("Last day").fill("2026-02-10")
        page.locator("#id_modules-0-title").fill("Human rights and the law")
        page.locator("#id_modules-0-hours").fill("6")
        screenshot(page, "training-form-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name="Save").click()
        page.get_by_role("heading", name="Rights and policing").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Station.objects.get(organisation=a.org).force_size_on(D(2026, 6, 1)) == 60
    made = Training.objects.get(organisation=a.org)
    assert made.ends_on == D(2026, 2, 10) and made.hours == 6.0


def test_a_caseworker_records_a_station_visit_on_a_phone(world, live_server):
    from haki.partnership.monitoring import Visit
    from haki.partnership.tests.factories import checklist, monitoring_round

    a = world["a"]
    central = station(a.org, "KSM-CPS", a.central)
    officer(a.org, "KP 3001")
    template = checklist(a.org, [3, 2, 1])
    for n, text in enumerate(
        [
            "Instruction 417 is displayed where the public waits to be seen",
            "Nobody is detained for carrying syringes or condoms",
            "Methadone reaches people in custody",
        ]
    ):
        template.items.filter(key=f"item{n}").update(text=text)
    today = datetime.date.today()
    rnd = monitoring_round(a.org, template, today - datetime.timedelta(days=5), days=20)
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.CASEWORKER])
        page.goto(f"{live_server.url}/partnership/rounds/{rnd.uuid}/visit/")
        page.get_by_label("Station").select_option(label=str(central))
        page.get_by_label("Community members on the team").fill(a.member.alias)
        page.get_by_label("These members agreed to be named on this visit").check()
        page.get_by_label("Police on the team").fill("kp3001")
        for item, answer in [
            ("Instruction 417", "yes"),
            ("Nobody is", "no"),
            ("Methadone", "not seen"),
        ]:
            group = page.get_by_role("group", name=item)
            group.get_by_label(answer, exact=True).check()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "station-visit-form-phone")
        page.get_by_role("button", name="Record").click()
        page.get_by_text("Visit recorded.").wait_for()
        screenshot(page, "station-round-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    found = Visit.objects.get(round=rnd)
    assert found.score == 60.0 and found.team.count() == 2  # 3 of 3 + 2 seen
