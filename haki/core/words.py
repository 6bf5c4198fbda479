"""The words members text, and the one check that two of them never collide.

A text is matched against Haki's command words, the organisation's own keywords and
information keywords, and the sender's codewords. If two of these were equal, one would
silently shadow the other (a member's discreet codeword answering with the RIGHTS text
instead of raising an alert). Each app that owns words registers a source here; every
place that sets a word (web forms, SMS, provisioning) asks ``word_taken``."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

# Scripts whose accents are dropped for matching. Indic and Burmese vowel signs are
# combining marks too, but they are letters there and must stay.
_STRIP_ACCENTS_OF = ("LATIN", "CYRILLIC", "GREEK")


def normalise(text: str) -> str:
    """The matching form of a text: upper case, no accents, no punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    base_script = ""
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" and base_script in _STRIP_ACCENTS_OF:
            continue
        if category[0] in "PSZC":
            kept.append(" ")
            base_script = ""
            continue
        kept.append(char)
        base_script = unicodedata.name(char, "").split(" ")[0]
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).upper().split())


# A source yields every word it owns in an organisation (None: one not yet created) as
# (word, owner, reason): the record holding it (None for shipped words) and why the word
# is taken, a sentence for the user.
Claim = tuple[str, Any, Any]
Source = Callable[[Any], Iterable[Claim]]
SOURCES: list[Source] = []


def register(source: Source) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def claims(organisation: Any, leave_out: Iterable[Source] = ()) -> dict[str, list[tuple[Any, Any]]]:
    """Every word that means something in ``organisation``, in matching form, with who
    holds it and why: read once, for checking many words (provisioning, imports).
    ``leave_out``: sources not to read."""
    found: dict[str, list[tuple[Any, Any]]] = {}
    for source in (s for s in SOURCES if s not in leave_out):
        for word, owner, reason in source(organisation):
            key = normalise(word)
            if key:
                found.setdefault(key, []).append((owner, reason))
    return found


def taken_in(found: dict[str, list[tuple[Any, Any]]], word: str, ignore: Any = None) -> Any:
    """Why ``word`` is taken according to ``found`` (from ``claims``), or None. A word
    held only by ``ignore``, the record being edited, is free."""
    for owner, reason in found.get(normalise(word), ()):
        if owner is None or owner != ignore:
            return reason
    return None


def word_taken(organisation: Any, word: str, ignore: Any = None) -> Any:
    """Why ``word`` cannot be used in ``organisation`` (it equals a command word, a
    keyword, an information keyword or a codeword there), or None when it is free.
    ``ignore`` is the record being edited, whose own words do not count."""
    if not normalise(word):
        return None
    return taken_in(claims(organisation), word, ignore)
