"""The read-only API, as a partner's system uses it: figures only, for the token's own
organisation and audience, every use audited."""

from __future__ import annotations

import json
import random

import pytest
from django.test import Client
from django.urls import reverse

from conftest import verified_client
from haki.api.models import ApiToken
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.reports.tests.known import build

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def get(path: str, secret: str | None, **query):
    headers = {"Authorization": f"Token {secret}"} if secret else {}
    return Client().get(path, query, headers=headers)


@pytest.fixture
def tokens(world):
    a, b = world["a"].org, world["b"].org
    return {
        "external": ApiToken.issue(a, "donor dashboard", "external", None)[1],
        "internal": ApiToken.issue(a, "own dashboard", "internal", None)[1],
        "other": ApiToken.issue(b, "b's dashboard", "external", None)[1],
    }


def test_an_owner_makes_a_token_shown_once_and_stored_hashed_then_revokes_it(world):
    a = world["a"]
    client = verified_client(a.users[Role.OWNER])
    page = client.post(reverse("api:tokens"), {"name": "donor", "audience": "external"})
    secret = page.context["secret"]
    assert secret.startswith("haki_") and secret in page.content.decode()
    token = ApiToken.objects.get(organisation=a.org)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert secret not in client.get(reverse("api:tokens")).content.decode()
    assert get(reverse("api:indicators"), secret, **OCTOBER).status_code == 200
    client.post(reverse("api:revoke", kwargs={"token": token.pk}))
    assert get(reverse("api:indicators"), secret, **OCTOBER).status_code in (401, 403)
    assert verified_client(a.users[Role.COORDINATOR]).get(reverse("api:tokens")).status_code == 403


def test_the_indicators_are_the_commands_and_each_use_is_audited(world, tokens):
    a = world["a"]
    known = build(a.org, random.Random(6))
    before = AuditEvent.objects.filter(organisation=a.org, action="view").count()
    answer = get(reverse("api:indicators"), tokens["external"], **OCTOBER).json()
    assert answer["audience"] == "external" and answer["organisation"] == a.org.slug
    figures = {i["key"]: i for i in answer["indicators"]}
    assert figures["cases_total"]["value"] == sum(1 for c in known.cases if c.consent)
    assert AuditEvent.objects.filter(organisation=a.org, action="view").count() == before + 1
    inside = get(reverse("api:indicators"), tokens["internal"], audience="internal", **OCTOBER)
    assert {i["key"]: i for i in inside.json()["indicators"]}["cases_total"]["value"] == 60


def test_an_external_token_asking_for_internal_figures_is_refused(world, tokens):
    response = get(reverse("api:indicators"), tokens["external"], audience="internal", **OCTOBER)
    assert response.status_code == 403 and "external figures only" in response.json()["detail"]


def test_another_organisations_token_sees_only_its_own_figures(world, tokens):
    build(world["a"].org, random.Random(6))
    answer = get(reverse("api:indicators"), tokens["other"], **OCTOBER).json()
    assert answer["organisation"] == world["b"].org.slug
    assert {i["key"]: i for i in answer["indicators"]}["cases_total"]["value"] is None


def test_bad_periods_areas_and_tokens_get_a_clear_4xx(world, tokens):
    url = reverse("api:indicators")
    assert get(url, None, **OCTOBER).status_code in (401, 403)
    assert get(url, "haki_nope_nope", **OCTOBER).status_code == 401
    assert (
        get(url, tokens["external"], **{"from": "2026-10-31", "to": "2026-10-01"}).status_code
        == 400
    )
    assert (
        get(url, tokens["external"], **{"from": "yesterday", "to": "2026-10-01"}).status_code == 400
    )
    unknown = get(url, tokens["external"], area="NOWHERE", **OCTOBER)
    assert unknown.status_code == 400 and "no area" in unknown.content.decode()


def test_no_endpoint_returns_an_alias_a_number_or_a_narrative(world, tokens):
    a = world["a"]
    for name in ("api:indicators", "api:case_aggregates"):
        body = get(reverse(name), tokens["internal"], **{"from": "2026-01-01", "to": "2026-12-31"})
        assert body.status_code == 200
        text = body.content.decode()
        for secret in (a.member.alias, a.member.phone, a.case.narrative, a.case.officer):
            assert secret not in text


def test_the_schema_and_its_documentation_are_served_locally(world):
    schema = Client().get(reverse("api:schema"), headers={"Accept": "application/json"})
    assert schema.status_code == 200 and "/api/v1/indicators/" in schema.content.decode()
    docs = Client().get(reverse("api:docs")).content.decode()
    assert "swagger" in docs.lower() and "https://" not in docs and "http://" not in docs


def test_a_token_of_the_wrong_shape_is_refused_before_any_lookup(world, tokens):
    """A NUL byte cannot even be sent to PostgreSQL in a query (a 500 there), and a
    token that is not one Haki issues can never match: both are a 401 like a wrong one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("api:indicators")
    real = tokens["external"]
    wrong = [
        real[:10] + "\x00" + real[11:],
        real.replace("_", "_\x00", 1),
        real + "x" * 5000,
        "haki_nope_nope",
        "haki_" + "Z" * 12 + real[17:],  # the shape, but a key never issued (hex only)
        real[:-1],
    ]
    for secret in wrong:
        with CaptureQueriesContext(connection) as queries:
            assert get(url, secret, **OCTOBER).status_code == 401
        assert not [q for q in queries if "api_apitoken" in q["sql"]], repr(secret)
    assert get(url, real, **OCTOBER).status_code == 200


FAR_OFF = [("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31"), ("1899-12-31", "1900-01-05")]


def test_a_period_in_a_far_off_year_is_a_400_not_a_500(world, tokens):
    for name in ("api:indicators", "api:case_aggregates"):
        for since, until in FAR_OFF:
            answer = get(reverse(name), tokens["internal"], **{"from": since, "to": until})
            assert answer.status_code == 400, (name, since)
            assert "between 1900 and 2999" in answer.content.decode()
        edge = {"from": "1900-01-01", "to": "1900-01-31"}
        assert get(reverse(name), tokens["internal"], **edge).status_code == 200
