"""Every time shown is the organisation's local time, named once per page: an alert's
timeline and the case made from it must name the same hour. Two organisations whose
zones are not whole hours apart (Bishkek +06:00, Kolkata +05:30) catch a page that
still shows UTC, or the server's zone, or one organisation's zone to the other."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_org, verified_client
from haki.core.roles import Role
from haki.crisis.models import AlertEvent
from haki.messaging.texts import render

# A Monday, 04:00 UTC: 10:00 in Bishkek, 09:30 in Kolkata.
RAISED = datetime.datetime(2026, 3, 16, 4, 0, tzinfo=datetime.UTC)
ZONES = {"org-kg": "Asia/Bishkek", "org-in": "Asia/Kolkata"}
# What each organisation must see of the same moments.
RAISED_LOCAL = {"org-kg": "2026-03-16 10:00", "org-in": "2026-03-16 09:30"}
# "mon,thu 10:00" planned from RAISED: Bishkek is already at 10:00 (Thursday next);
# Kolkata is at 09:30 (the same Monday at 10:00).
NEXT_POLL = {"org-kg": "2026-03-19 10:00", "org-in": "2026-03-16 10:00"}


@pytest.fixture
def zoned(db):
    worlds = {}
    for slug, prefix in (("org-kg", "+996900"), ("org-in", "+254191")):
        world = make_org(slug, "KE" if slug == "org-in" else "KG", prefix)
        world.org.timezone = ZONES[slug]
        world.org.save()
        world.alert.raised_on = RAISED
        world.alert.save()
        AlertEvent.objects.create(alert=world.alert, kind=AlertEvent.Kind.RAISED, at=RAISED)
        world.poll.schedule = "mon,thu 10:00"
        world.poll.plan_next(after=RAISED)
        world.poll.save()
        worlds[slug] = world
    return worlds


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_the_board_shows_when_an_alert_was_raised_in_the_organisations_zone(zoned, slug):
    client = verified_client(zoned[slug].users[Role.OPERATOR])
    page = client.get(reverse("crisis:board")).content.decode()
    hour = RAISED_LOCAL[slug].split()[1]
    assert f">{hour}</time>" in page
    assert f"Times are in {ZONES[slug]}." in page


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_an_alerts_timeline_is_in_the_organisations_zone(zoned, slug):
    client = verified_client(zoned[slug].users[Role.OPERATOR])
    url = reverse("crisis:alert", kwargs={"alert": zoned[slug].alert.uuid})
    page = client.get(url).content.decode()
    assert f">{RAISED_LOCAL[slug]}:00</time>" in page
    assert page.count(f"Times are in {ZONES[slug]}.") == 1


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_a_polls_next_sending_is_shown_at_the_hour_it_was_scheduled(zoned, slug):
    client = verified_client(zoned[slug].users[Role.COORDINATOR])
    page = client.get(reverse("surveys:polls")).content.decode()
    assert NEXT_POLL[slug] in page


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_a_brief_says_when_it_was_written_in_the_organisations_zone(zoned, slug):
    client = verified_client(zoned[slug].users[Role.COORDINATOR])
    query = {"since": "2026-03-01", "until": "2026-03-31", "audience": "internal"}
    before = timezone.now()
    page = client.get(reverse("reports:brief"), query).content.decode()
    after = timezone.now()
    written = re.search(r"Written on (\d{4}-\d\d-\d\d \d\d:\d\d) \(([\w/]+)\)", page)
    assert written is not None and written[2] == ZONES[slug]
    zone = zoneinfo.ZoneInfo(ZONES[slug])
    assert written[1] in {f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" for moment in (before, after)}


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_a_briefs_default_period_ends_on_the_last_day_of_the_local_month(zoned, slug):
    client = verified_client(zoned[slug].users[Role.COORDINATOR])
    page = client.get(reverse("reports:brief")).content.decode()
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(ZONES[slug])).date()
    last_day = today.replace(day=1) - datetime.timedelta(days=1)
    assert f'value="{last_day:%Y-%m-%d}"' in page


def test_a_text_that_carries_a_time_says_it_in_the_organisations_zone(zoned):
    texts = {
        slug: render(world.org, "channel.failing", "en", name="Shortcode", since=RAISED)
        for slug, world in zoned.items()
    }
    assert texts == {
        slug: f"Shortcode has failed since {RAISED_LOCAL[slug]}: texts through it are not "
        "going out. Check the gateway."
        for slug in ZONES
    }


@pytest.mark.parametrize("slug", sorted(ZONES))
def test_a_brief_written_from_the_command_line_is_dated_in_the_organisations_zone(
    zoned, slug, tmp_path
):
    from django.core.management import call_command

    output = tmp_path / "brief.csv"
    before = timezone.now()
    call_command(
        "brief",
        *("--org", slug, "--from", "2026-03-01", "--to", "2026-03-31"),
        *("--audience", "internal", "--format", "csv", "--output", str(output)),
    )
    after = timezone.now()
    zone = zoneinfo.ZoneInfo(ZONES[slug])
    written = next(line for line in output.read_text().splitlines() if "Written on" in line)
    assert written.endswith(f"({ZONES[slug]})")
    assert any(f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" in written for moment in (before, after))
