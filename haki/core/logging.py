"""Last line of defence for logs: anything shaped like a phone number is replaced
before a record is written. Code must not log personal data in the first place."""

from __future__ import annotations

import logging
import re

# Seven to fifteen digits, optionally led by + and broken by spaces, dots, dashes or
# brackets: every way a phone number is commonly written. A run that starts like an
# ISO date (2026-11-21) is a timestamp and is kept, and so are digits inside a word
# (the hex groups of a UUID).
PHONE_LIKE = re.compile(
    r"(?<![\w:])(?!\d{4}-\d\d-\d\d)(?:%2B|[+(])?\d(?:[\s.\-()]{0,2}\d){6,14}(?![\w])"
)


def redact(text: str) -> str:
    return PHONE_LIKE.sub("[redacted]", text)


class RedactPhoneNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
