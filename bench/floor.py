"""The floor: a bare WSGI application that only stores each incoming text.

No framework, no validation beyond reading the fields, no encryption, no routing: one
INSERT per request through psycopg, of a row comparable to Haki's message (ids, the
channel, sender, text, times, and the same uniqueness on the gateway's id). Whatever
any design adds costs on top of this.

    gunicorn bench.floor:application   # with FLOOR_DATABASE_URL set

It takes Kannel's request (POST /kn, fields in the query string, the text as the
body) and Africa's Talking's (POST /at, a form)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qs

SCHEMA = """
CREATE TABLE inbound_text (
    id bigserial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE,
    channel varchar(8) NOT NULL,
    external_id varchar(255) NOT NULL,
    sender varchar(64) NOT NULL,
    text text NOT NULL,
    received_on timestamptz NOT NULL,
    created_on timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, external_id)
);
CREATE INDEX inbound_text_sender ON inbound_text (sender);
CREATE INDEX inbound_text_created_on ON inbound_text (created_on);
"""
INSERT = """
INSERT INTO inbound_text (uuid, channel, external_id, sender, text, received_on)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
"""

_local = threading.local()


def create_schema(database_url: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(SCHEMA)


def stored(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return int(connection.execute("SELECT count(*) FROM inbound_text").fetchone()[0])


def _connection():
    import psycopg

    if getattr(_local, "connection", None) is None or _local.connection.closed:
        _local.connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return _local.connection


def _first(values: dict[str, list[str]], name: str) -> str:
    return values.get(name, [""])[0]


def _kannel(environ: dict, body: bytes) -> tuple[str, str, str, datetime]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    received_on = datetime.fromtimestamp(int(_first(query, "ts")), tz=UTC)
    return _first(query, "id"), _first(query, "sender"), body.decode(), received_on


def _africastalking(environ: dict, body: bytes) -> tuple[str, str, str, datetime]:
    form = parse_qs(body.decode())
    received_on = datetime.strptime(_first(form, "date"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return _first(form, "id"), _first(form, "from"), _first(form, "text"), received_on


READERS = {"/kn": _kannel, "/at": _africastalking}


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    reader = READERS.get(environ.get("PATH_INFO", ""))
    if reader is None or environ["REQUEST_METHOD"] != "POST":
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    external_id, sender, text, received_on = reader(environ, body)
    channel = environ["PATH_INFO"].lstrip("/")
    _connection().execute(INSERT, (uuid.uuid4(), channel, external_id, sender, text, received_on))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
