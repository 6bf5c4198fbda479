"""Importing members from a spreadsheet: ``haki import members`` on 10,000 rows.

    .venv/bin/python -m bench.members [--members 10000] [--database sqlite|URL]

By default it runs on SQLite and on PostgreSQL (when reachable), each in a fresh
database and a process of its own. The time is the whole import as the command does
it: reading the CSV through the bounded reader, checking every row, looking each
number up through the HMAC index, writing members, groups and audit events. Then the
same file again, which finds every member and changes nothing.

Target (issue 15): 10,000 members in under 10 s on SQLite and under 5 s on PostgreSQL."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.postgres import measured_in_child, measured_on_each

RESULTS = Path(__file__).with_name("results-members.json")
TARGETS = {"sqlite": 10.0, "postgresql": 5.0}
HEADER = (
    "alias,phone,area,language,groups,codewords,share_number_with_responders,allow_police_referral"
)


def members_csv(count: int) -> bytes:
    """Fictional members in the unallocated +254 19x range, as an organisation's own
    spreadsheet has them: some with groups and a codeword, consents mixed."""
    lines = [HEADER]
    for n in range(count):
        groups = "peer-educators;drop-in" if n % 5 == 0 else ""
        codeword = f"NYOTA{n % 97}" if n % 3 == 0 else ""
        share = "yes" if n % 2 else "no"
        lines.append(f"M{n},+2541907{n:05d},A{n % 20},sw,{groups},{codeword},{share},no")
    return ("\n".join(lines) + "\n").encode()


def run_here(count: int) -> dict[str, float]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    django.setup()
    from django.core.management import call_command

    from haki.core.importing import run_import
    from haki.core.models import Area, Organisation
    from haki.members.models import Member

    call_command("migrate", verbosity=0, interactive=False)
    org = Organisation.objects.create(
        slug="bench-members", name="Bench", country="KE", languages=["en", "sw"]
    )
    Area.objects.bulk_create(
        [Area(organisation=org, code=f"A{n}", name=f"A{n}") for n in range(20)]
    )
    data = members_csv(count)
    started, cpu = time.perf_counter(), time.process_time()
    imported = run_import("members", org, data, "members.csv", "bench")
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert imported == count == Member.objects.filter(organisation=org).count()
    started = time.perf_counter()
    run_import("members", org, data, "members.csv", "bench")
    again = time.perf_counter() - started
    return {
        "members": count,
        "import_s": round(first, 2),
        # Haki's own process; the rest of import_s is the database (or a busy machine).
        "import_cpu_s": round(first_cpu, 2),
        "reimport_s": round(again, 2),
        "load_average": os.getloadavg()[0],
    }


def measure(database: str, members: int = 10_000) -> dict[str, float]:
    """The figures on ``database``: "sqlite", or a PostgreSQL server URL on which a
    fresh database is made for the run and dropped afterwards."""
    return measured_in_child(database, "members", ["--members", str(members)])


def figures(server: str, members: int = 10_000) -> dict[str, float]:
    """For bench/run.py's table."""
    sqlite = measure("sqlite", members)
    postgres = measure(server, members)
    return {
        "member_import_10k_s": sqlite["import_s"],
        "member_import_10k_s_postgres": postgres["import_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--database", help="sqlite or a PostgreSQL server URL (default: both)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(run_here(args.members)))
        return
    results = measured_on_each(args.database, lambda database: measure(database, args.members))
    print(f"{args.members:,} members")
    for name, found in results.items():
        print(
            f"{name:<11} import {found['import_s']:>6.2f} s (target < {TARGETS[name]:g} s; "
            f"{found['import_cpu_s']:.2f} s CPU in Haki), again {found['reimport_s']:>6.2f} s, "
            f"load average {found['load_average']:.1f}"
        )
    RESULTS.write_text(json.dumps({"members": args.members, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
