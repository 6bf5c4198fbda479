"""Checking a card from any phone: the page behind the QR code, the code typed in, and
CHECK <code> by SMS through the real webhook and router."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from haki.core.models import AuditEvent
from haki.credentials import tokens
from haki.credentials.checks import Throttle
from haki.credentials.models import CheckCounter, Endorsement
from haki.credentials.tests.conftest import issue
from haki.credentials.views import verification_path
from haki.crisis.models import Alert
from haki.messaging.tests.test_router import replies_to, text_in
from haki.surveys.models import InfoText

OFFICER = "+254190555001"


def altered(token: str) -> str:
    raw = bytearray(tokens.unb64(token))
    raw[14] ^= 0x01  # the role
    return tokens.b64(bytes(raw))


# The page ------------------------------------------------------------------------------


def test_the_page_answers_valid_with_organisation_role_and_expiry_and_nothing_else(client, card):
    response = client.get(verification_path(card))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in page
    assert "Community Health Link" in page and "Paralegal" in page
    assert card.valid_until.isoformat() in page
    for never in ("Zawadi", card.organisation.name, "sex work", "drugs"):
        assert never not in page


def test_a_revoked_card_answers_revoked_on_the_page_at_once(client, card):
    assert 'data-status="valid"' in client.get(verification_path(card)).content.decode()
    card.revoke()
    page = client.get(verification_path(card)).content.decode()
    assert 'data-status="revoked"' in page and "Community Health Link" in page


def test_an_expired_card_says_expired(client, world):
    old = issue(world["a"].org, days=(-400, -1))
    assert 'data-status="expired"' in client.get(verification_path(old)).content.decode()


def test_an_altered_or_misplaced_token_is_refused_online(client, world, card):
    slug = card.organisation.slug
    for path in (
        reverse("credentials_public:verify", args=[slug, altered(card.token)]),
        reverse("credentials_public:verify", args=[slug, card.token[:-4] + "AAAA"]),
        reverse("credentials_public:verify", args=[world["b"].org.slug, card.token]),
        reverse("credentials_public:verify", args=[slug, "not-a-token"]),
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert 'data-status="unknown"' in response.content.decode()


def test_an_endorsement_is_shown_as_endorsed_by_its_label(client, card):
    Endorsement.objects.create(
        organisation=card.organisation,
        credential=card,
        endorser="Central Police Station focal point",
        recorded_by="org-a-coordinator",
    )
    page = client.get(verification_path(card)).content.decode()
    assert "Endorsed by" in page and "Central Police Station focal point" in page


def test_the_code_typed_in_answers_like_the_qr_code(client, card):
    response = client.post(reverse("credentials_public:check"), {"code": card.display_code.lower()})
    assert response.status_code == 200
    assert 'data-status="valid"' in response.content.decode()
    response = client.post(reverse("credentials_public:check"), {"code": "K7Q2"})
    assert response.status_code == 400
    assert "A code has eight letters and digits" in response.content.decode()


@override_settings(HAKI_CHECK_FAILURES=3)
def test_an_address_that_keeps_guessing_codes_is_refused_and_the_code_tried_is_never_kept(
    client, card
):
    before = AuditEvent.objects.count()
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        response = client.post(reverse("credentials_public:check"), {"code": guess})
        assert response.status_code == 404
    response = client.post(reverse("credentials_public:check"), {"code": card.display_code})
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()
    failures = AuditEvent.objects.all()[before:]
    assert len(failures) == 3 and {event.actor for event in failures} == {"credential check"}
    for event in failures:
        assert not {"AAAAAAAA", "BBBBBBBB", "CCCCCCCC"} & {event.object_ref, event.object_type}
    assert not CheckCounter.objects.filter(bucket__contains="127.0.0.1").exists()
    forged = reverse(
        "credentials_public:verify", args=[card.organisation.slug, altered(card.token)]
    )
    for _ in range(5):  # over the limit, a flood of bad scans writes nothing more
        assert client.get(forged).status_code == 404
    assert list(CheckCounter.objects.values_list("failures", flat=True)) == [3]
    assert AuditEvent.objects.count() == before + 3
    other = client.post(
        reverse("credentials_public:check"),
        {"code": card.display_code},
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 200  # another address is not punished


def test_the_published_keys_need_no_sign_in_and_list_revoked_codes(client, card):
    card.revoke()
    response = client.get(
        reverse("credentials_public:keys", kwargs={"organisation": card.organisation.slug})
    )
    assert response.status_code == 200
    assert response.json()["revoked"] == [card.code]
    assert client.get("/.well-known/haki/credentials/nobody.json").status_code == 404


# By SMS --------------------------------------------------------------------------------


def test_check_by_sms_answers_valid_then_revoked_at_once(client, world, card):
    channel = world["a"].channel
    msg = text_in(client, channel, OFFICER, f"CHECK {card.display_code}")
    [reply] = replies_to(msg)
    assert reply.text.startswith(f"{card.display_code}: VALID.")
    assert "Community Health Link" in reply.text and "Paralegal" in reply.text
    assert "Zawadi" not in reply.text
    card.revoke()
    [reply] = replies_to(text_in(client, channel, OFFICER, f"check {card.code.lower()} please"))
    assert f"{card.display_code}: REVOKED" in reply.text


def test_check_by_sms_says_expired(client, world):
    old = issue(world["a"].org, days=(-400, -1))
    [reply] = replies_to(text_in(client, world["a"].channel, OFFICER, f"CHECK {old.display_code}"))
    assert "EXPIRED" in reply.text and old.valid_until.isoformat() in reply.text


@pytest.mark.parametrize(
    "word",
    ["HAKIKI", "ПРОВЕРКА", "Proverka", "ТЕКШЕР", "TEKSHER", "తనిఖీ", "TANIKHI", "စစ်ဆေး", "SITSAY"],
)
def test_the_check_word_works_in_every_shipped_language_and_in_latin_letters(
    client, world, card, word
):
    [reply] = replies_to(text_in(client, world["a"].channel, OFFICER, f"{word} {card.code}"))
    assert card.display_code in reply.text and "Community Health Link" in reply.text


def test_check_by_sms_answers_in_the_language_of_the_word(client, world, card):
    [reply] = replies_to(text_in(client, world["a"].channel, OFFICER, f"HAKIKI {card.code}"))
    assert reply.language == "sw" and "VALID" not in reply.text


def test_a_card_of_another_organisation_is_unknown_by_sms(client, world):
    other = issue(world["b"].org)
    [reply] = replies_to(text_in(client, world["a"].channel, OFFICER, f"CHECK {other.code}"))
    assert "no card has this code" in reply.text


@override_settings(HAKI_CHECK_FAILURES=2)
def test_a_number_that_keeps_guessing_is_told_once_then_ignored(client, world, card):
    channel = world["a"].channel
    first = replies_to(text_in(client, channel, OFFICER, "CHECK AAAA-AAAA"))
    second = replies_to(text_in(client, channel, OFFICER, "CHECK BBBB-BBBB"))
    third = replies_to(text_in(client, channel, OFFICER, f"CHECK {card.code}"))
    assert "no card has this code" in first[0].text
    assert "Too many checks" in second[0].text
    assert third == []
    other = replies_to(text_in(client, channel, "+254190555002", f"CHECK {card.code}"))
    assert "VALID" in other[0].text


def test_a_members_codeword_that_starts_like_the_check_word_still_raises_the_alert(client, world):
    a = world["a"]
    a.member.codewords = ["CHECK IN"]
    a.member.save()
    Alert.objects.all().delete()
    text_in(client, a.channel, a.member.phone, "check in at the gate")
    assert Alert.objects.filter(organisation=a.org, member=a.member).count() == 1


def test_an_information_keyword_equal_to_the_check_word_keeps_its_text(client, world):
    a = world["a"]
    InfoText.objects.create(organisation=a.org, keyword="VERIFY", text={"en": "Clinic hours: 9-5"})
    [reply] = replies_to(text_in(client, a.channel, OFFICER, "verify"))
    assert reply.text == "Clinic hours: 9-5"


def test_check_alone_explains_how_to_check(client, world):
    [reply] = replies_to(text_in(client, world["a"].channel, OFFICER, "CHECK"))
    assert "CHECK K7Q2-8XM4" in reply.text


def test_no_check_word_is_already_another_actions_word():
    from haki.messaging.keywords import ACTIONS, normalise

    others = {
        normalise(word)
        for name, action in ACTIONS.items()
        if name != "check"
        for words in action.words.values()
        for word in words
    }
    mine = {normalise(word) for words in ACTIONS["check"].words.values() for word in words}
    assert not mine & others


@pytest.mark.django_db
def test_throttles_of_different_periods_keep_each_others_counts():
    """A missed-call throttle counts per hour, card checks per 15 minutes: the first
    failure of one in a new period must not wipe the other's current counts."""
    hourly = Throttle("flash", "1:caller", limit=2, period_seconds=3600)
    quarterly = Throttle("web", "192.0.2.8", limit=2, period_seconds=900)
    for _ in range(2):
        hourly.fail()
        quarterly.fail()
    Throttle.forget()  # another process, which asks the database
    Throttle("web", "192.0.2.9", period_seconds=900).fail()
    Throttle("flash", "1:another", limit=2, period_seconds=3600).fail()
    Throttle.forget()
    assert hourly.blocked() and quarterly.blocked()
