"""The signed token and the offline check: what a verifier with nothing but the
published key document can tell."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haki.credentials import codes, tokens
from haki.credentials.publish import key_document
from haki.credentials.tests.conftest import issue
from haki.credentials.tokens import Status, verify_offline


def altered(token: str, at: int) -> str:
    raw = bytearray(tokens.unb64(token))
    raw[at] ^= 0x01
    return tokens.b64(bytes(raw))


def test_codes_read_aloud_without_confusion_and_carry_forty_bits():
    code = codes.new_code()
    assert len(code) == 8 and set(code) <= set(codes.ALPHABET)
    assert not set("ILOU") & set(codes.ALPHABET)
    assert len(codes.ALPHABET) ** codes.LENGTH >= 2**40
    assert codes.parse("k7q2 8xm4") == codes.parse("K7Q2-8XM4") == "K7Q28XM4"
    assert codes.parse("K7Q2-8XMO") == "K7Q28XM0"  # an O heard as a zero
    assert codes.parse("K7Q2-8XU4") is None and codes.parse("K7Q2") is None
    for typed in ("K7Q2 8XM4 please", "k7q28xm4 thanks", "K 7 Q 2 8 X M 4"):
        assert codes.find_in(typed) == "K7Q28XM4", typed


def test_the_token_and_its_url_stay_compact_enough_for_a_readable_qr_code(card):
    assert len(card.token) < 300
    url = f"https://haki.example.org/v/{card.organisation.slug}/{card.token}"
    assert len(url) < 300


def test_a_valid_card_is_valid_offline_and_names_nothing_but_organisation_role_and_dates(card):
    verdict = verify_offline(card.token, key_document(card.organisation))
    assert verdict.status == Status.VALID
    assert verdict.organisation == "Community Health Link"
    assert verdict.role == "paralegal" and verdict.valid_until == card.valid_until
    assert "Zawadi" not in card.token and "Zawadi" not in json.dumps(
        key_document(card.organisation)
    )


@pytest.mark.parametrize("at", [1, 5, 10, 12, 14, 20, 78])  # key id, code, dates, role, signature
def test_an_altered_token_is_refused_offline(card, at):
    document = key_document(card.organisation)
    assert verify_offline(altered(card.token, at), document).status == Status.UNKNOWN


def test_a_token_forged_with_another_key_is_refused_offline(card):
    forger = tokens.new_private_key()
    claims = tokens.Claims(
        key_id=card.signing_key.key_id,  # claims the real key, but signs with its own
        code=card.code,
        valid_from=card.valid_from,
        valid_until=card.valid_until + datetime.timedelta(days=3650),
        role="paralegal",
    )
    forged = tokens.sign(forger, claims)
    assert verify_offline(forged, key_document(card.organisation)).status == Status.UNKNOWN


def test_revoked_and_expired_cards_say_so_offline(world, card):
    card.revoke()
    assert verify_offline(card.token, key_document(card.organisation)).status == Status.REVOKED
    old = issue(world["a"].org, days=(-400, -1))
    assert verify_offline(old.token, key_document(old.organisation)).status == Status.EXPIRED


def test_the_published_list_says_how_recent_it_is(card):
    document = key_document(card.organisation)
    assert document["revocations_as_of"] and document["revoked"] == []
    assert [key["algorithm"] for key in document["keys"]] == ["Ed25519"]


# The command ---------------------------------------------------------------------------


def test_the_command_prints_the_keys_and_verifies_a_card_against_a_saved_file(
    card, tmp_path, capsys
):
    keys = tmp_path / "keys.json"
    call_command("credentials", "public-key", "--org", card.organisation.slug)
    keys.write_text(capsys.readouterr().out)
    call_command("credentials", "verify", card.token, "--keys", str(keys))
    out = capsys.readouterr().out
    assert out.startswith("VALID") and "Community Health Link" in out and "Zawadi" not in out


def test_the_command_refuses_an_altered_token_and_reports_a_revoked_one(card, tmp_path, capsys):
    keys = tmp_path / "keys.json"
    with pytest.raises(CommandError, match="NOT RECOGNISED"):
        call_command("credentials", "verify", altered(card.token, 12))
    card.revoke()
    call_command("credentials", "public-key", "--org", card.organisation.slug)
    keys.write_text(capsys.readouterr().out)
    with pytest.raises(CommandError, match="revoked"):
        call_command("credentials", "verify", card.token, "--keys", str(keys))
    assert capsys.readouterr().out.startswith("REVOKED")


def test_an_old_key_file_does_not_know_a_later_revocation_but_says_how_old_it_is(
    card, tmp_path, capsys
):
    keys = tmp_path / "keys.json"
    call_command("credentials", "public-key", "--org", card.organisation.slug)
    keys.write_text(capsys.readouterr().out)
    card.revoke()
    call_command("credentials", "verify", card.token, "--keys", str(keys))
    assert "revocations as of: " in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_command_fetches_the_keys_once_from_the_cards_own_site(live_server, world, capsys):
    card = world["a"].credential
    url = f"{live_server.url}/v/{card.organisation.slug}/{card.token}"
    call_command("credentials", "verify", url)
    assert capsys.readouterr().out.startswith("VALID")
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    with pytest.raises(CommandError, match="NOT RECOGNISED"):
        call_command("credentials", "verify", forged)
