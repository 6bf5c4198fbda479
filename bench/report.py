"""The suite's one table: each figure with its target and, where there is one, its
ratio to the reference it is held against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Results = dict[str, object]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: str = ""
    # Whether the figure meets its target, given every result (None: cannot tell).
    meets: Callable[[float, Results], bool | None] | None = None
    # The reference a ratio is taken against, and how it is named in the table.
    reference: tuple[str, str] | None = None


def at_least(share: float, reference: str) -> Callable[[float, Results], bool | None]:
    def check(value: float, results: Results) -> bool | None:
        base = results.get(reference)
        return None if not isinstance(base, int | float) or not base else value >= share * base

    return check


def below(limit: float) -> Callable[[float, Results], bool | None]:
    return lambda value, _results: value < limit


def within(low: float, high: float, fastest: str) -> Callable[[float, Results], bool | None]:
    """The slowest window at least ``low``, the fastest (result ``fastest``) at most ``high``."""

    def check(value: float, results: Results) -> bool | None:
        top = results.get(fastest)
        return None if not isinstance(top, int | float) else low <= value and top <= high

    return check


def rows(sizes: dict[str, int]) -> list[Row]:
    recipients, cases, pending = sizes["recipients"], sizes["cases"], sizes["pending"]
    sends = sizes.get("sends", 10_000)
    return [
        Row(
            "inbound_msgs_per_s",
            "inbound, Kannel (texts/s)",
            ">= 2x RapidSMS",
            at_least(2, "inbound_rapidsms_msgs_per_s"),
            ("inbound_rapidsms_msgs_per_s", "RapidSMS"),
        ),
        Row(
            "inbound_msgs_per_s",
            "",
            ">= 0.5x floor",
            at_least(0.5, "inbound_floor_msgs_per_s"),
            ("inbound_floor_msgs_per_s", "floor"),
        ),
        Row(
            "inbound_at_msgs_per_s",
            "inbound, Africa's Talking (texts/s)",
            ">= 0.5x floor",
            at_least(0.5, "inbound_floor_at_msgs_per_s"),
            ("inbound_floor_at_msgs_per_s", "floor"),
        ),
        Row(
            "inbound_routed_msgs_per_s",
            "inbound and routed, worker running (texts/s)",
            ">= 2x RapidSMS",
            at_least(2, "inbound_rapidsms_msgs_per_s"),
            ("inbound_rapidsms_msgs_per_s", "RapidSMS"),
        ),
        Row("inbound_msgs_per_s_sqlite", "  Haki on SQLite, Kannel"),
        Row("inbound_at_msgs_per_s_sqlite", "  Haki on SQLite, Africa's Talking"),
        Row("inbound_floor_msgs_per_s", "  floor: bare WSGI insert, Kannel", "reference"),
        Row("inbound_floor_at_msgs_per_s", "  floor: Africa's Talking", "reference"),
        Row("inbound_rapidsms_msgs_per_s", "  RapidSMS Kannel backend", "reference"),
        Row(
            "inbound_web_cpu_ms_per_text",
            "web CPU per text, Kannel (ms)",
            "",
            None,
            ("inbound_floor_web_cpu_ms_per_text", "floor"),
        ),
        Row("inbound_floor_web_cpu_ms_per_text", "  floor", "reference"),
        Row("inbound_rapidsms_web_cpu_ms_per_text", "  RapidSMS", "reference"),
        Row(
            "inbound_instructions_m_per_text",
            "instructions per Kannel text, one process (M)",
            "",
            None,
            ("inbound_floor_instructions_m_per_text", "floor"),
        ),
        Row("inbound_floor_instructions_m_per_text", "  floor", "reference"),
        Row("routing_instructions_m_per_text", "instructions per text routed, one process (M)"),
        Row("help_latency_p50_ms_idle", "HELP to responders p50, idle (ms)"),
        Row("help_latency_p99_ms_idle", "HELP to responders p99, idle (ms)", "< 300", below(300)),
        Row(
            "help_latency_p99_ms_loaded",
            "HELP to responders p99, loaded (ms)",
            "< 1000",
            below(1000),
        ),
        Row(
            "missed_call_latency_p99_ms",
            "missed call to first responder p99 (ms)",
            "< 1000",
            below(1000),
        ),
        Row(
            "help_latency_p99_ms_during_broadcast",
            f"HELP to responders p99, {recipients:,} broadcast draining (ms)",
            "< 1000",
            below(1000),
        ),
        Row(
            "outbound_msgs_per_s_per_worker",
            "outbound, one worker, stub without a limit (texts/s)",
            ">= 300",
            lambda value, _results: value >= 300,
        ),
        Row(
            "outbound_tps_accuracy",
            f"outbound at 100/s, slowest 10 s window, {sends:,} texts (texts/s)",
            "97-100",
            within(97, 100, "outbound_tps_window_max_per_s"),
        ),
        Row("outbound_tps_window_max_per_s", "  fastest 10 s window (texts/s)", "<= 100"),
        Row(
            "escalation_lateness_p99_s",
            f"escalation lateness p99, {pending:,} pending (s)",
            "< 2",
            below(2),
        ),
        Row(
            "escalation_lateness_p99_s_loaded",
            f"escalation lateness p99, {pending:,} pending, 40 texts/s (s)",
            "< 2",
            below(2),
        ),
        Row("ussd_answer_p50_ms", "USSD screen answered p50, PostgreSQL (ms)"),
        Row("ussd_answer_p99_ms", "USSD screen answered p99, PostgreSQL (ms)", "< 300", below(300)),
        Row(
            "broadcast_100k_queue_s",
            f"broadcast to {recipients:,} queued (s)",
            "< 20",
            below(20),
        ),
        Row(
            "patterns_1m_s_postgres", f"patterns, {cases:,} cases, PostgreSQL (s)", "< 1", below(1)
        ),
        Row("brief_1m_s_postgres", f"brief, {cases:,} cases, PostgreSQL (s)"),
        Row(
            "indicators_1m_s_postgres",
            f"indicators, {cases:,} cases, {2 * cases:,} texts, PostgreSQL (s)",
            "< 2",
            below(2),
        ),
        Row(
            "member_import_10k_s",
            f"member import, {sizes['members']:,} rows, SQLite (s)",
            "< 10",
            below(10),
        ),
        Row(
            "member_import_10k_s_postgres",
            f"member import, {sizes['members']:,} rows, PostgreSQL (s)",
            "< 5",
            below(5),
        ),
        Row(
            "verify_page_p99_ms",
            "ID-card verification page p99 at 100/s, SQLite (ms)",
            "< 50",
            below(50),
        ),
        Row("web_rss_mb", "web process peak RSS (MB)", "< 250", below(250)),
        Row("worker_rss_mb", "worker process peak RSS (MB)", "< 250", below(250)),
        Row("rapidsms_web_rss_mb", "  RapidSMS web process peak RSS (MB)", "reference"),
        Row("floor_web_rss_mb", "  floor web process peak RSS (MB)", "reference"),
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}" if value < 10 else f"{value:.1f}"


def table(results: Results, sizes: dict[str, int]) -> str:
    header = ("figure", "measured", "target", "ratio", "verdict")
    lines = [header]
    for row in rows(sizes):
        value = results.get(row.key)
        measured_already = row.label == ""
        if not isinstance(value, int | float):
            lines.append((row.label, "not measured", row.target, "", ""))
            continue
        ratio = ""
        if row.reference:
            base = results.get(row.reference[0])
            if isinstance(base, int | float) and base:
                ratio = f"{value / base:.2f}x {row.reference[1]}"
        verdict = ""
        if row.meets:
            met = row.meets(value, results)
            verdict = "" if met is None else "met" if met else "MISSED"
        lines.append(
            (row.label, "" if measured_already else _number(value), row.target, ratio, verdict)
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    aligned = [
        "  ".join(
            cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ).rstrip()
        for line in lines
    ]
    rule = "-" * len(max(aligned, key=len))
    return "\n".join([aligned[0], rule, *aligned[1:]])
