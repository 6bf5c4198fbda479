"""/healthz: a liveness check that asks the database every time."""

from __future__ import annotations

import sqlite3

from django.db import connection
from django.test import Client


def test_healthz_answers_ok_while_the_database_answers(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_fails_when_its_persistent_connection_has_gone(db):
    connection.ensure_connection()
    kept = connection.connection
    gone = sqlite3.connect(":memory:") if connection.vendor == "sqlite" else None
    if gone is None:
        import psycopg

        gone = psycopg.connect(**connection.get_connection_params())
    gone.close()  # the server went away: the connection object is still there
    connection.connection = gone
    try:
        response = Client().get("/healthz")
    finally:
        connection.connection = kept
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}
