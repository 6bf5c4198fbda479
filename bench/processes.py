"""What the processes a benchmark starts use, read from /proc: CPU time, and peak memory.

Every half second the sampler reads the high-water mark of resident memory (VmHWM)
of each process whose command line matches one of the named patterns. VmHWM only
grows, so the last sample before a process ends holds its peak up to then. Only this
process's descendants count: other runs on the same machine are not ours to measure."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def peak_rss_mb(pid: str) -> float | None:
    try:
        status = (PROC / pid / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return None


def command_line(pid: str) -> str:
    try:
        return (PROC / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def parent(pid: str) -> str | None:
    try:
        stat = (PROC / pid / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields follow the last ")".
    return stat.rsplit(")", 1)[1].split()[1]


def descends_from(pid: str, ancestor: str) -> bool:
    while pid not in ("0", "1"):
        found = parent(pid)
        if found is None:
            return False
        if found == ancestor:
            return True
        pid = found
    return False


def descendants(root: int) -> list[str]:
    root_pid = str(root)
    return [
        entry.name
        for entry in PROC.iterdir()
        if entry.name.isdigit() and descends_from(entry.name, root_pid)
    ]


def cpu_seconds(root: int) -> float:
    """CPU time (user and system) used so far by process ``root`` and its live children."""
    ticks = 0
    for pid in [str(root), *descendants(root)]:
        try:
            stat = (PROC / pid / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class PeakMemory:
    """``patterns``: a name for each kind of process, and strings one of which its
    command line holds."""

    def __init__(self, patterns: dict[str, tuple[str, ...]], interval: float = 0.5):
        self.patterns = patterns
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        me = str(os.getpid())
        for entry in PROC.iterdir():
            if not entry.name.isdigit():
                continue
            line = command_line(entry.name)
            for name, held in self.patterns.items():
                if any(part in line for part in held) and descends_from(entry.name, me):
                    peak = peak_rss_mb(entry.name)
                    if peak is not None and peak > self.peaks.get(name, 0):
                        self.peaks[name] = peak

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
