"""What an attack on the webhooks found (issue 13), one test per finding: every field
is checked before the gateway gets its 200, so a text answered 200 is a text stored,
and one that cannot be stored gets a 400 the gateway sees."""

from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import quote
from wsgiref.util import setup_testing_defaults

import pytest
from django.test import TestCase

from haki import provisioning
from haki.messaging import directory, outbox, spool
from haki.messaging import inbound as inbound_module
from haki.messaging.channels.twilio import signature
from haki.messaging.models import Msg
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url
from haki.messaging.tests.stub_gateway import StubGateway
from haki.messaging.tests.test_gateways import inbound, kannel_post, make_channel, twilio_post
from haki.messaging.tests.test_spool import database_down
from haki.processes import haki_command
from haki.provisioning import ProvisioningError
from haki.tests.harness import RunningHaki, connection_kept, free_port, wait_until

QUERY = "backend=fake&sender={sender}&message=x&ts={ts}&id={id}&to=20100"
AT_FORM = {"id": "ATXid_1", "from": "+254190555002", "to": "20100", "date": "2026-11-21T09:30:00Z"}
TOKEN = {"Authorization": "Token phone-token"}


@pytest.fixture
def org(world):
    return world["a"].org


@pytest.fixture
def spool_dir(tmp_path, settings):
    settings.HAKI_SPOOL_DIR = tmp_path / "spool"
    spool.ensure_writable()
    inbound_module.forget_channels()
    yield settings.HAKI_SPOOL_DIR
    inbound_module.forget_channels()


def kannel_raw(client, channel, ext_id: str, sender="%2B254190555001", ts="1795263728", body=b"x"):
    query = QUERY.format(sender=sender, ts=ts, id=ext_id)
    return client.post(
        f"/c/kn/{channel.uuid}/receive?{query}", data=body, content_type="text/plain; charset=utf-8"
    )


def form_post(client, url: str, body: bytes, **headers):
    return client.post(
        url, data=body, content_type="application/x-www-form-urlencoded", headers=headers
    )


def twilio_raw(client, channel, body: bytes, decoded: dict[str, str]):
    """A signed Twilio post of raw ``body``; ``decoded`` is what Django reads from it."""
    url = f"/c/t/{channel.uuid}/receive"
    signed = signature(f"http://testserver{url}", {k: [v] for k, v in decoded.items()}, "tw")
    return form_post(client, url, body, **{"X-Twilio-Signature": signed})


# 4. Answered 200, then refused by the database at replay ---------------------------------


def test_a_kannel_id_of_300_characters_or_with_a_nul_is_refused_and_nothing_is_spooled(
    world, client, spool_dir
):
    channel = world["a"].channel
    for ext_id in ("k" * 300, "k-%00-1"):
        response = kannel_raw(client, channel, ext_id)
        assert response.status_code == 400, ext_id
    assert kannel_raw(client, channel, "k-2", sender="%2B2541905%00").status_code == 400
    assert inbound(channel) == [] and spool.pending() == []


def test_the_longest_id_and_text_that_can_be_stored_are_stored(world, client, spool_dir):
    channel = world["a"].channel
    text = "Я" * inbound_module.TEXT_LENGTH
    assert kannel_post(client, channel, text, ext_id="k" * 255).status_code == 200
    (msg,) = inbound(channel)
    assert msg.external_id == "k" * 255 and msg.text == text
    assert spool.pending() == []


def test_dates_out_of_range_and_unencodable_characters_are_refused(org, client, spool_dir):
    channel = make_channel(org, "at", username="sandbox", api_key="at-key")
    for date in ("9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"):
        form = {**AT_FORM, "text": "x", "date": date}
        assert client.post(f"/c/at/{channel.uuid}/receive", form).status_code == 400, date
    assert (
        kannel_raw(client, org.channels.get(type="kn"), "k-3", ts="99999999999").status_code == 400
    )
    android = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    response = client.post(
        f"/c/ha/{android.uuid}/receive",
        data='{"from": "+254190555004", "text": "a \\ud800 b", "id": "a-1"}',
        content_type="application/json",
        headers=TOKEN,
    )
    assert response.status_code == 400
    assert inbound(channel) == [] and inbound(android) == [] and spool.pending() == []


def test_a_delivery_report_with_a_nul_in_its_id_is_refused(org, client):
    channel = make_channel(org, "at", username="sandbox", api_key="at-key")
    response = client.post(f"/c/at/{channel.uuid}/status", {"id": "AT\x00x", "status": "Failed"})
    assert response.status_code == 400


# 8. Texts and requests of any size ---------------------------------------------------------


def test_a_text_over_1600_characters_is_refused_on_every_gateway(org, world, client):
    long_text = "x" * (inbound_module.TEXT_LENGTH + 1)
    kannel = world["a"].channel
    at = make_channel(org, "at", username="sandbox", api_key="at-key")
    twilio = make_channel(org, "t", account_sid="AC1", auth_token="tw")
    android = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    twilio_form = {"MessageSid": "SM1", "AccountSid": "AC1", "From": "+254190555003"}
    twilio_form["Body"] = long_text
    answers = [
        kannel_post(client, kannel, long_text).status_code,
        client.post(f"/c/at/{at.uuid}/receive", {**AT_FORM, "text": long_text}).status_code,
        twilio_post(client, twilio, twilio_form, token="tw").status_code,
        client.post(
            f"/c/ha/{android.uuid}/receive",
            {"from": "+254190555004", "text": long_text, "id": "a-1"},
            headers=TOKEN,
        ).status_code,
    ]
    assert answers == [400, 400, 400, 400]
    assert not any(inbound(c) for c in (kannel, at, twilio, android))


def test_a_request_over_64_kb_gets_a_413_and_no_traceback(world, client, caplog):
    channel = world["a"].channel
    with caplog.at_level(logging.WARNING):
        for size in (64 * 1024 + 1, 3 * 1024 * 1024):
            response = kannel_raw(client, channel, f"big-{size}", body=b"x" * size)
            assert response.status_code == 413
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "Traceback" not in caplog.text
    assert inbound(channel) == []


# 9. JSON nested beyond Python's recursion limit -------------------------------------------


def test_deeply_nested_json_to_the_android_webhook_is_refused(org, client):
    channel = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    url = f"/c/ha/{channel.uuid}/receive"
    answers = [
        client.post(url, data=body, content_type="application/json", headers=TOKEN).status_code
        for body in (
            "[" * 60_000,
            '{"id": "a-1", "from": "+254190555004", "text": ' + "[" * 60_000,
            "[" * 200_000,  # the size bound refuses it before it is parsed
        )
    ]
    assert answers == [400, 400, 413]
    assert inbound(channel) == []


# 10. Bytes that are not UTF-8 ---------------------------------------------------------------


def test_invalid_utf8_is_refused_on_every_gateway_never_stored_as_replacement_characters(
    org, world, client
):
    at = make_channel(org, "at", username="sandbox", api_key="at-key")
    at_body = b"id=AT1&from=%2B254190555002&to=20100&date=2026-11-21T09%3A30%3A00Z&text=caf%E9"
    assert form_post(client, f"/c/at/{at.uuid}/receive", at_body).status_code == 400
    android = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    android_body = b"id=a-1&from=%2B254190555004&text=%FF%FE"
    assert (
        form_post(client, f"/c/ha/{android.uuid}/receive", android_body, **TOKEN).status_code == 400
    )
    twilio = make_channel(org, "t", account_sid="AC1", auth_token="tw")
    decoded = {"MessageSid": "SM1", "AccountSid": "AC1", "From": "+254190555003", "Body": "\ufffd"}
    twilio_body = b"MessageSid=SM1&AccountSid=AC1&From=%2B254190555003&Body=%C3"
    assert twilio_raw(client, twilio, twilio_body, decoded).status_code == 400
    kannel = world["a"].channel
    assert kannel_raw(client, kannel, "k-%E9", sender="%2B254190555001").status_code == 400
    assert kannel_raw(client, kannel, "k-4", body=b"caf\xe9").status_code == 400
    assert not any(inbound(c) for c in (at, android, twilio, kannel))
    # A real replacement character, sent as valid UTF-8, is a text like any other.
    valid = at_body.replace(b"caf%E9", quote("caf\ufffd").encode())
    assert form_post(client, f"/c/at/{at.uuid}/receive", valid).status_code == 200
    assert [m.text for m in inbound(at)] == ["caf\ufffd"]


# 13. Kannel's receive URL takes POST only ---------------------------------------------------


def test_kannel_receive_refuses_get_and_its_delivery_reports_still_take_get(world, client):
    channel = world["a"].channel
    query = QUERY.format(sender="%2B254190555001", ts="1795263728", id="k-get")
    response = client.get(f"/c/kn/{channel.uuid}/receive?{query}")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert inbound(channel) == []
    msg = world["a"].inbox_msg
    answer = client.get(f"/c/kn/{channel.uuid}/status?uuid={msg.uuid}&status=1")
    assert answer.status_code == 200


def test_json_payloads_hold_only_flat_fields(org, client):
    channel = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    body = json.dumps({"id": "a-1", "from": "+254190555004", "text": {"nested": "x"}})
    response = client.post(
        f"/c/ha/{channel.uuid}/receive", data=body, content_type="application/json", headers=TOKEN
    )
    assert response.status_code == 400 and inbound(channel) == []


# 5. A web process started during a database outage -----------------------------------------


def test_a_channel_is_found_in_the_directory_when_the_database_is_down_and_nothing_is_cached(
    world, client, spool_dir, monkeypatch
):
    channel = world["a"].channel
    directory.refresh()
    assert channel.secrets["password"].encode() not in directory.path().read_bytes()
    with monkeypatch.context() as patch:
        database_down(patch)
        assert kannel_raw(client, channel, "outage-1").status_code == 200
    assert len(spool.pending()) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert [m.external_id for m in inbound(channel)] == ["outage-1"]


def test_an_android_channel_made_as_ex_is_found_at_c_ex_in_the_directory_too(
    world, client, spool_dir, monkeypatch
):
    org = world["a"].org
    channel = make_channel(org, "ha", secret="phone-token", legacy_type="ex")
    directory.refresh()
    inbound_module.forget_channels()
    body = json.dumps({"id": "outage-ex", "from": "+254190555004", "text": "hello"})
    with monkeypatch.context() as patch:
        database_down(patch)
        url = f"/c/ex/{channel.uuid}/receive"
        assert client.post(url, body, "application/json", headers=TOKEN).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert [m.external_id for m in inbound(channel)] == ["outage-ex"]


ORGANISATION = """
organisation: {{slug: outage, name: Outage Test Network, country: KE, timezone: Africa/Nairobi}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "20777", secret: kn-secret}}
"""
CHANNEL = "5b0e6d2a-3c4f-4a1b-9e8d-7f6a5b4c3d2e"
STORED = """
from haki.messaging import spool
from haki.messaging.models import Msg
spool.replay()
print([(m.external_id, m.text) for m in Msg.objects.filter(external_id="outage-7")])
"""


def test_a_web_process_started_while_the_database_is_down_spools_texts_for_later(tmp_path):
    with RunningHaki(tmp_path) as haki:
        haki.provision(ORGANISATION.format(channel=CHANNEL))
        haki.haki("collectstatic", "--no-input", "-v", "0")
        reachable = haki.env["HAKI_DATABASE_URL"]
        haki.env["HAKI_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{free_port()}/gone"
        # `haki web`, as systemd restarts it: it does not wait for the database.
        web = ("web", "--bind", f"127.0.0.1:{haki.port}", "--workers", "1", "--threads", "2")
        haki._start("web", haki_command(*web))
        wait_until(lambda: answers(f"{haki.url}/healthz") == 503, 60, what="the web server")
        query = QUERY.format(sender="%2B254190555001", ts="1795263728", id="outage-7")
        url = f"{haki.url}/c/kn/{CHANNEL}/receive?{query}&secret=kn-secret"
        assert answers(url, b"arrested at the market") == 200
        assert answers(url.replace("kn-secret", "guessed"), b"forged") == 403
        assert len(list((tmp_path / "spool").glob("*.msg"))) == 1
        haki.env["HAKI_DATABASE_URL"] = reachable
        assert haki.shell(STORED).strip() == "[('outage-7', 'arrested at the market')]"


def answers(url: str, body: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# 14. Gateway send URLs that reach the cloud's metadata or this machine's services -----------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]:8080/send",
        "http://[::ffff:169.254.169.254]/",
        "http://2852039166/",  # 169.254.169.254 written as a number, resolved as a name
    ],
)
def test_a_link_local_send_url_is_refused_even_where_local_gateways_are_allowed(url):
    with pytest.raises(UnsafeSendUrl, match="link-local"):
        check_send_url(url, allow_local=True)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "http://localhost:13013/", "http://[::1]/", "http://0.0.0.0/"]
)
def test_a_loopback_send_url_needs_the_organisation_to_allow_local_gateways(url):
    with pytest.raises(UnsafeSendUrl, match="allow_local_gateways"):
        check_send_url(url, allow_local=False)
    check_send_url(url, allow_local=True)


def test_public_addresses_and_names_that_do_not_resolve_pass():
    check_send_url("https://203.0.113.7/cgi-bin/sendsms", allow_local=False)
    check_send_url("http://phone.invalid:8080/send", allow_local=False)
    with pytest.raises(UnsafeSendUrl, match="http"):
        check_send_url("file:///etc/passwd", allow_local=True)


PROVISIONED = """
organisation: {{slug: urls, name: URL Test, country: KE{extra}}}
channels:
  - {{uuid: 3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a, type: kn, name: Shortcode, address: "20100",
     send_url: "{url}", username: haki, password: pw}}
"""


@pytest.mark.django_db
def test_provisioning_refuses_a_metadata_or_loopback_send_url_unless_local_is_allowed():
    for url, extra in (
        ("http://169.254.169.254/", ", allow_local_gateways: true"),
        ("http://127.0.0.1:6379/", ""),
    ):
        with pytest.raises(ProvisioningError) as refused:
            provisioning.load(PROVISIONED.format(url=url, extra=extra))
        (problem,) = refused.value.problems
        assert problem.field == "channels[0].send_url" and url not in str(problem)
    spec = provisioning.load(
        PROVISIONED.format(url="http://127.0.0.1:13013/", extra=", allow_local_gateways: true")
    )
    org, _ = provisioning.apply(spec)
    assert org.allow_local_gateways is True


def test_a_send_to_a_refused_url_fails_clearly_and_makes_no_request(world):
    org = world["a"].org
    gateway = StubGateway()
    try:
        channel = make_channel(
            org, "kn", send_url=f"{gateway.url}/cgi-bin/sendsms", username="haki", password="pw"
        )
        org.allow_local_gateways = False
        org.save()
        with TestCase.captureOnCommitCallbacks(execute=True):
            msg = outbox.queue(org, "+254190555001", "hello", channel=channel)
        msg.refresh_from_db()
        assert msg.status == Msg.Status.FAILED and msg.attempts == 1
        assert msg.error.startswith("send_url refused") and "allow_local_gateways" in msg.error
        assert gateway.requests == []
    finally:
        gateway.close()


# Found by the fuzz test: a charset Django cannot decode with -------------------------------


def call_wsgi(method: str, path: str, content_type: str, body: bytes = b"", length=None):
    """One request through Haki's WSGI application, as gunicorn makes it (without the
    connection clean-up a server does between requests, as Django's test client)."""
    from haki.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "id=caf%C3%A9&sender=%2B254190555001",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    with connection_kept():
        answer = application(
            environ, lambda status, headers, exc_info=None: statuses.append(status)
        )
        b"".join(answer)
        answer.close()
    return statuses[0]


def test_a_charset_that_cannot_decode_a_query_string_is_ignored_not_answered_with_500():
    path = "/c/kn/5b0e6d2a-3c4f-4a1b-9e8d-7f6a5b4c3d2e/receive"
    for charset in ("idna", "rot13", "punycode"):
        assert call_wsgi("PUT", path, f"text/plain; charset={charset}").startswith("405")
        big = call_wsgi("POST", path, f"text/plain; charset={charset}", length=10**6)
        assert big.startswith("413")


def test_a_gateways_redirect_is_never_followed(world):
    """The send_url is checked before each send; where a redirect points is not, so a
    gateway could send Haki on to the cloud's metadata service."""
    org = world["a"].org
    target = StubGateway()
    gateway = StubGateway(redirect=f"{target.url}/latest/meta-data/")
    try:
        channel = make_channel(
            org, "kn", send_url=f"{gateway.url}/cgi-bin/sendsms", username="haki", password="pw"
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            msg = outbox.queue(org, "+254190555001", "hello", channel=channel)
        msg.refresh_from_db()
        assert len(gateway.requests) == 1 and target.requests == []
        assert msg.status == Msg.Status.FAILED and msg.error == "gateway answered HTTP 302"
    finally:
        gateway.close()
        target.close()
