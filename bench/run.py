"""The benchmark suite: every figure of issue #7 in one run, printed as one table and
written to bench/results.json. Haki runs as in production: gunicorn and a Huey worker
as processes, on PostgreSQL with its task queue on Redis.

    make bench                       # or: .venv/bin/python -m bench.run
    make bench BENCH_ARGS=--quick    # smaller sizes, a few minutes
    make bench BENCH_ARGS="--only inbound,crisis"

PostgreSQL and Redis are taken from --postgres and --redis (or HAKI_BENCH_POSTGRES_URL
and HAKI_BENCH_REDIS_URL); every part runs on fresh databases of its own."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench import (
    credentials,
    crisis,
    inbound,
    instructions,
    members,
    outbound,
    postgres,
    queues,
    rapidsms_reference,
    report,
    surveys,
    ussd,
)
from bench.processes import PeakMemory
from haki.tests.services import postgres_problem, redis_problem

RESULTS = Path(__file__).with_name("results.json")
SECTIONS = (
    "inbound",
    "crisis",
    "ussd",
    "outbound",
    "broadcast",
    "patterns",
    "imports",
    "credentials",
    "indicators",
)
PROCESSES = {
    "web_rss_mb": ("haki.wsgi:application",),
    "worker_rss_mb": ("haki.cli run_huey", "haki.cli worker"),
    "rapidsms_web_rss_mb": ("rapidsms_site.wsgi:application",),
    "floor_web_rss_mb": ("bench.floor:application",),
}


@dataclass(frozen=True)
class Sizes:
    texts: int = 2000  # per inbound round
    rounds: int = 5  # inbound rounds; the median counts (a neighbour's burst in two is ignored)
    alerts: int = 100  # HELP texts timed, idle and again loaded
    ussd_sessions: int = 200  # whole USSD sessions timed, request by request
    pending: int = 1000  # alerts waiting for escalation
    recipients: int = 100_000
    sends: int = 10_000  # texts drained per outbound figure
    answers: int = 2000  # poll answers
    cases: int = 1_000_000
    members: int = 10_000  # rows of one CSV imported
    verify_seconds: int = 30  # of card checks at 100 per second


QUICK = Sizes(
    texts=500,
    rounds=1,
    alerts=20,
    ussd_sessions=40,
    pending=200,
    recipients=10_000,
    sends=2000,
    answers=200,
    cases=10_000,
    members=10_000,
    verify_seconds=10,
)


def machine() -> dict[str, object]:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    return {
        "cores": os.cpu_count(),
        "memory_mb": memory_kb // 1024,
        "cpu": models[0] if models else platform.machine(),
        "python": platform.python_version(),
    }


def patterns(server: str, cases: int) -> dict[str, float | None]:
    """bench/cases.py is its own benchmark; its figures join the table when it is there."""
    try:
        from bench import cases as case_bench
    except ImportError:
        return {}
    try:
        figures = case_bench.measure(server, cases=cases)
    except Exception as exc:  # one missing row must not cost the whole run
        print(f"patterns: not measured ({type(exc).__name__}: {exc})", file=sys.stderr)
        return {}
    return {
        "patterns_1m_s_postgres": round(figures["patterns_s"], 3),
        "brief_1m_s_postgres": round(figures["brief_s"], 3),
    }


def indicators(server: str, cases: int) -> dict[str, float | None]:
    """bench/indicators.py: the whole catalogue over a million cases, two million texts
    and a hundred thousand alerts."""
    from bench import indicators as indicator_bench

    try:
        figures = indicator_bench.measure(server, cases, 2 * cases, cases // 10)
    except Exception as exc:  # one missing row must not cost the whole run
        print(f"indicators: not measured ({type(exc).__name__}: {exc})", file=sys.stderr)
        return {}
    return {"indicators_1m_s_postgres": figures["indicators_s"]}


def measure(sections: list[str], server: str, redis: str, sizes: Sizes) -> dict[str, object]:
    results: dict[str, object] = {}

    def part(section: str, what: str, run) -> None:
        if section in sections:
            started = time.perf_counter()
            print(f"{section}: {what} ...", end="", file=sys.stderr, flush=True)
            queues.empty_queue(redis)
            results.update(run())
            print(f" {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    texts, rounds = sizes.texts, sizes.rounds
    with PeakMemory(PROCESSES) as memory:
        part("inbound", "floor", lambda: inbound.bare_floor(server, texts, rounds))
        part("inbound", "RapidSMS", lambda: inbound.rapidsms(server, texts, rounds))
        part("inbound", "Haki", lambda: inbound.haki(server, redis, texts, rounds))
        part(
            "inbound",
            "Haki on SQLite",
            lambda: inbound.haki("sqlite", None, texts, 1, suffix="_sqlite"),
        )
        part("inbound", "instructions per text", lambda: instructions.measure(server, redis))
        part(
            "crisis",
            "HELP latency and escalations",
            lambda: crisis.run(server, sizes.alerts, sizes.pending, huey_url=redis),
        )
        part(
            "ussd",
            "USSD answer time",
            lambda: ussd.run(server, sizes.ussd_sessions, huey_url=redis),
        )
        part(
            "outbound",
            "sending per worker, at a limit, and HELP during a broadcast",
            lambda: outbound.measure(server, redis, sizes.sends, sizes.recipients, sizes.alerts),
        )
        part(
            "broadcast",
            "queueing and poll answers",
            lambda: surveys.run(server, sizes.recipients, sizes.answers, huey_url=redis),
        )
        part("patterns", "bench/cases.py", lambda: patterns(server, sizes.cases))
        part("imports", "bench/members.py", lambda: members.figures(server, sizes.members))
        part(
            "credentials",
            "ID-card verification page on SQLite",
            lambda: credentials.measure(100, sizes.verify_seconds, 2000, 16, 0.1),
        )
        part("indicators", "bench/indicators.py", lambda: indicators(server, sizes.cases))
    queues.empty_queue(redis)
    results.update({name: round(peak, 1) for name, peak in memory.peaks.items()})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    parser.add_argument("--only", default=",".join(SECTIONS), help=", ".join(SECTIONS))
    parser.add_argument(
        "--postgres", default=os.environ.get("HAKI_BENCH_POSTGRES_URL", postgres.DEFAULT_SERVER)
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("HAKI_BENCH_REDIS_URL", queues.DEFAULT_URL),
        help="a Redis database of the benchmark's own: it is emptied before each part",
    )
    for field, default in asdict(Sizes()).items():
        parser.add_argument(f"--{field}", type=int, help=f"default {default:,}")
    args = parser.parse_args()
    sections = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else Sizes()
    sizes = replace(
        sizes, **{k: v for k, v in vars(args).items() if k in asdict(sizes) and v is not None}
    )
    problem = postgres_problem(args.postgres) or redis_problem(args.redis)
    if problem:
        sys.exit(problem)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    if "inbound" in sections:
        rapidsms_reference.build()

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    figures = measure(sections, args.postgres, args.redis, sizes)
    about = {
        "machine": machine(),
        "database": f"PostgreSQL {postgres.server_version(args.postgres)}",
        "task_queue": f"Redis {queues.server_version(args.redis)}",
        "sizes": asdict(sizes),
        "quick": args.quick,
        "minutes": round((time.perf_counter() - started) / 60, 1),
        # Other work on the machine shows here: the run itself keeps about 2 busy.
        "load_average": {"start": load_before, "end": os.getloadavg()[0]},
    }
    required = {row.key: None for row in report.rows(asdict(sizes))}
    results = {**required, **figures, **about}
    print()
    cpu = about["machine"]
    print(
        f"Haki benchmarks on {cpu['cores']} cores ({cpu['cpu']}), {cpu['memory_mb']:,} MB, "
        f"{about['database']}, {about['task_queue']}, {about['minutes']} min, "
        f"load average {load_before:.1f} at the start"
    )
    print(report.table(results, asdict(sizes)))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
