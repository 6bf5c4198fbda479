"""When the database cannot take a text, it waits encrypted on disk and the gateway
still gets its 200; the worker moves it into the database once it is back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import TestCase

from haki.messaging import inbound, spool
from haki.messaging.channels import Incoming
from haki.messaging.models import Msg

QUERY = "backend=fake&sender=%2B254190555001&message=x&ts=1795263728&id={id}&to=20100"


@pytest.fixture
def spool_dir(tmp_path, settings):
    settings.HAKI_SPOOL_DIR = tmp_path / "spool"
    spool.ensure_writable()
    inbound.forget_channels()
    yield settings.HAKI_SPOOL_DIR
    inbound.forget_channels()


def post(client, channel, ext_id: str, text: str):
    return client.post(
        f"/c/kn/{channel.uuid}/receive?{QUERY.format(id=ext_id)}",
        data=text.encode(),
        content_type="text/plain; charset=UTF-8",
    )


def database_down(monkeypatch):
    """Every statement fails as it would with the server gone."""

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_a_text_is_spooled_encrypted_while_the_database_is_down_then_replayed(
    world, client, spool_dir, monkeypatch
):
    channel = world["a"].channel
    assert post(client, channel, "warm-up", "before the outage").status_code == 200
    with monkeypatch.context() as patch:
        database_down(patch)
        response = post(client, channel, "during-1", "arrested near the market")
        assert response.status_code == 200
        assert post(client, channel, "during-1", "arrested near the market").status_code == 200
    files = spool.pending()
    assert len(files) == 2  # the gateway retry is spooled too: replay makes it harmless
    assert all(
        b"market" not in f.read_bytes() and b"190555001" not in f.read_bytes() for f in files
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 2
    (msg,) = Msg.objects.filter(channel=channel, external_id="during-1")
    assert msg.text == "arrested near the market" and msg.status != Msg.Status.RECEIVED
    assert spool.pending() == []


def test_an_unknown_channel_cannot_spool_while_the_database_is_down(
    world, client, spool_dir, monkeypatch
):
    with monkeypatch.context() as patch, pytest.raises(OperationalError):
        database_down(patch)
        post(client, world["a"].channel, "never-seen", "x")
    assert spool.pending() == []


def test_a_spool_folder_that_cannot_be_written_stops_start_up(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.HAKI_SPOOL_DIR = blocker / "spool"
    with pytest.raises(ImproperlyConfigured, match="not writable"):
        spool.ensure_writable()


def test_the_haki_command_refuses_to_start_with_an_unwritable_spool(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {
        "HAKI_SPOOL_DIR": str(blocker / "spool"),
        "HAKI_VAR_DIR": str(tmp_path),
        "HAKI_DEV_SECRETS_DIR": str(tmp_path / "keys"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "haki.cli", "check"],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "HAKI_SPOOL_DIR" in done.stderr and "not writable" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_text_two_workers_replay_at_once_is_stored_once_and_neither_fails(
    world, spool_dir, monkeypatch
):
    channel = world["a"].channel
    spool.write(channel.uuid, Incoming("both-1", "+254190555001", "taken to the station"))
    listed_by_both = spool.pending()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1  # the first worker stores it and removes the file
        monkeypatch.setattr(spool, "pending", lambda: listed_by_both)
        assert spool.replay() == 0  # the second had listed it too: no error, no copy
    assert Msg.objects.filter(channel=channel, external_id="both-1").count() == 1


def test_a_spooled_file_that_cannot_be_decrypted_is_set_aside_and_the_rest_stored(world, spool_dir):
    channel = world["a"].channel
    (spool_dir / "20260101000000000000-broken.msg").write_bytes(b"not a token")
    spool.write(channel.uuid, Incoming("after-broken", "+254190555001", "need a lawyer"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert Msg.objects.filter(channel=channel, external_id="after-broken").exists()
    assert spool.pending() == []
    assert (spool_dir / "20260101000000000000-broken.unreadable").exists()


def test_a_spooled_text_the_database_refuses_is_set_aside_and_the_rest_stored(world, spool_dir):
    """A text no database would take (here a sender of spaces, from before gateways'
    blank fields were refused) must not hold up the texts spooled after it."""
    channel = world["a"].channel
    spool.write(channel.uuid, Incoming("blank-sender", "   ", "no number"))
    spool.write(channel.uuid, Incoming("after-blank", "+254190555001", "need a lawyer"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert Msg.objects.filter(channel=channel, external_id="after-blank").exists()
    assert spool.pending() == [] and len(list(spool_dir.glob("*.refused"))) == 1


def test_haki_refuses_to_start_on_an_sqlite_too_old_to_store_texts():
    from haki.messaging.apps import require_sqlite_returning

    sqlite, postgres = "django.db.backends.sqlite3", "django.db.backends.postgresql"
    with pytest.raises(ImproperlyConfigured, match=r"SQLite 3\.31\.1 is too old"):
        require_sqlite_returning({sqlite}, (3, 31, 1))
    require_sqlite_returning({sqlite}, (3, 40, 1))
    require_sqlite_returning({postgres}, (3, 31, 1))  # SQLite's age matters only if used
