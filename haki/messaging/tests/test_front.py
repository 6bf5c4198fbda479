"""The gateway front (``haki.messaging.front``): Kannel's and Africa's Talking's
incoming texts answered ahead of Django's handler, as a gateway sees them over HTTP,
and everything else still answered by Django."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from unittest import mock
from wsgiref.util import setup_testing_defaults

import pytest

from haki.messaging.models import Msg
from haki.messaging.tests.test_gateways import inbound
from haki.tests.harness import RunningHaki, connection_kept

KANNEL = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
AT = "8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
ORGANISATION = f"""
organisation: {{slug: front, name: Front, country: KE, timezone: Africa/Nairobi,
               languages: [en], allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {KANNEL}, type: kn, name: Shortcode, address: "20777",
     send_url: "http://127.0.0.1:9/cgi-bin/sendsms", username: haki, password: pw}}
  - {{uuid: {AT}, type: at, name: AT, address: "20880", username: front, api_key: key,
     secret: at-secret}}
"""
KANNEL_QUERY = "backend=x&sender=%2B254190555001&ts=1795263728&id={id}&to=20777"
AT_FORM = "id={id}&from=%2B254190555002&to=20880&date=2026-11-21T09%3A30%3A00Z&text=hello"
FORM = "application/x-www-form-urlencoded"
COUNT_STORED = f"""
from haki.messaging.models import Msg
print(Msg.objects.filter(channel__uuid__in=["{KANNEL}", "{AT}"], direction="in").count())
"""


def http(
    url: str, body: bytes = b"", method: str = "POST", content_type: str = "text/plain", **headers
) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers of one request, as a gateway sees them."""
    request = urllib.request.Request(url, data=body or None, method=method)
    request.add_header("Content-Type", content_type)
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    haki = RunningHaki(tmp_path_factory.mktemp("front"))
    try:
        haki.provision(ORGANISATION)
        haki.start_web()
        yield haki
    finally:
        haki.stop()


def test_texts_over_http_are_stored_once_and_answered_as_before(served):
    kannel = f"{served.url}/c/kn/{KANNEL}/receive"
    status, body, headers = http(f"{kannel}?{KANNEL_QUERY.format(id='f-1')}", b"JOIN")
    assert (status, body, headers["Content-Length"]) == (200, "ok", "2")
    assert headers["X-Content-Type-Options"] == "nosniff"  # the security middleware's
    assert http(f"{kannel}?{KANNEL_QUERY.format(id='f-1')}", b"JOIN")[:2] == (200, "ok")
    at = f"{served.url}/c/at/{AT}/callback"
    form = AT_FORM.format(id="f-2").encode()
    assert http(at, form, content_type=FORM, X_Haki_Secret="at-secret")[:2] == (200, "ok")
    assert http(at, form, content_type=FORM, X_Haki_Secret="wrong")[:2] == (403, "forbidden")
    assert served.shell(COUNT_STORED).strip() == "2"


def test_refusals_over_http_keep_their_status_and_reason(served):
    kannel = f"{served.url}/c/kn/{KANNEL}/receive"
    bad_ts = KANNEL_QUERY.format(id="f-3").replace("ts=1795263728", "ts=soon")
    assert http(f"{kannel}?{bad_ts}", b"x") == (
        400,
        "bad request: ts must be a unix timestamp",
        mock.ANY,
    )
    missing = http(
        f"{served.url}/c/at/{AT}/receive", b"id=1", content_type=FORM, X_Haki_Secret="at-secret"
    )
    assert missing[:2] == (400, "bad request: missing field(s): text, from, to, date")
    unknown = f"{served.url}/c/kn/{AT}/receive?{KANNEL_QUERY.format(id='f-4')}"
    assert http(unknown, b"x")[:2] == (404, "unknown channel")
    status, _, headers = http(kannel, method="GET")
    assert (status, headers["Allow"]) == (405, "POST")
    too_big = http(f"{kannel}?{KANNEL_QUERY.format(id='f-5')}", b"x" * (65 * 1024))
    assert too_big[:2] == (413, "request too large")
    assert served.shell(COUNT_STORED).strip() == "2"


def call(path: str, query: str, body: bytes, method: str = "POST") -> str:
    """One request through ``haki.wsgi``, as gunicorn makes it; returns the status."""
    from haki.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "text/plain; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    answer = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(answer)
    answer.close()
    return statuses[0]


def test_incoming_texts_are_answered_without_djangos_handler_and_the_rest_by_it(world):
    from haki.wsgi import django_application

    channel = world["a"].channel
    receive = f"/c/kn/{channel.uuid}/receive"
    with (
        connection_kept(),
        mock.patch.object(django_application, "get_response", side_effect=RuntimeError),
    ):
        assert call(receive, KANNEL_QUERY.format(id="f-6"), b"hello").startswith("200")
        with pytest.raises(RuntimeError):
            call(f"/c/kn/{channel.uuid}/status", "uuid=x&status=1", b"")
    (msg,) = inbound(channel)
    assert (msg.text, msg.status) == ("hello", Msg.Status.RECEIVED)


def test_each_text_closes_an_old_or_broken_database_connection_before_and_after(world):
    """As Django's request signals do: without it, a thread would keep a connection
    broken by a database outage, and fail every text after it."""
    from haki.wsgi import application

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/c/kn/{world['a'].channel.uuid}/receive",
        "QUERY_STRING": KANNEL_QUERY.format(id="f-7"),
        "CONTENT_LENGTH": "2",
        "wsgi.input": io.BytesIO(b"hi"),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    with mock.patch("haki.messaging.front.close_old_connections") as hygiene:
        answer = application(environ, lambda status, headers: statuses.append(status))
        assert statuses[0].startswith("200") and hygiene.call_count == 1
        b"".join(answer)
        answer.close()
        assert hygiene.call_count == 2
    assert len(inbound(world["a"].channel)) == 1


def test_https_is_required_of_texts_when_the_site_requires_it(world, settings):
    from haki.messaging.front import GatewayFront
    from haki.wsgi import django_application

    settings.SECURE_SSL_REDIRECT = True
    front = GatewayFront(django_application)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/c/kn/{world['a'].channel.uuid}/receive",
        "QUERY_STRING": KANNEL_QUERY.format(id="f-8"),
        "wsgi.input": io.BytesIO(b""),
    }
    setup_testing_defaults(environ)
    settings.ALLOWED_HOSTS = [environ["SERVER_NAME"]]
    statuses: list[tuple[str, list]] = []
    with connection_kept():
        answer = front(environ, lambda status, headers: statuses.append((status, headers)))
        answer.close()
    status, headers = statuses[0]
    assert status.startswith("301")
    assert dict(headers)["Location"].startswith("https://")
    assert inbound(world["a"].channel) == []
