"""The services directory as a partner's system reads it: the token's organisation's
services in use, by kind and area, a page at a time, and only what members are told
by SMS: never a service's contact number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from haki.api.models import ApiToken
from haki.core.models import Area
from haki.referrals.models import Service, ServiceKind

URL = "/api/v1/services/"


def place(org, name: str, kind: str, area: Area, **values) -> Service:
    service = Service(
        organisation=org,
        name=name,
        kind=ServiceKind.of(org).get(key=kind),
        area=area,
        address=values.pop("address", "Oginga Odinga Rd"),
        hours=values.pop("hours", "Mon-Fri 8-17"),
        **values,
    )
    service.phone = values.get("phone", "+254190555001")
    service.save()
    return service


@pytest.fixture
def directory(world):
    a, b = world["a"], world["b"]
    north = Area.objects.create(organisation=a.org, code="NOR", name="North", parent=a.central)
    root = a.central.parent
    return {
        "clinic": place(a.org, "Lake Clinic", "drop_in", a.central),
        "north": place(a.org, "North Drop-in", "drop_in", north),
        "legal": place(a.org, "Haki Legal", "legal_aid", root),
        "closed": place(a.org, "Old Clinic", "drop_in", a.central, active=False),
        "other": place(b.org, "Bishkek Clinic", "drop_in", b.central),
        "external": ApiToken.issue(a.org, "partner", "external", None)[1],
        "b": ApiToken.issue(b.org, "b", "external", None)[1],
    }


def listed(client, secret: str, **query) -> list[dict]:
    answer = client.get(URL, query, headers={"Authorization": f"Token {secret}"})
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_a_token_lists_its_organisations_services_in_use_without_any_number(client, directory):
    assert reverse("api:services") == URL
    found = listed(client, directory["external"])
    assert [s["name"] for s in found] == ["Haki Legal", "Lake Clinic", "North Drop-in"]
    clinic = next(s for s in found if s["name"] == "Lake Clinic")
    assert clinic == {
        "code": directory["clinic"].code,
        "name": "Lake Clinic",
        "kind": "drop_in",
        "kind_name": directory["clinic"].kind.display_name,
        "area": "CEN",
        "area_name": "Central",
        "address": "Oginga Odinga Rd",
        "hours": "Mon-Fri 8-17",
    }
    body = client.get(URL, headers={"Authorization": f"Token {directory['external']}"})
    assert "190555001" not in body.content.decode()
    assert [s["name"] for s in listed(client, directory["b"])] == ["Bishkek Clinic"]


def test_services_are_filtered_by_kind_and_by_an_area_with_those_below_it(client, directory):
    secret = directory["external"]
    assert [s["name"] for s in listed(client, secret, kind="legal_aid")] == ["Haki Legal"]
    central = [s["name"] for s in listed(client, secret, area="CEN")]
    assert central == ["Lake Clinic", "North Drop-in"]
    both = listed(client, secret, area="CEN", kind="drop_in")
    assert [s["area"] for s in both] == ["CEN", "NOR"]


def test_an_unknown_kind_or_area_or_page_gets_a_clear_4xx(client, directory):
    headers = {"Authorization": f"Token {directory['b']}"}
    area = client.get(URL, {"area": "CEN-X"}, headers=headers)
    assert area.status_code == 400 and "no area" in area.json()["area"]
    # Another organisation's area code is no area of this one.
    assert client.get(URL, {"area": "NOR"}, headers=headers).status_code == 400
    kind = client.get(URL, {"kind": "spa"}, headers=headers)
    assert kind.status_code == 400 and "no kind" in kind.json()["kind"]
    assert client.get(URL, {"page": 9}, headers=headers).status_code == 404
    assert client.get(URL).status_code in (401, 403)


def test_the_directory_comes_a_page_at_a_time(client, world):
    org = world["a"].org
    kind = ServiceKind.of(org).get(key="drop_in")
    Service.objects.bulk_create(
        Service(
            organisation=org,
            name=f"Place {n:02d}",
            code=f"Z{n:02d}",
            kind=kind,
            area=world["a"].central,
        )
        for n in range(53)
    )
    secret = ApiToken.issue(org, "partner", "internal", None)[1]
    headers = {"Authorization": f"Token {secret}"}
    first = client.get(URL, headers=headers).json()
    assert first["count"] == 53 and len(first["results"]) == 50 and first["next"]
    second = client.get(URL, {"page": 2}, headers=headers).json()
    assert [s["name"] for s in second["results"]] == ["Place 50", "Place 51", "Place 52"]
