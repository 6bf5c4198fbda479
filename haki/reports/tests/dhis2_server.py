"""A local HTTP server that speaks DHIS2's ``/api/dataValueSets`` wire format: it checks
the ``ApiToken``, keeps the data values it is sent (by code: ``idScheme=code``), honours
``dryRun`` and ``importStrategy=DELETE``, and answers an import summary as DHIS2 2.38 and
later do (a web message wrapping it; HTTP 409 when there are conflicts). Its modes also
play the servers a push must not wait on forever: one that answers slowly, one that
drips its answer a byte at a time, one whose answer is larger than any import summary."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Dhis2Server:
    token: str
    data_elements: set[str]
    org_units: set[str]
    mode: str = "normal"  # "html", "slow", "drip", "huge"
    stored: dict[tuple, str] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._answer(self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: dict | str) -> None:
        if self.mode == "huge" and isinstance(body, dict):
            body = {**body, "padding": "x" * (11 * 1024 * 1024)}
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        handler.send_response(status)
        kind = "text/html" if isinstance(body, str) else "application/json"
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if self.mode == "drip":
            return self._drip(handler, data)
        handler.wfile.write(data)

    def _drip(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        """The answer a byte every 50 ms: each read is quick, the whole takes long."""
        for at in range(len(data)):
            time.sleep(0.05)
            try:
                handler.wfile.write(data[at : at + 1])
            except OSError:  # the client gave up
                return

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        payload = json.loads(handler.rfile.read(length) or b"{}")
        self.requests.append({"path": url.path, "query": query, "payload": payload})
        if self.mode == "slow":
            time.sleep(3)
        if self.mode == "html":
            return self._send(handler, 200, "<html><body>Login</body></html>")
        if handler.headers.get("Authorization") != f"ApiToken {self.token}":
            return self._send(
                handler,
                401,
                {"httpStatus": "Unauthorized", "httpStatusCode": 401, "status": "ERROR"},
            )
        if url.path != "/api/dataValueSets" or query.get("idScheme") != "code":
            return self._send(handler, 404, {"httpStatusCode": 404, "status": "ERROR"})
        self._import(handler, query, payload)

    def _import(self, handler: BaseHTTPRequestHandler, query: dict, payload: dict) -> None:
        counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
        conflicts = []
        dry = query.get("dryRun") == "true"
        delete = query.get("importStrategy") == "DELETE"
        for row in payload.get("dataValues", []):
            key = (
                row["dataElement"],
                row["period"],
                row["orgUnit"],
                row.get("categoryOptionCombo"),
            )
            if row["dataElement"] not in self.data_elements:
                conflicts.append(
                    {
                        "object": row["dataElement"],
                        "objects": {"dataElement": row["dataElement"]},
                        "value": "Data element not found or not accessible",
                        "errorCode": "E7610",
                        "property": "dataElement",
                    }
                )
                counts["ignored"] += 1
            elif row["orgUnit"] not in self.org_units:
                conflicts.append(
                    {"object": row["orgUnit"], "value": "Org unit not found", "errorCode": "E7612"}
                )
                counts["ignored"] += 1
            elif delete:
                counts["deleted" if key in self.stored else "ignored"] += 1
                if not dry:
                    self.stored.pop(key, None)
            else:
                counts["updated" if key in self.stored else "imported"] += 1
                if not dry:
                    self.stored[key] = row["value"]
        summary = {
            "responseType": "ImportSummary",
            "status": "WARNING" if conflicts else "SUCCESS",
            "importOptions": {"idSchemes": {}, "dryRun": dry},
            "description": "Import process completed successfully",
            "importCount": counts,
            "conflicts": conflicts,
            "dataSetComplete": "false",
        }
        status = 409 if conflicts else 200
        self._send(
            handler,
            status,
            {
                "httpStatus": "Conflict" if conflicts else "OK",
                "httpStatusCode": status,
                "status": "WARNING" if conflicts else "OK",
                "message": "One more conflicts encountered, please check import summary."
                if conflicts
                else "Import was successful.",
                "response": summary,
            },
        )
