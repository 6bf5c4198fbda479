"""Every screen of the menu fits a USSD screen (160 characters) in every shipped
language, shows all the choices that must never fall off, and names nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from haki.core.models import Area
from haki.ussd import screens
from haki.ussd.menu import QUESTIONS, Visit

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "sw", "ru", "ky", "te", "my"]
# Screens whose every choice must be shown: nothing may fall off them.
WHOLE = {"main", "when", "consent", "confirm", "code"}
ENDS = [
    screens.HELP_SENT,
    screens.NOTHING_SENT,
    screens.SMS_SENT,
    screens.NOT_AVAILABLE,
    screens.REGISTERED,
    screens.UNREADABLE,
]


@pytest.fixture
def crowded(world):
    """An organisation with long names everywhere: areas, and its own long name."""
    a = world["a"]
    for n in range(8):
        Area.objects.create(
            organisation=a.org, code=f"H{n}", name=f"Hotspot with a long name {n}", parent=a.central
        )
    a.org.settings = {"neutral_name": "Community Wellness Association Portal"}
    a.org.save()
    return a


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("known", [True, False], ids=["member", "unknown number"])
def test_every_screen_fits_160_characters(crowded, language, known):
    member = crowded.member
    member.language = language
    visit = Visit(crowded.org, None, member.phone, member if known else None)
    with translation.override(language):
        for name, question in QUESTIONS.items():
            asked = question(visit, {})
            for again in (False, True):
                shown = asked.screen(again=again)
                assert len(shown) <= screens.LIMIT, (name, len(shown), shown)
            if name in WHOLE:
                assert asked.shown() == asked.choices, name
            else:
                assert len(asked.shown()) >= min(3, len(asked.choices)), name
        for end in ENDS:
            assert len(str(end)) <= screens.LIMIT
        assert len(str(screens.REPORT_SENT) % {"ref": "#123456"}) <= screens.LIMIT


def test_the_first_screen_uses_the_neutral_name_only(crowded):
    visit = Visit(crowded.org, None, crowded.member.phone, crowded.member)
    first = QUESTIONS["main"](visit, {}).screen(again=False)
    assert first.startswith("Community Wellness Association Portal\n")
    assert crowded.org.name not in first
