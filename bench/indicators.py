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
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.cases import copy_rows, generate, setup_django, timed
from bench.postgres import DEFAULT_SERVER, measured_in_child

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


def backend_cpu_s() -> float:
    """CPU seconds the PostgreSQL backend serving this connection has used so far (from
    /proc, so only when the server runs on this machine; 0.0 otherwise)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_indicator(organisation: Any) -> dict[str, float]:
    """Milliseconds each indicator's function takes, in catalogue order, per audience (a
    figure read once per scope is counted in the first indicator that reads it)."""
    from haki.reports.catalogue import Audience, Scope, catalogue

    found: dict[str, float] = {}
    for audience in Audience:
        scope = Scope(organisation, SINCE, UNTIL, None, audience)
        for indicator in catalogue():
            if audience == Audience.EXTERNAL and not indicator.external:
                continue
            started = time.perf_counter()
            indicator.compute(scope)
            found[f"{audience}.{indicator.key}"] = round(1000 * (time.perf_counter() - started))
    return found


def run_here(cases: int, texts: int, alerts: int) -> dict[str, Any]:
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
    figures: dict[str, Any] = {"generate_s": round(generate_s, 1)}
    figures["load_average_start"] = round(os.getloadavg()[0], 2)
    cpu = backend_cpu_s()
    for audience in Audience:
        scope = Scope(organisation, SINCE, UNTIL, None, audience)
        cold, best, found = timed(lambda scope=scope: compute(scope))
        assert any(f.value for f in found), audience
        figures[f"indicators_{audience}_cold_s"] = round(cold, 3)
        figures[f"indicators_{audience}_s"] = round(best, 3)
    # Both audiences, first run and three more each: eight computations.
    figures["postgres_cpu_s_per_run"] = round((backend_cpu_s() - cpu) / 8, 3)
    figures["load_average_end"] = round(os.getloadavg()[0], 2)
    figures["indicators_s"] = max(
        figures["indicators_internal_s"], figures["indicators_external_s"]
    )
    figures["indicators_ms"] = per_indicator(organisation)
    for key, ms in figures["indicators_ms"].items():
        print(f"  {key:<50} {ms:>7} ms", file=sys.stderr)
    return figures


def measure(server: str, cases: int, texts: int, alerts: int) -> dict[str, float]:
    """The figures on a fresh database made on the PostgreSQL ``server`` for the run."""
    arguments = ["--cases", str(cases), "--texts", str(texts), "--alerts", str(alerts)]
    return measured_in_child(server, "indicators", arguments)


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
