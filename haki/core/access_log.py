"""gunicorn's logs, redacted as Haki's own are (haki/core/logging.py): its access log
names every path, and a gateway's path holds the channel's UUID."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from haki.core.logging import RedactingFormatter


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                plain = handler.formatter
                if plain is not None and not isinstance(plain, RedactingFormatter):
                    handler.setFormatter(RedactingFormatter(plain._fmt, plain.datefmt))
