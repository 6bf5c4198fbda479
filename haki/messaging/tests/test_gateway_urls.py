"""Every gateway URL in docs/messaging.md's table, posted with the payload the table
shows: the documentation and the code cannot drift apart. Then what the table cannot
show: trailing slashes, forged requests, channels migrated from the old ``ex`` type,
RapidPro's Android sync and External sending."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from django.apps import apps as django_apps
from django.http import QueryDict

from haki.members.models import Member
from haki.messaging.channels.twilio import signature as twilio_signature
from haki.messaging.models import Channel, Msg
from haki.messaging.tests.test_spool import database_down
from haki.messaging.tests.test_spool import spool_dir as spool_dir  # a fixture

FORM = "application/x-www-form-urlencoded"
DOC = Path(__file__).resolve().parents[3] / "docs" / "messaging.md"
SETTINGS = {
    "kn": {},
    "at": {},
    "t": {"account_sid": "AC1", "auth_token": "tw"},
    "ex": {},
    "a": {"secret": "relayer-secret", "relayer_id": 4242},
    "ha": {"secret": "phone-token"},
}


def table_rows() -> list[dict[str, str]]:
    """The rows between the gateway-urls markers, by column name, backticks removed."""
    text = DOC.read_text()
    block = text.split("<!-- gateway-urls -->")[1].split("<!-- /gateway-urls -->")[0]
    lines = [line for line in block.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


ROWS = table_rows()


def unquote(cell: str) -> str:
    return cell.strip().removeprefix("`").removesuffix("`")


def make_channel(org, kind: str, legacy: bool = False) -> Channel:
    channel = Channel(organisation=org, type=kind, name=kind, address="20100")
    channel.configure({**SETTINGS[kind], **({"legacy_type": "ex"} if legacy else {})})
    channel.save()
    return channel


def wired(channel: Channel) -> Msg:
    msg = Msg(organisation=channel.organisation, channel=channel, direction="out", status="wired")
    msg.phone, msg.text = "+254190555001", "hi"
    msg.save()
    msg.external_id = str(msg.pk) if channel.type == "a" else "ext-1"
    msg.save(update_fields=["external_id"])
    return msg


def relayer_query(channel: Channel, body: bytes) -> str:
    ts = str(int(time.time()))
    key = (channel.secrets["secret"] + ts).encode()
    digest = base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return urlencode({"ts": ts, "signature": digest})


def call(client, channel: Channel, method: str, url: str, payload: str):
    """The request as the channel's gateway makes it, with its credentials."""
    kind, _, data = payload.partition(": ")
    headers, query, body, content_type = {}, "", b"", "text/plain"
    if kind == "query":
        query = data
    elif kind == "form":
        body, content_type = data.encode(), "application/x-www-form-urlencoded"
    else:
        body, content_type = data.encode(), "application/json"
    if channel.type == "ha":
        headers["Authorization"] = "Token phone-token"
    if channel.type == "a":
        query = relayer_query(channel, body)
    if channel.type == "t":
        fields = dict(QueryDict(body, encoding="utf-8").lists())
        headers["X-Twilio-Signature"] = twilio_signature(f"http://testserver{url}", fields, "tw")
    if query:
        url = f"{url}?{query}"
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(method, url, body, content_type=content_type, headers=headers)


def method_for(row: dict[str, str]) -> str:
    methods = [m.strip() for m in row["method"].split(",")]
    if row["payload"].startswith("`query:") and "GET" in methods:
        return "GET"
    return "POST" if "POST" in methods else methods[0]


@pytest.mark.parametrize(
    "row", ROWS, ids=[unquote(row["URL"]) + " " + row["carries"] for row in ROWS]
)
def test_every_documented_url_takes_its_payload(world, client, row):
    org = world["a"].org
    kind = re.findall(r"`([a-z]+)`", row["type"])[0]
    channel = make_channel(org, kind, legacy="made as" in row["type"])
    msg = wired(channel)
    url = (
        unquote(row["URL"])
        .replace("<uuid>", str(channel.uuid))
        .replace("<relayer_id>", str(channel.config.get("relayer_id")))
    )
    payload = (
        unquote(row["payload"])
        .replace("{msg_uuid}", str(msg.uuid))
        .replace("{msg_id}", str(msg.pk))
        .replace("{external_id}", msg.external_id)
    )
    response = call(client, channel, method_for(row), url, payload)
    assert response.status_code == 200, response.content
    carries = row["carries"]
    if carries == "incoming text":
        (received,) = Msg.objects.filter(channel=channel, direction="in")
        assert received.text == "hello" and received.phone == "+254190555001"
    elif carries == "missed call":
        (flash,) = Msg.objects.filter(channel=channel, direction="in")
        assert flash.is_missed_call and flash.phone == "+254190555001"
        assert b"<Reject/>" in response.content or response.json() == {"status": "ok"}
    elif carries == "USSD screen":  # the menu's first screen, nothing acted on yet
        assert response.content.decode().startswith("CON ")
        assert not Msg.objects.filter(channel=channel, direction="in").exists()
    elif carries.startswith("report: "):
        msg.refresh_from_db()
        assert msg.status == carries.removeprefix("report: ")
    else:
        assert carries == "opt-out"
        assert Member.objects.get(pk=world["a"].member.pk).opted_out_on is not None


def test_the_table_covers_every_action_of_every_gateway():
    from haki.messaging.channels import gateway_for

    documented = {
        (re.findall(r"`([a-z]+)`", row["type"])[0], unquote(row["URL"]).rsplit("/", 2)[-1])
        for row in ROWS
        if unquote(row["URL"]).startswith("/c/")
    }
    for kind in SETTINGS:
        for action in gateway_for(kind).actions:
            assert (kind, action) in documented, f"{kind} {action} is not in docs/messaging.md"


@pytest.mark.parametrize("kind", ["at", "ex"])
def test_every_action_takes_a_trailing_slash(world, client, kind):
    channel = make_channel(world["a"].org, kind)
    msg = wired(channel)
    text = "id=at-9&text=hello&from=%2B254190555001&to=20100&date=2026-12-04T10:00:00Z"
    report = f"id={msg.uuid}" if kind == "ex" else "id=ext-1&status=Success"
    url = f"/c/{kind}/{channel.uuid}"
    assert call(client, channel, "POST", f"{url}/receive/", f"form: {text}").status_code == 200
    action = "delivered/" if kind == "ex" else "delivery/"
    assert call(client, channel, "POST", f"{url}/{action}", f"form: {report}").status_code == 200
    msg.refresh_from_db()
    assert msg.status == "delivered"
    assert Msg.objects.filter(channel=channel, direction="in").count() == 1
    assert client.post(f"{url}/receive//", text, FORM).status_code == 404


def test_forged_and_unknown_requests_are_refused(world, client):
    org = world["a"].org
    external, relayer, android = (make_channel(org, kind) for kind in ("ex", "a", "ha"))
    form = "from=%2B254190555001&text=hello"
    # An action another gateway has, an unknown channel, a channel under another type.
    assert client.post(f"/c/ex/{external.uuid}/status", form, FORM).status_code == 404
    assert client.post(f"/c/ex/{android.uuid}/receive", form, FORM).status_code == 404
    assert client.post(f"/c/ha/{external.uuid}/receive", form, FORM).status_code == 404
    assert client.put(f"/c/ex/{external.uuid}/receive", form, FORM).status_code == 405
    assert client.get(f"/c/a/{relayer.uuid}/sync").status_code == 405
    # RapidPro's Android app: a wrong signature, and a signed request too old.
    body = b'{"cmds": []}'
    url = f"/c/a/{relayer.uuid}/sync"
    forged = relayer_query(relayer, body).replace("signature=", "signature=x")
    assert client.post(f"{url}?{forged}", body, "application/json").status_code == 403
    old = dict(parse_qsl(relayer_query(relayer, body)))
    old["ts"] = str(int(old["ts"]) - 16 * 60)
    assert client.post(f"{url}?{urlencode(old)}", body, "application/json").status_code == 403
    assert client.post("/relayers/relayer/sync/999/", body, "application/json").status_code == 404
    # External with a secret configured: the secret is required.
    external.secrets = {"secret": "s3"}
    external.save()
    from haki.messaging.inbound import forget_channels

    forget_channels()
    assert client.post(f"/c/ex/{external.uuid}/receive", form, FORM).status_code == 403
    assert client.post(f"/c/ex/{external.uuid}/receive?secret=s3", form, FORM).status_code == 200
    assert not Msg.objects.filter(channel__in=[relayer, android], direction="in").exists()


def test_old_ex_channels_become_ha_and_keep_answering_at_c_ex(world, client):
    """The data migration, run on a channel made as ``ex`` before it."""
    org = world["a"].org
    old = make_channel(org, "ha")
    Channel.objects.filter(pk=old.pk).update(type="ex")
    migration = importlib.import_module("haki.messaging.migrations.0008_channel_types_courier")
    migration.move_android_channels(django_apps, None)
    old.refresh_from_db()
    assert old.type == "ha" and old.config["legacy_type"] == "ex"
    assert old.secrets["secret"] == "phone-token"
    body = json.dumps({"id": "p-1", "from": "+254190555001", "text": "hello"})
    token = {"Authorization": "Token phone-token"}
    old_url = f"/c/ex/{old.uuid}/receive"
    assert client.post(old_url, body, "application/json", headers=token).status_code == 200
    assert client.post(old_url, body, "application/json").status_code == 403
    assert f"/c/ex/{old.uuid}/receive" in old.webhook_paths()
    # A new External channel next to it speaks courier's protocol at the same kind of URL.
    new = make_channel(org, "ex")
    form = "from=%2B254190555001&text=hello"
    response = client.post(f"/c/ex/{new.uuid}/receive", form, FORM)
    assert response.status_code == 200 and response.json()["message"] == "Message Accepted"
    assert Msg.objects.filter(channel__in=[old, new], direction="in").count() == 2


def test_relayer_sync_acknowledges_and_hands_over_what_to_send(world, client):
    channel = make_channel(world["a"].org, "a")
    first, second = wired(channel), wired(channel)
    commands = [
        {"cmd": "fcm", "fcm_id": "f1", "uuid": "u1", "p_id": 6},
        {"cmd": "mo_sms", "phone": "+254190555001", "msg": "hello", "ts": 1795263728000, "p_id": 7},
        {"cmd": "mt_sent", "msg_id": first.pk, "ts": 1795263728000, "p_id": 8},
        {"cmd": "mt_error", "msg_id": second.pk, "ts": 1795263728000, "p_id": "9"},
    ]
    body = json.dumps({"cmds": commands}).encode()
    url = f"/c/a/{channel.uuid}/sync?{relayer_query(channel, body)}"
    answer = client.post(url, body, "application/json").json()["cmds"]
    assert [c["p_id"] for c in answer if c["cmd"] == "ack"] == [7, 8, "9"]
    assert [c for c in answer if c["cmd"] == "mt_bcast"] == [
        {"cmd": "mt_bcast", "to": [{"phone": "+254190555001", "id": second.pk}], "msg": "hi"}
    ]
    first.refresh_from_db()
    assert first.status == "sent"
    # The phone sends the same batch again (no answer reached it): nothing is stored twice.
    url = f"/c/a/{channel.uuid}/sync?{relayer_query(channel, body)}"
    assert client.post(url, body, "application/json").status_code == 200
    assert Msg.objects.filter(channel=channel, direction="in").count() == 1
    bad = b'{"cmds": [{"cmd": "mo_sms", "phone": "+254190555001", "msg": "x"}]}'
    url = f"/c/a/{channel.uuid}/sync?{relayer_query(channel, bad)}"
    assert client.post(url, bad, "application/json").status_code == 400


def test_a_sync_without_the_database_spools_its_texts_and_asks_the_phone_back(
    world, client, spool_dir, monkeypatch
):
    from django.test import TestCase

    from haki.messaging import spool
    from haki.messaging.inbound import forget_channels

    channel = make_channel(world["a"].org, "a")
    sent = wired(channel)
    commands = [
        {"cmd": "mo_sms", "phone": "+254190555001", "msg": "hello", "ts": 1795263728000, "p_id": 1},
        {"cmd": "mt_dlvd", "msg_id": sent.pk, "ts": 1795263728000, "p_id": 2},
    ]
    body = json.dumps({"cmds": commands}).encode()
    url = f"/c/a/{channel.uuid}/sync"
    client.post(f"{url}?{relayer_query(channel, body)}", body, "application/json")  # cached
    Msg.objects.filter(channel=channel, direction="in").delete()
    with monkeypatch.context() as patch:
        database_down(patch)
        response = client.post(f"{url}?{relayer_query(channel, body)}", body, "application/json")
    assert response.status_code == 503
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    response = client.post(f"{url}?{relayer_query(channel, body)}", body, "application/json")
    assert [c["p_id"] for c in response.json()["cmds"] if c["cmd"] == "ack"] == [1, 2]
    assert Msg.objects.filter(channel=channel, direction="in").count() == 1
    forget_channels()


def signed_query(channel: Channel, body: bytes, ts: str) -> str:
    key = (channel.secrets["secret"] + ts).encode()
    digest = base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return urlencode({"ts": ts, "signature": digest})


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
def test_a_relayer_timestamp_or_id_in_other_digits_than_ascii_is_refused(world, client, digits):
    channel = make_channel(world["a"].org, "a")
    url = f"/c/a/{channel.uuid}/sync"
    empty = b'{"cmds": []}'
    # The request's own time, signed as written: refused, never read as a number.
    for ts in (str(int(time.time())).translate(digits), "²", "9" * 5000):
        query = signed_query(channel, empty, ts)
        assert client.post(f"{url}?{query}", empty, "application/json").status_code == 403
    sent = wired(channel)
    for command in (
        {"cmd": "mo_sms", "phone": "+254190555001", "msg": "hi", "ts": "1795263728000", "p_id": 1},
        {"cmd": "mt_sent", "msg_id": str(sent.pk), "p_id": 2},
    ):
        for field in ("ts", "msg_id"):
            if field in command:
                command[field] = command[field].translate(digits)
        body = json.dumps({"cmds": [command]}).encode()
        response = client.post(f"{url}?{relayer_query(channel, body)}", body, "application/json")
        assert response.status_code == 400, command
    assert not Msg.objects.filter(channel=channel, direction="in").exists()
    sent.refresh_from_db()
    assert sent.status == "wired"


def test_a_text_from_a_phone_with_a_wrong_clock_is_kept_with_its_arrival_time(world, client):
    from django.utils import timezone

    channel = make_channel(world["a"].org, "a")
    url = f"/c/a/{channel.uuid}/sync"
    stamps = {"1970": 0, "2100": 4102444800000, "beyond": 10**20, "as text": "86400000"}
    commands = [
        {"cmd": "mo_sms", "phone": "+254190555001", "msg": name, "ts": ts, "p_id": i}
        for i, (name, ts) in enumerate(stamps.items())
    ]
    body = json.dumps({"cmds": commands}).encode()
    before = timezone.now()
    response = client.post(f"{url}?{relayer_query(channel, body)}", body, "application/json")
    assert response.status_code == 200
    assert [c["p_id"] for c in response.json()["cmds"] if c["cmd"] == "ack"] == [0, 1, 2, 3]
    texts = Msg.objects.filter(channel=channel, direction="in")
    assert sorted(m.text for m in texts) == sorted(stamps)
    assert all(before <= m.received_on <= timezone.now() for m in texts)
