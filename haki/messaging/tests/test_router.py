"""What members can do by SMS, in their language, through the real webhook."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import TestCase
from django.utils import translation

from haki.members.models import Member
from haki.messaging.keywords import ACTIONS, is_yes, match, normalise
from haki.messaging.models import Keyword, MessageTemplate, Msg

_ids = itertools.count(1)
NEW_NUMBER = "+254190777001"


def text_in(client, channel, sender: str, text: str) -> Msg:
    """A text arriving from Kannel, as Kannel posts it."""
    ext_id = f"t-{next(_ids)}"
    body = text.encode("utf-16-be")
    query = f"sender={quote(sender)}&message={quote(body)}&ts=1795263728&id={ext_id}&to=20100"
    # What the worker does after the commit (routing, replies) runs here, in line.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/c/kn/{channel.uuid}/receive?{query}",
            data=body,
            content_type='text/plain; charset="UTF-16BE"',
            headers={"X-Kannel-Coding": "2"},
        )
    assert response.status_code == 200
    return Msg.objects.get(channel=channel, external_id=ext_id)


def replies_to(msg: Msg) -> list[Msg]:
    return list(Msg.objects.filter(in_reply_to=msg).order_by("pk"))


@pytest.fixture
def kisumu(world):
    return world["a"]


# Matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["stop", "  STOP!! ", "Stop.", "s t o p"[:0] + "StOp please"])
def test_matching_ignores_case_punctuation_and_spaces(typed):
    found = match(typed, [])
    assert found is not None and found.action == "stop"


def test_matching_ignores_accents_but_not_letters_of_other_scripts():
    assert normalise("Ndiyó,  sawa") == "NDIYO SAWA"
    assert normalise("ПОМОЩЬ!") == normalise("помощь")
    assert normalise("ооба") == "ООБА"
    assert normalise("అవును") == "అవును"  # Telugu vowel signs are letters, kept
    assert normalise("ဟုတ်") == "ဟုတ်"


def test_yes_words_are_understood_in_every_shipped_language():
    for word in ["yes", "Ndiyo", "да", "ООБА", "అవును", "ဟုတ်", "1"]:
        assert is_yes(word), word
    assert not is_yes("hapana")


def test_every_command_has_words_in_every_shipped_language_and_in_latin_letters():
    shipped = [code for code, _name in settings.LANGUAGES]
    for action in ACTIONS.values():
        assert sorted(action.words) == sorted(shipped), action.name
        for language, words in action.words.items():
            latin = [w for w in words if w.isascii()]
            assert latin, f"{action.name} has no word in Latin letters for {language}"
            for word in words:  # and each word is understood as that command
                assert match(word.lower(), []).action == action.name, word


def test_the_keyword_table_in_the_docs_lists_every_shipped_word():
    documented = (Path(settings.BASE_DIR) / "docs" / "messaging.md").read_text()
    for action in ("help", "ack", "done", "on", "off", "join", "stop", "start", "lang", "delete"):
        for words in ACTIONS[action].words.values():
            assert all(f"`{word}`" in documented for word in words), action


def test_the_longest_keyword_wins_and_an_organisations_word_is_added(kisumu):
    Keyword.objects.create(organisation=kisumu.org, language="ky", word="ТОКТОТ", action="stop")
    custom = list(Keyword.objects.values_list("word", "action", "language"))
    found = match("токтот", custom)
    assert found.action == "stop" and found.language == "ky"
    assert match("JOIN CEN", custom).rest == "CEN"


# Registering -------------------------------------------------------------------------


def test_an_unknown_number_joins_with_an_area_code_and_is_welcomed_in_swahili(kisumu, client):
    msg = text_in(client, kisumu.channel, NEW_NUMBER, "Jiunge cen")
    member = Member.objects.with_phone(kisumu.org, NEW_NUMBER).get()
    assert member.area == kisumu.central and member.language == "sw"
    (reply,) = replies_to(msg)
    with translation.override("sw"):
        assert reply.text == str(
            translation.gettext(
                "Welcome, you are registered. Send STOP at any time to stop messages."
            )
        )
    assert reply.language == "sw" and reply.member == member
    assert reply.text != "Welcome, you are registered. Send STOP at any time to stop messages."


def test_join_picks_the_whole_area_code_not_its_parents_prefix(kisumu, client):
    from haki.core.models import Area

    Area.objects.create(
        organisation=kisumu.org, code="CEN-2", name="Central 2", parent=kisumu.central
    )
    text_in(client, kisumu.channel, NEW_NUMBER, "join cen-2")
    assert Member.objects.with_phone(kisumu.org, NEW_NUMBER).get().area.code == "CEN-2"


def test_join_without_a_known_area_asks_for_one_and_registers_nobody(kisumu, client):
    msg = text_in(client, kisumu.channel, NEW_NUMBER, "JOIN somewhere")
    assert not Member.objects.with_phone(kisumu.org, NEW_NUMBER).exists()
    assert "JOIN CEN" in replies_to(msg)[0].text


def test_join_from_a_registered_number_changes_nothing(kisumu, client):
    msg = text_in(client, kisumu.channel, kisumu.member.phone, "JOIN CEN")
    assert replies_to(msg)[0].template == "join.already"
    assert Member.objects.filter(organisation=kisumu.org).count() == 1


# Stop, start, language ---------------------------------------------------------------------


def test_stop_opts_out_and_nothing_more_is_sent_until_start(kisumu, client):
    from haki.messaging import outbox

    text_in(client, kisumu.channel, kisumu.member.phone, "Acha")
    member = Member.objects.get(pk=kisumu.member.pk)
    assert member.opted_out_on is not None
    assert outbox.queue(kisumu.org, member.phone, "news", member=member) is None
    text_in(client, kisumu.channel, kisumu.member.phone, "START")
    member.refresh_from_db()
    assert member.opted_out_on is None
    assert outbox.queue(kisumu.org, member.phone, "news", member=member) is not None


def test_lang_changes_the_members_language_and_answers_in_it(kisumu, client):
    kisumu.org.languages = ["en", "sw", "ru"]
    kisumu.org.save()
    msg = text_in(client, kisumu.channel, kisumu.member.phone, "ЯЗЫК русский")
    assert Member.objects.get(pk=kisumu.member.pk).language == "ru"
    assert replies_to(msg)[0].language == "ru"
    with translation.override("ru"):
        assert replies_to(msg)[0].text == translation.gettext("Your language is now English.")
    msg = text_in(client, kisumu.channel, kisumu.member.phone, "LANG klingon")
    assert "en, sw, ru" in replies_to(msg)[0].text


# Erasure -------------------------------------------------------------------------------------


def test_delete_asks_first_and_delete_yes_erases_but_keeps_the_count(kisumu, client):
    phone = kisumu.member.phone
    first = text_in(client, kisumu.channel, phone, "DELETE")
    assert replies_to(first)[0].template == "delete.confirm"
    assert Member.objects.get(pk=kisumu.member.pk).erased_on is None
    text_in(client, kisumu.channel, phone, "futa ndiyo")
    member = Member.objects.get(pk=kisumu.member.pk)
    assert member.erased_on is not None and member.phone == ""
    assert Member.objects.filter(organisation=kisumu.org).count() == 1
    kept = Msg.objects.filter(member=member, direction="in")
    assert kept.count() >= 2  # counted still...
    assert all(m.text == "" and m.phone_index == "" for m in kept)  # ...but saying nothing


# Unrecognised texts ----------------------------------------------------------------------------


def test_an_unrecognised_text_goes_to_the_inbox_with_one_reply_a_day(kisumu, client):
    first = text_in(client, kisumu.channel, kisumu.member.phone, "they took my friend")
    second = text_in(client, kisumu.channel, kisumu.member.phone, "please call")
    for msg in (first, second):
        msg.refresh_from_db()
        assert msg.status == Msg.Status.INBOX and msg.member == kisumu.member
    assert len(replies_to(first)) == 1 and replies_to(second) == []


def test_an_unknown_number_gets_one_neutral_reply(kisumu, client):
    first = text_in(client, kisumu.channel, NEW_NUMBER, "hello?")
    text_in(client, kisumu.channel, NEW_NUMBER, "hello??")
    (reply,) = Msg.objects.filter(direction="out", phone_index=first.phone_index)
    assert reply.template == "unknown.number"
    for word in ("police", "abuse", "sex", "drug", "crisis"):
        assert word not in reply.text.lower()


def test_bots_with_alphanumeric_senders_get_no_reply(kisumu, client):
    msg = text_in(client, kisumu.channel, "PROMO", "WIN A PRIZE")
    msg.refresh_from_db()
    assert msg.status == Msg.Status.INBOX and replies_to(msg) == []


def test_an_organisation_can_reword_a_reply(kisumu, client):
    MessageTemplate.objects.create(
        organisation=kisumu.org, key="unknown.member", language="sw", text="Tumepokea, asanté."
    )
    msg = text_in(client, kisumu.channel, kisumu.member.phone, "something")
    assert replies_to(msg)[0].text == "Tumepokea, asanté."


def test_texts_are_stored_encrypted(kisumu, client):
    msg = text_in(client, kisumu.channel, kisumu.member.phone, "meet at the blue kiosk")
    raw = Msg.objects.filter(pk=msg.pk).values("text_sealed", "phone_sealed").get()
    assert "kiosk" not in raw["text_sealed"] and "190100001" not in raw["phone_sealed"]
