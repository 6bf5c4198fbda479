"""Pushing the external figures to DHIS2, end to end against a local server that speaks
its wire format."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haki.crisis.models import Alert
from haki.provisioning import apply, load
from haki.reports import dhis2
from haki.reports.models import Dhis2Push
from haki.reports.tests.dhis2_server import Dhis2Server
from haki.reports.tests.known import AlertSpec, Known, areas_of, save

FILE = """
organisation: {{slug: org-a, name: org-a network, country: KE}}
dhis2:
  url: {url}
  token_file: {token_file}
  data_set: HAKI_MONTHLY
  org_units: {{ROOT: OU_NATIONAL, CEN: OU_CENTRAL}}
  data_elements:
    alerts_total: ALERTS
    alerts_reaching_police_tier: {{code: ALERTS_POLICE, category_option_combo: DEFAULT}}
    {extra}
  schedule: monthly
"""


@pytest.fixture
def server():
    running = Dhis2Server(
        token="d2pat_local_test_token",
        data_elements={"ALERTS", "ALERTS_POLICE"},
        org_units={"OU_NATIONAL", "OU_CENTRAL"},
    )
    yield running
    running.close()


def provision(world, server, tmp_path, token="d2pat_local_test_token", extra=""):
    token_file = tmp_path / "dhis2-token"
    token_file.write_text(token + "\n")
    text = FILE.format(url=server.url, token_file=token_file, extra=extra)
    apply(load(text))
    world["a"].org.refresh_from_db()
    return world["a"].org


def october_alerts(org, police: int) -> None:
    known = Known(org, areas_of(org))
    tz = org.tzinfo
    for n in range(12):
        known.alerts.append(
            AlertSpec(
                area="CEN",
                source="sms",
                raised=datetime.datetime(2026, 10, 3 + n, 9, tzinfo=tz),
                ack_minutes=5,
                closed_hours=2,
                escalations=0,
                tier_index=3 if n < police else 0,
            )
        )
    save(known)


def push(org, *extra: str) -> str:
    out = io.StringIO()
    call_command("dhis2", "push", "--org", org.slug, "--period", "202610", *extra, stdout=out)
    return out.getvalue()


def test_a_dry_run_then_a_push_then_a_value_fallen_below_k_is_deleted(world, server, tmp_path):
    org = provision(world, server, tmp_path)
    october_alerts(org, police=5)
    printed = push(org, "--dry-run")
    assert "dry run: imported 4, updated 0, ignored 0, deleted 0" in printed
    first = server.requests[0]
    assert first["query"] == {"idScheme": "code", "dryRun": "true"}
    assert first["payload"]["dataSet"] == "HAKI_MONTHLY" and server.stored == {}
    assert {
        "dataElement": "ALERTS_POLICE",
        "period": "202610",
        "orgUnit": "OU_CENTRAL",
        "value": "5",
        "categoryOptionCombo": "DEFAULT",
    } in first["payload"]["dataValues"]

    assert "imported 4, updated 0" in push(org)
    assert server.stored[("ALERTS", "202610", "OU_NATIONAL", None)] == "12"
    assert server.stored[("ALERTS_POLICE", "202610", "OU_CENTRAL", "DEFAULT")] == "5"

    # One alert that reached police allies is found to be a duplicate and removed.
    Alert.objects.filter(organisation=org, tier_index=3).first().delete()
    printed = push(org)
    assert "imported 0, updated 2, ignored 0, deleted 2" in printed
    deletion = server.requests[-1]
    assert deletion["query"]["importStrategy"] == "DELETE"
    assert {v["dataElement"] for v in deletion["payload"]["dataValues"]} == {"ALERTS_POLICE"}
    assert server.stored == {
        ("ALERTS", "202610", "OU_NATIONAL", None): "11",
        ("ALERTS", "202610", "OU_CENTRAL", None): "11",
    }
    assert Dhis2Push.objects.filter(organisation=org, ok=True, dry_run=False).count() == 2


def test_conflicts_are_printed_and_the_command_fails(world, server, tmp_path):
    org = provision(world, server, tmp_path, extra="alerts_escalated_pct: ESCALATED")
    october_alerts(org, police=0)
    Alert.objects.filter(organisation=org).update(escalations=1)
    out = io.StringIO()
    with pytest.raises(CommandError, match="reported 2 conflict"):
        call_command("dhis2", "push", "--org", org.slug, "--period", "202610", stdout=out)
    assert "conflict: ESCALATED: Data element not found or not accessible" in out.getvalue()


def test_a_rejected_token_a_web_page_a_slow_or_absent_server_each_say_so(
    world, server, tmp_path, monkeypatch
):
    org = provision(world, server, tmp_path, token="d2pat_wrong")
    october_alerts(org, police=0)
    with pytest.raises(CommandError, match="refused the token"):
        push(org)
    provision(world, server, tmp_path)
    server.mode = "html"
    with pytest.raises(CommandError, match="not an import summary"):
        push(org)
    server.mode = "slow"
    monkeypatch.setattr(dhis2, "TIMEOUT", 1)
    with pytest.raises(CommandError, match="did not answer within 1 seconds"):
        push(org)
    server.close()
    with pytest.raises(CommandError, match="could not be reached"):
        push(org)
    assert not Dhis2Push.objects.filter(organisation=org, ok=True).exists()


def test_a_huge_or_dripping_answer_fails_in_one_sentence_within_the_time(
    world, server, tmp_path, monkeypatch
):
    org = provision(world, server, tmp_path)
    october_alerts(org, police=0)
    server.mode = "huge"
    with pytest.raises(CommandError, match="answered more than 10 MB"):
        push(org)
    server.mode = "drip"
    monkeypatch.setattr(dhis2, "TIMEOUT", 1)
    began = time.monotonic()
    with pytest.raises(CommandError, match="did not answer within 1 seconds"):
        push(org)
    assert time.monotonic() - began < 5
    assert not Dhis2Push.objects.filter(organisation=org, ok=True).exists()


def test_a_period_that_is_not_a_month_or_a_week_is_refused(world):
    with pytest.raises(CommandError, match="not a DHIS2 period"):
        call_command("dhis2", "push", "--org", "org-a", "--period", "2026-11")
    for far_off in ("000001", "999912", "9999W52", "1899W52"):
        with pytest.raises(CommandError, match="between 1900 and 2999"):
            call_command("dhis2", "push", "--org", "org-a", "--period", far_off)
    assert dhis2.period_days("2026W48") == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
    )


def test_the_provisioning_file_may_only_name_areas_and_indicators_that_exist(world, tmp_path):
    from haki.provisioning import ProvisioningError

    text = FILE.format(
        url="http://127.0.0.1:9", token_file="/nowhere", extra="members_registered: M"
    )
    with pytest.raises(ProvisioningError, match="may not leave the organisation"):
        load(text)


def test_the_token_goes_over_https_or_to_this_machine_only(world, tmp_path, monkeypatch):
    from haki.provisioning import ProvisioningError

    for url in ("http://dhis2.example.org", "http://10.0.0.5:8080", "http://[2001:db8::1]"):
        text = FILE.format(url=url, token_file="/nowhere", extra="")
        with pytest.raises(ProvisioningError, match="must be https"):
            load(text)
    for url in (
        "https://dhis2.example.org",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ):
        load(FILE.format(url=url, token_file="/nowhere", extra=""))
    # Settings written before the rule: the push refuses too, before the token is sent.
    org = world["a"].org
    token_file = tmp_path / "dhis2-token"
    token_file.write_text("d2pat_local_test_token")
    org.settings = {
        **org.settings,
        "dhis2": {
            "url": "http://dhis2.example.org",
            "token_file": str(token_file),
            "data_set": "HAKI_MONTHLY",
            "org_units": {"ROOT": "OU_NATIONAL"},
            "data_elements": {"alerts_total": "ALERTS"},
            "schedule": "monthly",
        },
    }
    org.save()

    def never(*args, **kwargs):
        raise AssertionError("the token was sent over plain http")

    monkeypatch.setattr(dhis2.requests, "post", never)
    with pytest.raises(CommandError, match="must be https"):
        push(org)
    assert "must be https" in Dhis2Push.objects.get(organisation=org).summary["error"]


def test_the_worker_pushes_the_last_complete_period_once_and_the_page_shows_it(
    world, server, tmp_path
):
    from django.urls import reverse
    from django.utils import timezone

    from conftest import verified_client
    from haki.core.roles import Role
    from haki.reports.tasks import due_period, push_to_dhis2

    assert due_period("monthly", datetime.date(2026, 12, 4)) == "202611"
    assert due_period("weekly", datetime.date(2026, 12, 4)) == "2026W48"
    assert due_period("off", datetime.date(2026, 12, 4)) is None
    org = provision(world, server, tmp_path)
    assert push_to_dhis2.call_local() == 1
    assert push_to_dhis2.call_local() == 0  # done: not pushed again
    period = due_period("monthly", timezone.localdate(timezone=org.tzinfo))
    assert server.requests[0]["payload"]["period"] == period
    page = verified_client(world["a"].users[Role.COORDINATOR]).get(reverse("reports:programme"))
    assert f"Last DHIS2 push: {period}" in " ".join(page.content.decode().split())
