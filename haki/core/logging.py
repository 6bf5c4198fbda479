"""Last line of defence for logs: anything shaped like a phone number, the channel
UUID in a gateway's URL and the token in an ID card's URL are replaced in the whole line
a handler writes (message, traceback and stack alike) before it is written. Code must
not log personal data in the first place."""

from __future__ import annotations

import logging
import re

# Seven to fifteen digits, optionally led by + and broken by spaces, dots, dashes or
# brackets: every way a phone number is commonly written. A run that starts like an
# ISO date (2026-11-21) is a timestamp and is kept, and so are digits inside a word
# (the hex groups of a UUID).
PHONE_LIKE = r"(?<![\w:])(?!\d{4}-\d\d-\d\d)(?:%2B|[+(])?\d(?:[\s.\-()]{0,2}\d){6,14}(?![\w])"
# A UUID is kept whole even when its groups happen to be all digits, which the phone
# pattern alone would take for a number...
UUID = r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
# ...except in a gateway's URL (/c/<type>/<uuid>/), where the UUID is the channel's
# credential: a Kannel channel without a secret has no other.
CHANNEL_PATH = r"(?P<channel>/c/[a-z0-9]+/)[0-9a-fA-F-]{32,36}"
# An ID card's URL (/v/<organisation>/<token>): which card was checked, when and from
# which address, says where the outreach worker who carries it was.
CARD_PATH = r"(?P<card>/v/[\w-]+/)[\w=-]{8,}"
SENSITIVE = re.compile(f"{CHANNEL_PATH}|{CARD_PATH}|(?P<uuid>{UUID})|{PHONE_LIKE}")


def _replace(match: re.Match[str]) -> str:
    if match["channel"]:
        return f"{match['channel']}[channel]"
    if match["card"]:
        return f"{match['card']}[card]"
    if match["uuid"]:
        return match["uuid"]
    return "[redacted]"


def redact(text: str) -> str:
    return SENSITIVE.sub(_replace, text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts the whole result: the message with its
    arguments, an exception's message and traceback, and a stack."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
