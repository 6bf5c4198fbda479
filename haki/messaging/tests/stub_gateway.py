"""A local HTTP server answering like each gateway's real sending API, for the
third-party services tests cannot reach. It records every request it is sent."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    at: float
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    json: dict | None
    headers: dict[str, str]
    body: bytes = b""
    peer: int = 0  # the sender's port: one per connection


@dataclass
class StubGateway:
    """``fail_next`` answers that many requests with ``fail_status`` first.
    ``delivery_reports`` (Kannel): report each text accepted by the SMSC to its
    ``dlr-url`` as Kannel does, and before answering, the order hardest for a sender.
    ``delay``: seconds each answer takes, as a gateway's round trip does. ``cookie``:
    a cookie set by every answer, as a gateway behind a load balancer may. ``redirect``:
    where every request is redirected, as a compromised gateway could. It speaks
    HTTP/1.1, so a sender's connections are kept alive as a real gateway's are."""

    kind: str = "kn"
    fail_next: int = 0
    fail_status: int = 503
    delivery_reports: bool = False
    delay: float = 0.0
    cookie: str = ""  # a Set-Cookie header sent with every answer
    redirect: str = ""  # a URL every request is sent on to (302)
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK, 40 ms per text on a kept connection.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                stub._answer(self)

            do_POST = do_PUT = do_GET

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        is_json = handler.headers.get("Content-Type", "").startswith("application/json")
        self.requests.append(
            Received(
                at=time.monotonic(),
                method=handler.command,
                path=parts.path,
                query=parse_qs(parts.query),
                form={} if is_json else parse_qs(body.decode()),
                json=json.loads(body) if is_json and body else None,
                headers={k.lower(): v for k, v in handler.headers.items()},
                body=body,
                peer=handler.client_address[1],
            )
        )
        if self.redirect:
            handler.send_response(302)
            handler.send_header("Location", self.redirect)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if self.fail_next > 0:
            self.fail_next -= 1
            return self._reply(handler, self.fail_status, b"unavailable", "text/plain")
        number = len(self.requests)
        if self.delay:
            time.sleep(self.delay)
        if self.kind == "kn" and self.delivery_reports:
            report = parse_qs(parts.query).get("dlr-url", [""])[0].replace("%d", "8")
            if report:
                urllib.request.urlopen(report, timeout=30).close()
        if self.kind == "kn":
            self._reply(handler, 202, b"0: Accepted for delivery", "text/plain")
        elif self.kind == "at":
            recipients = [
                {
                    "statusCode": 101,
                    "number": "+254190555001",
                    "status": "Success",
                    "cost": "KES 0.8000",
                    "messageId": f"ATXid_{number}",
                }
            ]
            payload = {
                "SMSMessageData": {
                    "Message": "Sent to 1/1 Total Cost: KES 0.8000",
                    "Recipients": recipients,
                }
            }
            self._reply(handler, 201, json.dumps(payload).encode(), "application/json")
        elif self.kind == "t":
            payload = {"sid": f"SM{number:032d}", "status": "queued"}
            self._reply(handler, 201, json.dumps(payload).encode(), "application/json")
        else:
            self._reply(handler, 200, b'{"status": "queued"}', "application/json")

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if self.cookie:
            handler.send_header("Set-Cookie", self.cookie)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
