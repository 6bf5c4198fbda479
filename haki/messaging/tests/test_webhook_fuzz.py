"""Every gateway's webhook, receive, status and voice, fed what an attacker or a broken gateway
might send: a plausible request with up to three fields replaced by anything (NUL, lone
surrogates, text far past the bounds, bytes that are not UTF-8, numbers of any size,
nested JSON) or left out, and bodies of any bytes in any declared charset. Two promises
hold for all of it: no answer is a 5xx, and a 200 to a text means exactly one text
stored (a refusal stores nothing, and nothing is spooled). About a minute in all."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from urllib.parse import quote_from_bytes

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haki.messaging import spool
from haki.messaging.channels.twilio import signature
from haki.messaging.models import Msg
from haki.messaging.tests.test_gateways import make_channel

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NONCES = itertools.count()

ANY_CHARACTER = st.characters(blacklist_categories=())  # NUL and surrogates included
PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
# On the wire: text as UTF-8 (a lone surrogate becomes invalid bytes), or any bytes.
WILD = st.one_of(
    st.text(ANY_CHARACTER, max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(
        lambda c, n: (c * n).encode("utf-8", "surrogatepass"), ANY_CHARACTER, st.integers(250, 1700)
    ),
    st.binary(max_size=40),
    st.integers(-(10**30), 10**30).map(lambda n: str(n).encode()),
)
PHONE = st.from_regex(r"\+2541905[0-9]{5}", fullmatch=True).map(str.encode)
TEXT = PLAIN.map(str.encode)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHARACTER, max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
# Not "idna": Django's test client builds its requests without Haki's request class
# (haki/wsgi.py); the hardening tests send that charset through it.
CHARSET = st.sampled_from(["utf-8", "UTF-16BE", "iso-8859-1", "utf-32", "nonsense", ""])


def fields(**plausible: st.SearchStrategy[bytes]) -> st.SearchStrategy[dict[str, bytes | None]]:
    """Plausible values for every field, then up to three replaced by anything or
    left out (None)."""
    changes = st.dictionaries(st.sampled_from(sorted(plausible)), st.none() | WILD, max_size=3)
    return st.tuples(st.fixed_dictionaries(plausible), changes).map(lambda t: {**t[0], **t[1]})


def unique(values: dict[str, bytes | None], name: str) -> dict[str, bytes | None]:
    """The id made unique, so that no example is a gateway retrying an earlier one."""
    nonce = f"fuzz{next(NONCES)}-".encode()
    return {**values, name: nonce + (values[name] or b"")}


def form(values: dict[str, bytes | None]) -> bytes:
    """A form body (or query string) of the fields present, percent-encoded."""
    return b"&".join(
        quote_from_bytes(name.encode()).encode() + b"=" + quote_from_bytes(value).encode()
        for name, value in values.items()
        if value is not None
    )


def received(channel) -> int:
    return Msg.objects.filter(channel=channel, direction=Msg.Direction.IN).count()


def post_and_check(client, channel, url: str, body: bytes, content_type: str, **headers):
    before, spooled = received(channel), len(spool.pending())
    # generic(): post() would re-encode the bytes to the declared charset.
    response = client.generic("POST", url, body, content_type=content_type, headers=headers)
    assert response.status_code < 500, response.content
    assert received(channel) == before + (response.status_code == 200), response.content
    assert len(spool.pending()) == spooled  # never a 200 for a text the database refused


def post_report(client, url: str, body: bytes, content_type: str, **headers) -> None:
    response = client.generic("POST", url, body, content_type=content_type, headers=headers)
    assert response.status_code < 500, response.content


FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def channels(world):
    org = world["a"].org
    return {
        "kn": world["a"].channel,
        "at": make_channel(org, "at", username="sandbox", api_key="at-key"),
        "t": make_channel(org, "t", account_sid="AC1", auth_token="tw"),
        "ha": make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token"),
        "ex": make_channel(org, "ex"),
        "a": make_channel(org, "a", secret="relayer-secret"),
    }


@pytest.fixture
def outgoing(world):
    msg = Msg(
        organisation=world["a"].org,
        channel=world["a"].channel,
        direction="out",
        status="wired",
        external_id="out-1",
    )
    msg.phone, msg.text = "+254190555001", "hi"
    msg.save()
    return msg


@FUZZ
@given(
    query=fields(
        id=TEXT,
        sender=PHONE,
        ts=st.integers(10**9, 17 * 10**8).map(lambda n: str(n).encode()),
        to=TEXT,
    ),
    body=st.one_of(TEXT, WILD),
    charset=CHARSET,
    ucs2=st.booleans(),
)
def test_kannel_receive(client, channels, query, body, charset, ucs2):
    channel = channels["kn"]
    if ucs2:
        body = body.decode("utf-8", "replace").encode("utf-16-be", "surrogatepass")
    url = f"/c/kn/{channel.uuid}/receive?{form(unique(query, 'id')).decode()}"
    content_type = f"text/plain; charset={charset}" if charset else "text/plain"
    headers = {"X-Kannel-Coding": "2" if ucs2 else "0"}
    post_and_check(client, channel, url, body, content_type, **headers)


@FUZZ
@given(
    report=fields(uuid=st.just(b"the-real-one"), status=st.sampled_from([b"1", b"2", b"8", b"16"])),
    by_get=st.booleans(),
)
def test_kannel_status(client, channels, outgoing, report, by_get):
    if report["uuid"] == b"the-real-one":
        report["uuid"] = str(outgoing.uuid).encode()
    url = f"/c/kn/{channels['kn'].uuid}/status"
    if by_get:
        assert client.get(f"{url}?{form(report).decode()}").status_code < 500
    else:
        post_report(client, url, form(report), FORM)


@FUZZ
@given(
    values=fields(
        id=TEXT,
        text=TEXT,
        to=TEXT,
        date=st.datetimes(datetime(2001, 1, 1), datetime(2026, 1, 1)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        ),
        **{"from": PHONE},
    )
)
def test_africas_talking_receive(client, channels, values):
    channel = channels["at"]
    url = f"/c/at/{channel.uuid}/receive"
    post_and_check(client, channel, url, form(unique(values, "id")), FORM)


@FUZZ
@given(report=fields(id=st.just(b"out-1"), status=st.sampled_from([b"Success", b"Failed"])))
def test_africas_talking_status(client, channels, outgoing, report):
    post_report(client, f"/c/at/{channels['at'].uuid}/status", form(report), FORM)


def twilio_signed(channel, action: str, body: bytes) -> tuple[str, dict[str, str]]:
    """Signed as Twilio signs: over the fields as Django will read them."""
    url = f"/c/t/{channel.uuid}/{action}"
    read = dict(QueryDict(body, encoding="utf-8").lists())
    return url, {"X-Twilio-Signature": signature(f"http://testserver{url}", read, "tw")}


@FUZZ
@given(values=fields(MessageSid=TEXT, AccountSid=st.just(b"AC1"), From=PHONE, Body=TEXT))
def test_twilio_receive(client, channels, values):
    channel = channels["t"]
    body = form(unique(values, "MessageSid"))
    url, headers = twilio_signed(channel, "receive", body)
    post_and_check(client, channel, url, body, FORM, **headers)


@FUZZ
@given(
    report=fields(
        MessageSid=st.just(b"out-1"),
        MessageStatus=st.sampled_from([b"delivered", b"failed"]),
        AccountSid=st.just(b"AC1"),
    )
)
def test_twilio_status(client, channels, report):
    body = form(report)
    url, headers = twilio_signed(channels["t"], "status", body)
    post_report(client, url, body, FORM, **headers)


ANDROID = {"Authorization": "Token phone-token"}
IDS = itertools.count()


@FUZZ
@given(
    values=fields(id=TEXT, text=TEXT, to=TEXT, **{"from": PHONE}),
    nested=st.dictionaries(st.sampled_from(["id", "from", "text", "extra"]), JSON, max_size=2),
    shape=st.sampled_from(["form", "json", "json with any values", "any bytes"]),
    raw=st.binary(max_size=300),
)
def test_android_receive(client, channels, values, nested, shape, raw):
    channel = channels["ha"]
    values = unique(values, "id")
    url = f"/c/ha/{channel.uuid}/receive"
    if shape == "form":
        post_and_check(client, channel, url, form(values), FORM, **ANDROID)
        return
    as_text = {k: v.decode("utf-8", "surrogateescape") for k, v in values.items() if v is not None}
    if shape == "json with any values":
        as_text.update(nested)
        if "id" in nested:  # any JSON as the id, so not a fresh one: an id seen before is
            as_text["id"] = [nested["id"], next(IDS)]  # a retry, stored once
    body = raw if shape == "any bytes" else json.dumps(as_text).encode()
    post_and_check(client, channel, url, body, "application/json", **ANDROID)


@FUZZ
@given(
    report=st.dictionaries(st.sampled_from(["id", "status"]), JSON | st.just("sent")),
    raw=st.one_of(st.none(), st.binary(max_size=300)),
)
def test_android_status(client, channels, report, raw):
    body = raw if raw is not None else json.dumps(report).encode()
    post_report(client, f"/c/ha/{channels['ha'].uuid}/status", body, "application/json", **ANDROID)


DATE = st.datetimes(datetime(2001, 1, 1), datetime(2026, 11, 1)).map(
    lambda d: (d.isoformat(timespec="milliseconds") + "Z").encode()
)


@FUZZ
@given(values=fields(text=TEXT, date=DATE, **{"from": PHONE}), charset=CHARSET)
def test_external_receive(client, channels, values, charset):
    channel = channels["ex"]
    url = f"/c/ex/{channel.uuid}/receive"
    content_type = f"{FORM}; charset={charset}" if charset else FORM
    post_and_check(client, channel, url, form(values), content_type)


@FUZZ
@given(values=fields(id=st.just(b"not-a-uuid"), **{"from": PHONE}))
def test_external_reports_and_stop(client, channels, outgoing, values):
    channel = channels["ex"]
    for action in ("sent", "delivered", "failed", "stopped"):
        post_report(client, f"/c/ex/{channel.uuid}/{action}", form(values), FORM)


COMMAND = st.fixed_dictionaries(
    {
        "cmd": st.sampled_from(["mo_sms", "mt_sent", "mt_dlvd", "mt_fail", "fcm", "call"]),
        "phone": st.from_regex(r"\+2541905[0-9]{5}", fullmatch=True),
        "msg": st.text(ANY_CHARACTER, max_size=30),
        "ts": st.integers(-(10**20), 10**20) | st.just(1795263728000),
        "msg_id": st.integers(-(10**20), 10**20),
        "p_id": st.integers(0, 10**6),
    }
).flatmap(
    lambda command: st.dictionaries(st.sampled_from(sorted(command)), JSON, max_size=2).map(
        lambda changes: {**command, **changes}
    )
)


@FUZZ
@given(commands=st.lists(COMMAND, max_size=4), raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_rapidpro_android_sync(client, channels, commands, raw):
    import base64
    import hashlib
    import hmac
    import time

    channel = channels["a"]
    for command in commands:
        command["p_id"] = f"fuzz{next(NONCES)}"  # no example repeats an earlier one
    body = raw if raw is not None else json.dumps({"cmds": commands}).encode()
    ts = str(int(time.time()))
    key = ("relayer-secret" + ts).encode()
    sign = base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    url = f"/c/a/{channel.uuid}/sync?ts={ts}&signature={sign}"
    before = received(channel)
    response = client.generic("POST", url, body, content_type="application/json")
    assert response.status_code < 500, response.content
    texts = [c for c in commands if c.get("cmd") == "mo_sms" and c.get("msg")]
    if response.status_code == 200 and raw is None:
        assert received(channel) <= before + len(texts)
    else:
        assert received(channel) == before


# Missed calls: the voice action of each gateway that carries calls ----------------------


@FUZZ
@given(
    values=fields(
        isActive=st.sampled_from([b"1", b"0"]),
        sessionId=TEXT,
        direction=st.just(b"Inbound"),
        callerNumber=PHONE,
        destinationNumber=TEXT,
    )
)
def test_africas_talking_voice(client, channels, values):
    channel = channels["at"]
    body = form(unique(values, "sessionId"))
    post_and_check(client, channel, f"/c/at/{channel.uuid}/voice", body, FORM)


@FUZZ
@given(
    values=fields(
        CallSid=TEXT,
        AccountSid=st.just(b"AC1"),
        From=PHONE,
        CallStatus=st.sampled_from([b"ringing", b"completed", b"busy"]),
    )
)
def test_twilio_voice(client, channels, values):
    channel = channels["t"]
    body = form(unique(values, "CallSid"))
    url, headers = twilio_signed(channel, "voice", body)
    post_and_check(client, channel, url, body, FORM, **headers)


@FUZZ
@given(
    values=fields(event=st.just(b"missed_call"), id=TEXT, **{"from": PHONE}),
    json_body=st.booleans(),
)
def test_android_voice(client, channels, values, json_body):
    channel = channels["ha"]
    values = unique(values, "id")
    url = f"/c/ha/{channel.uuid}/voice"
    if not json_body:
        post_and_check(client, channel, url, form(values), FORM, **ANDROID)
        return
    as_text = {k: v.decode("utf-8", "surrogateescape") for k, v in values.items() if v is not None}
    post_and_check(
        client, channel, url, json.dumps(as_text).encode(), "application/json", **ANDROID
    )
