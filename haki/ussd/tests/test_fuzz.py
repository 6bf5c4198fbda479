"""The USSD callback fed anything as its ``text`` (and its session id): every answer is
a 200 starting CON or END within a screen's 160 characters, never a 5xx, and nothing
is acted on unless the walk really reaches an act."""

from __future__ import annotations

import itertools
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haki.crisis.models import Alert
from haki.ussd import screens
from haki.ussd.screens import HELP_SENT
from haki.ussd.tests.test_menu import at_channel

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SESSIONS = itertools.count()
ANSWER = st.one_of(
    st.from_regex(r"[0-9]{0,4}", fullmatch=True),
    st.text(st.characters(blacklist_categories=()), max_size=8),
    st.sampled_from(["١", " 1", "1 ", "０", "²"]),
)
TEXT = st.one_of(
    st.lists(ANSWER, max_size=20).map("*".join),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["*", "1", "1*", "#", "\x00"]), st.integers(1, 600)
    ),
)


@pytest.fixture
def channel(world):
    return at_channel(world["a"].org)


@FUZZ
@given(text=TEXT, session=st.one_of(st.just(""), st.text(max_size=80)))
def test_any_text_gets_a_screen_or_a_refusal_never_a_failure(client, world, channel, text, session):
    Alert.objects.filter(source="ussd").delete()  # a failed example's alert stays no further
    form = {
        # Each example its own session (hostile characters kept): a network never reuses
        # an id, and a reused one would be answered from the earlier example's state.
        "sessionId": f"{next(SESSIONS)}-{session}",
        "serviceCode": "*384#",
        "phoneNumber": "+254190555123",
        "text": text,
    }
    body = "&".join(
        f"{k}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}" for k, v in form.items()
    )
    response = client.post(
        f"/c/at/{channel.uuid}/ussd", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        shown = response.content.decode()
        assert shown[:4] in ("CON ", "END ") and len(shown) - 4 <= screens.LIMIT
    # An alert is raised exactly when the walk ends on the screen that says so.
    helped = response.status_code == 200 and response.content.decode() == f"END {HELP_SENT}"
    assert Alert.objects.filter(source="ussd").exists() == helped, ascii(text)
