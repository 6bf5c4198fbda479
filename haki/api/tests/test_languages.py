"""The API's and the reports commands' error sentences in the language asked: the
request's Accept-Language for the API, --language or else the organisation's for the
commands."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from haki.api.models import ApiToken

PERIOD = {"from": "2026-10-01", "to": "2026-10-31"}


def said(language: str, sentence: str) -> str:
    with translation.override(language):
        words = translation.gettext(sentence)
    assert words != sentence  # translated, so the test tells the languages apart
    return words


def test_the_api_answers_errors_in_the_language_asked(world):
    secret = ApiToken.issue(world["a"].org, "partner", "external", None)[1]
    headers = {"Authorization": f"Token {secret}", "Accept-Language": "sw"}
    area = Client().get("/api/v1/services/", {"area": "NOWHERE"}, headers=headers)
    assert area.json()["area"] == said("sw", "There is no area with this code.")
    inside = Client().get(
        "/api/v1/indicators/", {**PERIOD, "audience": "internal"}, headers=headers
    )
    assert inside.json()["detail"] == said("sw", "This token may read external figures only.")
    date = Client().get(
        "/api/v1/indicators/", {"from": "soon", "to": "2026-10-31"}, headers=headers
    )
    assert date.json()["from"] == [said("sw", "Write a date as YYYY-MM-DD.")]
    anonymous = Client().get("/api/v1/services/", headers={"Accept-Language": "ru"})
    assert anonymous.json()["detail"] == said("ru", "Send a token: Authorization: Token haki_...")
    english = Client().get("/api/v1/services/", headers={"Accept-Language": "en"})
    assert english.json()["detail"] == "Send a token: Authorization: Token haki_..."


def test_the_commands_speak_the_language_asked_or_the_organisations(world):
    org = world["a"].org
    dates = ["--from", "2026-10-01", "--to", "2026-10-31"]
    with pytest.raises(CommandError) as unknown:
        call_command("indicators", "--org", "nowhere", *dates, "--language", "ru")
    assert str(unknown.value) == said("ru", "There is no organisation with the slug %(slug)s.") % {
        "slug": "nowhere"
    }
    org.languages = ["sw", "en"]
    org.save()
    with pytest.raises(CommandError) as area:
        call_command("indicators", "--org", org.slug, *dates, "--area", "NOWHERE")
    assert str(area.value) == said("sw", "There is no area with this code.")
    with pytest.raises(CommandError) as reversed_period:
        call_command(
            "brief",
            "--org",
            org.slug,
            "--from",
            "2026-10-31",
            "--to",
            "2026-10-01",
            "--audience",
            "police",
            "--language",
            "te",
        )
    assert str(reversed_period.value) == said("te", "The period must not end before it starts.")
    with pytest.raises(CommandError) as period:
        call_command("dhis2", "push", "--org", org.slug, "--period", "2026-10", "--language", "my")
    not_a_period = said("my", "%(period)s is not a DHIS2 period (e.g. 202611 or 2026W48)")
    failed = said("my", "DHIS2 push of %(period)s failed: %(error)s")
    error = not_a_period % {"period": repr("2026-10")}
    assert str(period.value) == failed % {"period": "2026-10", "error": error}
