"""Every indicator of the catalogue for one organisation with 1,000,000 cases,
2,000,000 texts and 100,000 alerts, on PostgreSQL.

    .venv/bin/python -m bench.indicators [--cases 1000000] [--texts 2000000]
        [--alerts 100000] [--database URL]

A fresh database is made on the server for the run (and dropped after), filled with
COPY, analysed, then the indicators of the last year are computed for both audiences:
the first run, then the best of three. Target: under 2 s on PostgreSQL."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.cases import ROOT, copy_rows, generate, setup_django, timed
from bench.postgres import DEFAULT_SERVER
from haki.tests.harness import fresh_database

TARGET_S = 2.0
UNTIL = datetime.date(2025, 6, 30)
SINCE = datetime.date(2024, 7, 1)
CHUNK = 100_000


def rows_of(model: Any, count: int, values: Any) -> tuple[tuple[str, ...], Any]:
    """Columns of every concrete field and a generator of ``count`` rows: ``values(i)``
    gives the columns that matter, the rest take the field's default."""
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    columns = tuple(f.column for f in fields)

    def rows():
        for i in range(count):
            given = values(i)
            yield tuple(given[f.attname] if f.attname in given else f.get_default() for f in fields)

    return columns, rows()


def fill(organisation: Any, texts: int, alerts: int) -> None:
    import random

    from django.db import connection, transaction

    from haki.core.models import Area
    from haki.crisis.models import Alert
    from haki.members.models import Member
    from haki.messaging.models import Channel, Msg

    rng = random.Random(11)  # noqa: S311 - data for a benchmark
    areas = list(Area.objects.filter(organisation=organisation).values_list("pk", flat=True))
    members = Member.objects.bulk_create(
        Member(organisation=organisation, alias=f"m{n}", area_id=rng.choice(areas), language="sw")
        for n in range(20_000)
    )
    member_ids = [m.pk for m in members]
    channel = Channel.objects.create(organisation=organisation, type="kn", name="bench")
    phone = organisation.keyring.seal("+254190000000")
    start = datetime.datetime(2020, 7, 1, tzinfo=datetime.UTC)
    span = int((datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC) - start).total_seconds())
    statuses = ["sent", "delivered", "handled", "failed"]

    def msg(i: int) -> dict[str, Any]:
        at = start + datetime.timedelta(seconds=rng.randrange(span))
        out = i % 2 == 0
        return {
            "uuid": uuid.UUID(int=rng.getrandbits(128)),
            "organisation_id": organisation.pk,
            "channel_id": channel.pk,
            "direction": "out" if out else "in",
            "status": rng.choice(statuses) if out else "handled",
            "phone_sealed": phone,
            "phone_index": "x" * 64,
            "member_id": rng.choice(member_ids),
            "template": "poll" if out and i % 3 == 0 else "",
            "created_on": at,
            "modified_on": at,
        }

    def alert(i: int) -> dict[str, Any]:
        at = start + datetime.timedelta(seconds=rng.randrange(span))
        acked = rng.random() < 0.9
        return {
            "uuid": uuid.UUID(int=rng.getrandbits(128)),
            "organisation_id": organisation.pk,
            "reference": f"{i:08d}"[-8:],
            "area_id": rng.choice(areas),
            "source": rng.choice(["sms", "hotline"]),
            "status": "closed",
            "raised_on": at,
            "acknowledged_on": at + datetime.timedelta(minutes=rng.randrange(1, 90))
            if acked
            else None,
            "closed_on": at + datetime.timedelta(hours=rng.choice([1, 5, 20, 30, 70])),
            "escalations": rng.choice([0, 0, 0, 1, 2]),
            "tier_index": rng.choice([0, 0, 1, 2, 3]),
            "modified_on": at,
        }

    with transaction.atomic(), connection.cursor() as cursor:
        for model, count, values in ((Msg, texts, msg), (Alert, alerts, alert)):
            columns, rows = rows_of(model, count, values)
            copy_rows(cursor.cursor, model._meta.db_table, columns, rows)
    with connection.cursor() as cursor:
        for model in (Msg, Alert, Member):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def run_here(cases: int, texts: int, alerts: int) -> dict[str, float]:
    setup_django()
    from django.core.management import call_command

    from haki.reports.catalogue import Audience, Scope
    from haki.reports.figures import compute

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    organisation, _links = generate(cases)
    fill(organisation, texts, alerts)
    generate_s = time.perf_counter() - started
    print(f"  generated in {generate_s:.0f} s", file=sys.stderr, flush=True)
    figures: dict[str, float] = {"generate_s": round(generate_s, 1)}
    for audience in Audience:
        scope = Scope(organisation, SINCE, UNTIL, None, audience)
        cold, best, found = timed(lambda scope=scope: compute(scope))
        assert any(f.value for f in found), audience
        figures[f"indicators_{audience}_cold_s"] = round(cold, 3)
        figures[f"indicators_{audience}_s"] = round(best, 3)
    figures["indicators_s"] = max(
        figures["indicators_internal_s"], figures["indicators_external_s"]
    )
    return figures


def measure(server: str, cases: int, texts: int, alerts: int) -> dict[str, float]:
    with fresh_database(server, prefix="haki_bench_indicators") as url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "haki.settings.test",
            "HAKI_TEST_DATABASE_URL": url,
        }
        args = ["--inside", "--cases", str(cases), "--texts", str(texts), "--alerts", str(alerts)]
        done = subprocess.run(
            [sys.executable, "-m", "bench.indicators", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--texts", type=int, default=2_000_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(run_here(args.cases, args.texts, args.alerts)))
        return
    figures = measure(args.database, args.cases, args.texts, args.alerts)
    print(json.dumps(figures, indent=2))
    Path(__file__).with_name("results-indicators.json").write_text(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
