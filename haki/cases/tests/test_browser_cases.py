"""A caseworker on a phone documents a closed alert as a case; a coordinator reads the
patterns page, whose charts and map are drawn by scripts served from our own origin."""

import datetime

import pytest
from django.urls import reverse

from haki.cases.models import Case
from haki.core.roles import Role
from haki.crisis import alerts
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[34.7, -0.1], [34.8, -0.1], [34.8, 0.0], [34.7, -0.1]]],
}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_caseworker_documents_a_closed_alert_on_a_phone(world, live_server):
    a = world["a"]
    alerts.close(a.alert, "released after two hours", user=a.users[Role.OPERATOR])
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.CASEWORKER])
        page.goto(f"{live_server.url}{reverse('crisis:alert', kwargs={'alert': a.alert.uuid})}")
        page.get_by_role("link", name="Document as a case").click()
        page.get_by_role("heading", name=f"New case from alert {a.alert.reference}").wait_for()
        assert page.get_by_label("Area").input_value() == str(a.central.pk)
        assert "released after two hours" in page.get_by_label("What happened, in").input_value()
        page.get_by_label("Place").select_option("police_station")
        page.get_by_label("Extortion or bribe").check()
        page.get_by_label("Took a report seriously").check()
        page.get_by_label("Who did it").select_option("regular_police")
        page.get_by_label("Unit or station").fill("Central station")
        page.get_by_label("Bond release").check()
        assert fits_the_phone(page)
        screenshot(page, "case-from-alert-phone")
        page.get_by_role("button", name="Save case").click()
        page.get_by_text("Case #2 saved.").wait_for()
        case = Case.objects.get(alert=a.alert)
        assert case.member == a.member and case.place == "police_station"
        assert {v.key for v in case.violations.all()} == {"extortion", "took_report_seriously"}
        assert page.get_by_text("Central station").is_visible()
        assert fits_the_phone(page)
        screenshot(page, "case-saved-phone")


def test_the_patterns_page_draws_its_charts_and_map_without_fetching_tiles(world, live_server):
    a = world["a"]
    a.central.geometry = SQUARE
    a.central.save()
    Case.objects.filter(pk=a.case.pk).update(occurred_on=datetime.date.today())
    requests: list[str] = []
    with phone_page() as page:
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, live_server, a.users[Role.COORDINATOR], start="cases:patterns")
        page.locator("#map[data-drawn='1']").wait_for()
        page.locator("#map path.leaflet-interactive").wait_for()
        assert page.locator("#chart-months").bounding_box()["height"] > 100
        assert fits_the_phone(page)
        screenshot(page, "patterns-phone")
    assert all(url.startswith(live_server.url) for url in requests), "a request left the site"
    assert not errors, errors


def test_an_area_name_is_shown_as_text_on_the_map_never_as_markup(world, live_server):
    a = world["a"]
    a.central.name = "<img src=x onerror=\"document.title='injected'\">Central"
    a.central.geometry = SQUARE
    a.central.save()
    Case.objects.filter(pk=a.case.pk).update(occurred_on=datetime.date.today())
    with phone_page() as page:
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, live_server, a.users[Role.COORDINATOR], start="cases:patterns")
        shape = page.locator("#map path.leaflet-interactive")
        box = shape.bounding_box()  # the triangle fills the lower right of its box
        shape.hover(position={"x": box["width"] * 0.8, "y": box["height"] * 0.8})
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        assert tooltip.inner_text().startswith(a.central.name)
        assert tooltip.locator("img").count() == 0
        assert page.locator("#map img").count() == 0
        assert page.title() != "injected"
    assert not errors, errors


# What the labels need and what the chart's label column gives them, per label line.
LABEL_ROOM = """() => {
  const chart = Chart.getChart(document.getElementById("chart-violations"));
  const y = chart.scales.y;
  const context = chart.ctx;
  context.font = Chart.helpers.toFont(y.options.ticks.font).string;
  const widths = y.ticks.flatMap((tick) => [].concat(tick.label))
    .map((line) => context.measureText(line).width);
  return {widest: Math.max(...widths), room: y.width - y.options.ticks.padding, left: y.left};
}"""


@pytest.mark.parametrize(
    "label",
    [
        "Arrested for carrying condoms and held overnight without charge at the station",
        "ရဲတပ်ဖွဲ့ဝင်များက ငွေညှစ်ယူပြီး ခြိမ်းခြောက်ကာ ဖုန်းကို သိမ်းယူခြင်း",
    ],
)
def test_long_labels_of_what_happened_are_whole_on_a_phone(world, live_server, label):
    a = world["a"]
    long_one = a.org.violation_types.create(key="long_label", label=label)
    a.case.violations.add(long_one)
    with phone_page() as page:
        sign_in(page, live_server, a.users[Role.COORDINATOR], start="cases:patterns")
        page.wait_for_function(
            "window.Chart && Chart.getChart(document.getElementById('chart-violations'))"
        )
        sizes = page.evaluate(LABEL_ROOM)
        assert sizes["left"] >= 0 and sizes["widest"] <= sizes["room"], sizes
        assert fits_the_phone(page)
        page.locator("#chart-violations").screenshot(path=str(screenshot(page, "patterns-labels")))
