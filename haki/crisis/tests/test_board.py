"""The hotline board and alert pages, as the people who use them."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import TestCase
from django.urls import reverse

from conftest import verified_client
from haki.core.roles import Role
from haki.crisis.models import Alert, AlertRecipient
from haki.members.models import Member


def test_an_operator_raises_an_alert_for_a_known_member_from_the_board(world):
    a = world["a"]
    other = Member(organisation=a.org, alias="Daisy", area=a.central, language="en")
    other.phone = "+254190100077"
    other.save()
    client = verified_client(a.users[Role.OPERATOR])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("crisis:raise"), {"alias": "daisy", "words": "call her"})
    assert response.status_code == 302
    alert = Alert.objects.get(organisation=a.org, member=other)
    assert alert.source == "hotline" and alert.raised_by == a.users[Role.OPERATOR]
    assert [r.responder for r in alert.recipients.all()] == [a.responder]


def test_a_call_about_a_member_with_an_open_alert_joins_it(world):
    a = world["a"]
    client = verified_client(a.users[Role.OPERATOR])
    client.post(reverse("crisis:raise"), {"alias": "ORG-A-ALIAS", "words": "called again"})
    assert Alert.objects.filter(organisation=a.org).count() == 1
    a.alert.refresh_from_db()
    assert "called again" in a.alert.words
    assert a.alert.events.filter(kind="joined").exists()


def test_an_unknown_caller_needs_an_area_and_a_real_number(world):
    client = verified_client(world["a"].users[Role.OPERATOR])
    response = client.post(reverse("crisis:raise"), {"words": "at the bridge", "caller": "12"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the area of a caller who is not registered." in body
    assert "This is not a phone number." in body


def test_the_board_fragment_lists_open_alerts_and_a_poll_does_not_extend_the_session(world):
    a = world["a"]
    client = verified_client(a.users[Role.OPERATOR])
    client.get(reverse("crisis:board"))
    stored = Session.objects.get(session_key=client.session.session_key)
    fragment = client.get(
        reverse("crisis:board_alerts"), headers={"X-Haki-Poll": "1", "HX-Request": "true"}
    )
    assert a.alert.reference in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert Session.objects.get(pk=stored.pk).expire_date == stored.expire_date
    client.get(reverse("crisis:board"))  # a person using the board does keep it alive
    assert Session.objects.get(pk=stored.pk).expire_date > stored.expire_date


def test_an_expired_session_sends_a_polling_board_to_sign_in(world, client):
    response = client.get(reverse("crisis:board_alerts"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("two_factor:login")


def test_a_police_ally_sees_only_alerts_referred_to_them(world):
    a = world["a"]
    police = a.users[Role.POLICE_ALLY]
    a.responder.user = police
    a.responder.save()
    client = verified_client(police)
    url = reverse("crisis:alert", kwargs={"alert": a.alert.uuid})
    assert client.get(url).status_code == 403
    AlertRecipient.objects.create(alert=a.alert, responder=a.responder, tier="police_ally")
    page = client.get(url)
    assert page.status_code == 200 and a.alert.words in page.content.decode()
    assert client.get(reverse("crisis:board")).status_code == 403


def test_closing_from_the_web_records_the_outcome_and_who(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    client.post(reverse("crisis:close", kwargs={"alert": a.alert.uuid}), {"outcome": "released"})
    a.alert.refresh_from_db()
    assert a.alert.status == "closed" and a.alert.outcome == "released"
    assert a.alert.acknowledged_by_user == a.users[Role.COORDINATOR]
    found = client.get(reverse("crisis:closed"), {"reference": "k7q2"}).content.decode()
    assert "K7Q2" in found


def test_the_coordinators_home_shows_this_months_response_figures_as_counted(world):
    """The panel's figures against a count made again over the alerts themselves."""
    import datetime
    import re
    import statistics

    from django.utils import timezone

    a = world["a"]
    now = timezone.now()
    start = now.astimezone(a.org.tzinfo).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    hours = [1, 5, 20, 30, 50, 70]
    for n, age in enumerate(hours):
        raised = max(now - datetime.timedelta(hours=age), start + datetime.timedelta(minutes=n))
        Alert.objects.create(
            organisation=a.org,
            reference=f"T{n}AA",
            area=a.central,
            raised_on=raised,
            acknowledged_on=raised + datetime.timedelta(minutes=3 * n + 1),
            closed_on=raised + datetime.timedelta(hours=2 if n % 2 else 30) if n < 4 else None,
            escalations=n % 3,
        )
    alerts = [x for x in Alert.objects.filter(organisation=a.org) if x.raised_on >= start]
    decided = [x for x in alerts if x.closed_on or x.raised_on <= now - datetime.timedelta(1)]
    in_time = [
        x
        for x in decided
        if x.closed_on and x.closed_on - x.raised_on <= datetime.timedelta(hours=24)
    ]
    acks = [
        (x.acknowledged_on - x.raised_on).total_seconds() / 60 for x in alerts if x.acknowledged_on
    ]
    body = verified_client(a.users[Role.COORDINATOR]).get(reverse("core:home")).content.decode()
    shown = dict(
        (label.strip(), figure)
        for figure, label in re.findall(r'<span class="figure">([^<]*)</span>([^<]*)<', body)
    )
    assert shown["alerts this month"] == str(len(alerts))
    assert shown["closed within 24 hours"] == f"{round(100 * len(in_time) / len(decided), 1)}%"
    assert shown["median minutes to a responder"] == str(round(statistics.median(acks), 1))
    escalated = sum(1 for x in alerts if x.escalations)
    assert shown["escalated past the first tier"] == f"{round(100 * escalated / len(alerts), 1)}%"
    operator_home = verified_client(a.users[Role.OPERATOR]).get(reverse("core:home"))
    assert "alerts this month" not in operator_home.content.decode()


def test_a_coordinator_sets_a_weekly_roster_that_applies_itself(world):
    from datetime import datetime

    from haki.crisis.duty import apply_rosters

    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("crisis:roster", kwargs={"responder": a.responder.uuid})
    bad = client.post(url, {"weekday": "2", "starts": "22:00", "ends": "06:00"})
    assert bad.status_code == 400 and "night shift is two shifts" in bad.content.decode()
    assert client.post(url, {"weekday": "2", "starts": "08:00", "ends": "16:00"}).status_code == 302
    wednesday_noon = datetime(2026, 11, 25, 12, 0, tzinfo=a.org.tzinfo)
    apply_rosters(wednesday_noon.replace(hour=20))
    a.responder.refresh_from_db()
    assert not a.responder.on_duty
    apply_rosters(wednesday_noon)
    a.responder.refresh_from_db()
    assert a.responder.on_duty
    shift = a.responder.shifts.get()
    client.post(url, {"remove": shift.pk})
    assert not a.responder.shifts.exists()


def test_the_database_refuses_a_shift_that_ends_before_it_starts(world):
    """Whatever writes the roster (the page, the admin, a script), a shift across
    midnight would never put its responder on duty: the database itself refuses it."""
    from datetime import time

    from django.db import IntegrityError, transaction

    from haki.crisis.models import RosterShift

    responder = world["a"].responder
    with pytest.raises(IntegrityError), transaction.atomic():
        RosterShift.objects.create(responder=responder, weekday=2, starts=time(22), ends=time(6))
    assert not responder.shifts.exists()


def test_coordinators_page_through_the_responders_of_one_area_and_stay_there(world):
    from haki.core.models import Area
    from haki.crisis.models import Responder

    a = world["a"]
    east = Area.objects.create(organisation=a.org, code="EST", name="East", parent=a.central.parent)
    for i in range(55):
        responder = Responder(organisation=a.org, tier="paralegal", language="en")
        responder.name, responder.phone = f"East responder {i}", f"+2541903{i:05d}"
        responder.save()
        responder.areas.set([east])
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("crisis:responders")
    first = client.get(url, {"area": east.pk}).content.decode()
    second = client.get(url, {"area": east.pk, "page": 2}).content.decode()
    assert first.count('name="on_duty"') == 50 and "Page 1 of 2" in first
    assert second.count('name="on_duty"') == 5 and a.responder.name not in first + second
    assert f"?area={east.pk}&amp;page=2" in first  # the next page keeps the area
    central = client.get(url, {"area": a.central.pk}).content.decode()
    assert central.count('name="on_duty"') == 1 and a.responder.name in central

    last = Responder.objects.filter(organisation=a.org, areas=east).order_by("pk").last()
    duty = reverse("crisis:duty", kwargs={"responder": last.uuid})
    back = client.post(f"{duty}?area={east.pk}&page=2", {"on_duty": "1"})
    assert back.url == f"{url}?area={east.pk}&page=2"
    last.refresh_from_db()
    assert last.on_duty
    elsewhere = client.post(f"{duty}?page=//elsewhere.example", {"on_duty": "0"})
    assert elsewhere.url == url


def test_a_shift_until_00_00_keeps_its_responder_on_duty_until_midnight(world):
    from datetime import datetime, time

    from haki.crisis.duty import apply_rosters
    from haki.crisis.models import RosterShift

    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("crisis:roster", kwargs={"responder": a.responder.uuid})
    assert client.post(url, {"weekday": "2", "starts": "22:00", "ends": "00:00"}).status_code == 302
    assert client.post(url, {"weekday": "3", "starts": "00:00", "ends": "06:00"}).status_code == 302
    assert a.responder.shifts.filter(starts=time(22), ends=time(0)).exists()
    wednesday_late = datetime(2026, 11, 25, 23, 59, 30, tzinfo=a.org.tzinfo)
    for moment in (wednesday_late, datetime(2026, 11, 26, 0, 0, 30, tzinfo=a.org.tzinfo)):
        apply_rosters(moment)
        a.responder.refresh_from_db()
        assert a.responder.on_duty, moment  # no gap at midnight
    apply_rosters(datetime(2026, 11, 26, 6, 0, 30, tzinfo=a.org.tzinfo))
    a.responder.refresh_from_db()
    assert not a.responder.on_duty
    assert not RosterShift(weekday=2, starts=time(22), ends=time(0)).covers(
        datetime(2026, 11, 25, 21, 59, tzinfo=a.org.tzinfo)
    )


def test_opening_the_log_a_call_address_after_an_error_lands_on_the_board(world):
    client = verified_client(world["a"].users[Role.OPERATOR])
    refused = client.post(reverse("crisis:raise"), {"words": "no area given"})
    assert refused.status_code == 400
    again = client.get(reverse("crisis:raise"))
    assert again.status_code == 302 and again["Location"] == reverse("crisis:board")
