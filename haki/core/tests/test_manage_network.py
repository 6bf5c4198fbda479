"""Areas, organisation settings and the one check that words never collide."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import verified_client
from haki.core.forms import OUTLINE_MAX_BYTES
from haki.core.models import MINIMUM_K, Area, AuditEvent
from haki.core.roles import Role
from haki.core.words import word_taken
from haki.messaging.models import Keyword
from haki.surveys.models import InfoText

SQUARE = {"type": "Polygon", "coordinates": [[[34.7, -0.1], [34.8, -0.1], [34.8, 0], [34.7, -0.1]]]}


def outline(data, name: str = "area.geojson") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/geo+json")


def test_only_coordinators_and_owners_change_areas_and_settings(world):
    a = world["a"]
    edit = reverse("core:area_edit", kwargs={"area": a.central.uuid})
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ANALYST, Role.POLICE_ALLY):
        client = verified_client(a.users[role])
        assert client.post(reverse("core:area_add"), {"code": "X", "name": "X"}).status_code == 403
        assert client.post(edit, {"code": "CEN", "name": "Renamed"}).status_code == 403
        assert client.post(reverse("core:settings"), {"suppression_k": 9}).status_code == 403
    other = verified_client(world["b"].users[Role.OWNER])
    assert other.post(edit, {"code": "CEN", "name": "Renamed"}).status_code == 404
    a.central.refresh_from_db()
    assert a.central.name == "Central"
    assert not Area.objects.filter(code="X").exists()


def test_an_area_cannot_be_moved_inside_itself_or_take_a_code_already_used(world):
    a = world["a"]
    root = a.central.parent
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("core:area_edit", kwargs={"area": root.uuid})
    response = client.post(url, {"code": "ROOT", "name": "Root", "parent": a.central.pk})
    assert response.status_code == 400
    assert "An area cannot be inside itself or one of its own." in response.content.decode()
    taken = client.post(reverse("core:area_add"), {"code": "cen", "name": "Again"})
    assert "Another area already has this code." in taken.content.decode()
    root.refresh_from_db()
    assert root.parent is None


def test_an_outline_must_be_a_bounded_geojson_polygon(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    url = reverse("core:area_add")
    for upload, message in [
        (outline(b"{not json"), "The file is not GeoJSON."),
        (outline({"type": "Point", "coordinates": [1, 2]}), "Polygon or MultiPolygon"),
        (outline({"type": "Polygon", "coordinates": [[["a", 1]]]}), "not a list of rings"),
        (outline({"type": "Polygon", "coordinates": [[[500, 1], [1, 1], [1, 2]]]}), "rings"),
        (outline(b" " * (OUTLINE_MAX_BYTES + 1)), "larger than"),
    ]:
        response = client.post(url, {"code": "EST", "name": "East", "outline": upload})
        assert response.status_code == 400
        assert message in response.content.decode(), message
    assert not Area.objects.filter(code="EST").exists()


def test_a_coordinator_adds_an_area_with_an_outline_and_moves_it(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE}
    response = client.post(
        reverse("core:area_add"),
        {"code": "KSM-E", "name": "East", "parent": a.central.pk, "outline": outline(feature)},
    )
    assert response.status_code == 302
    east = Area.objects.get(organisation=a.org, code="KSM-E")
    assert east.parent == a.central and east.geometry == SQUARE
    url = reverse("core:area_edit", kwargs={"area": east.uuid})
    root = a.central.parent
    client.post(url, {"code": "KSM-E", "name": "Kisumu East", "parent": root.pk})
    east.refresh_from_db()
    assert (east.name, east.parent, east.geometry) == ("Kisumu East", root, SQUARE)
    client.post(url, {"code": "KSM-E", "name": "Kisumu East", "remove_outline": "on"})
    east.refresh_from_db()
    assert east.geometry is None and east.parent is None
    tree = client.get(reverse("core:areas")).content.decode()
    assert tree.index("Root") < tree.index("Central") and "Kisumu East" in tree
    events = AuditEvent.objects.filter(organisation=a.org, object_ref=str(east.uuid))
    assert list(events.values_list("action", flat=True)) == ["create", "change", "change"]


def settings_data(**changes) -> dict:
    data = {
        "timezone": "Africa/Nairobi",
        "default_language": "sw",
        "languages": ["en"],
        "ack_timeout_minutes": 5,
        "tiers": "paralegal, lawyer, coordinator",
        "suppression_k": 8,
    }
    return {**data, **changes}


def test_k_is_never_set_below_the_minimum_and_a_tier_in_use_is_never_removed(world):
    a = world["a"]
    client = verified_client(a.users[Role.OWNER])
    low = client.post(reverse("core:settings"), settings_data(suppression_k=MINIMUM_K - 1))
    assert low.status_code == 400
    assert f"never set below {MINIMUM_K}" in low.content.decode()
    gone = client.post(reverse("core:settings"), settings_data(tiers="lawyer, coordinator"))
    assert gone.status_code == 400
    assert "Responders still hold these tiers: paralegal." in gone.content.decode()
    bad_zone = client.post(reverse("core:settings"), settings_data(timezone="Mars/Olympus"))
    assert bad_zone.status_code == 400
    a.org.refresh_from_db()
    assert a.org.suppression_k == 5 and a.org.languages == ["en", "sw"]


def test_a_coordinator_changes_time_zone_languages_timeout_tiers_and_k(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    assert client.post(reverse("core:settings"), settings_data()).status_code == 302
    a.org.refresh_from_db()
    assert a.org.languages == ["sw", "en"] and a.org.default_language == "sw"
    assert a.org.ack_timeout_seconds == 300 and a.org.suppression_k == 8
    assert a.org.tiers == ["paralegal", "lawyer", "coordinator"]
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_type) == ("change", "core.organisation")


def test_a_word_is_taken_by_a_command_keyword_information_keyword_or_codeword(world):
    a = world["a"]
    rights = InfoText.objects.create(organisation=a.org, keyword="RIGHTS", text={"en": "x"})
    own = Keyword.objects.create(
        organisation=a.org, language="ky", word="КУТКАРГЫЛА", action="help"
    )
    assert "command words" in str(word_taken(a.org, " stop! "))
    assert "command words" in str(word_taken(a.org, "Ndiyo"))  # a poll answer
    assert "keywords" in str(word_taken(a.org, "куткаргыла"))
    assert "information keyword" in str(word_taken(a.org, "Rights"))
    assert "codeword" in str(word_taken(a.org, "blue-giraffe".replace("-", "")))
    assert word_taken(a.org, "RIGHTS", ignore=rights) is None  # editing itself
    assert word_taken(a.org, "КУТКАРГЫЛА", ignore=own) is None
    assert word_taken(a.org, "BLUEGIRAFFE", ignore=a.member) is None
    assert word_taken(a.org, "PINEAPPLE") is None
    assert "command words" in str(word_taken(a.org, "clinic"))  # a kind of service
    assert word_taken(world["b"].org, "RIGHTS") is None  # another organisation's words


def test_an_outline_with_a_height_that_is_not_a_number_is_refused_not_stored(world):
    # JSON's NaN and Infinity cannot be stored by PostgreSQL nor read by a browser's map.
    client = verified_client(world["a"].users[Role.COORDINATOR])
    for height in (b"NaN", b"Infinity", b"-Infinity"):
        ring = b"[[34.7, -0.1, %s], [34.8, -0.1], [34.8, 0], [34.7, -0.1]]" % height
        raw = b'{"type": "Polygon", "coordinates": [%s]}' % ring
        response = client.post(
            reverse("core:area_add"), {"code": "EST", "name": "East", "outline": outline(raw)}
        )
        assert response.status_code == 400
        assert "not a list of rings" in response.content.decode()
    assert not Area.objects.filter(code="EST").exists()
