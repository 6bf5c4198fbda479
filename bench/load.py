"""A lean load generator for gateway webhooks: keep-alive connections sending
prepared requests, run in a process of its own so that its work does not share an
interpreter with whatever else the benchmark runs (a stub gateway, samplers).

Each request carries a unique gateway id and one of 5,000 fictional senders."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

TEXT = "news from the market"
TIMESTAMP = 1795263728


def sender(i: int) -> str:
    return f"+2541909{i % 5000:05d}"


def _request(method: str, target: str, host: str, body: bytes, content_type: str) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
    if method == "POST":
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


KANNEL_CONTENT_TYPE = "text/plain; charset=UTF-8"


def kannel_query(i: int, run: str) -> str:
    """The query string of Kannel's post (its `post-url`); the text is the body."""
    return f"backend=fake&sender={quote(sender(i))}&message=x&ts={TIMESTAMP}&id={run}-{i}&to=20777"


def kannel_post(path: str, host: str, i: int, run: str) -> bytes:
    """As Kannel posts to Haki: fields in the query string, the text as the body."""
    target = f"{path}?{kannel_query(i, run)}"
    return _request("POST", target, host, TEXT.encode(), KANNEL_CONTENT_TYPE)


def africastalking_post(path: str, host: str, i: int, run: str) -> bytes:
    form = urlencode(
        {
            "id": f"{run}-{i}",
            "text": TEXT,
            "from": sender(i),
            "to": "20880",
            "date": "2026-11-20T09:15:00Z",
        }
    )
    return _request("POST", path, host, form.encode(), "application/x-www-form-urlencoded")


def kannel_get(path: str, host: str, i: int, run: str) -> bytes:
    """As Kannel calls RapidSMS's backend: a GET with ``get-url``'s ``id=%p&text=%a``."""
    query = urlencode({"id": sender(i), "text": TEXT, "charset": "UTF-8", "coding": "0"})
    return _request("GET", f"{path}?{query}", host, b"", "")


PAYLOADS: dict[str, Callable[[str, str, int, str], bytes]] = {
    "kannel": kannel_post,
    "africastalking": africastalking_post,
    "kannel-get": kannel_get,
}


class Connection:
    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.sock: socket.socket | None = None

    def exchange(self, request: bytes) -> int:
        """Send one request, read its whole answer, return the status code."""
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
        self.sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-answer")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        remaining = int(headers["content-length"]) - len(rest)
        while remaining > 0:
            chunk = self.sock.recv(remaining)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-body")
            remaining -= len(chunk)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _drive(url: str, payload: str, count: int, connections: int, run: str) -> float:
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}"
    build = PAYLOADS[payload]
    failures: list[str] = []

    def client(offset: int) -> None:
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            for i in range(offset, count, connections):
                status = connection.exchange(build(parts.path, host, i, run))
                if status != 200:
                    failures.append(f"HTTP {status}")
                    return
        except Exception as exc:  # any client failing must fail the run, not end quietly
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} clients failed, first: {failures[0]}")
    return elapsed


def send(url: str, payload: str, count: int, connections: int = 16, run: str = "b") -> float:
    """POST (or GET) ``count`` texts to ``url``; return texts per second."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            url,
            payload,
            str(count),
            "--connections",
            str(connections),
            "--run",
            run,
        ],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr}")
    return count / float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description="Send texts to a webhook; print seconds.")
    parser.add_argument("url")
    parser.add_argument("payload", choices=sorted(PAYLOADS))
    parser.add_argument("count", type=int)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--run", default="b")
    args = parser.parse_args()
    print(_drive(args.url, args.payload, args.count, args.connections, args.run))


if __name__ == "__main__":
    main()
