"""Keywords and how texts are matched against them.

Matching ignores case, accents (é = e, й = и), punctuation and extra spaces, so
"  Stop!! " and "stop" are the same word. Each app registers the actions it owns,
with their words in the shipped languages; organisations add words for any other
language as ``Keyword`` rows, without code."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class Action:
    name: str
    handler: Callable[[Any], Any]
    words: dict[str, list[str]] = field(default_factory=dict)


ACTIONS: dict[str, Action] = {}
# Tried in order when no keyword matched (or its handler declined), before the inbox:
# a member's own codeword, say. Each takes the routing context and returns True if
# it handled the text.
FALLBACKS: list[Callable[[Any], bool]] = []


def register_fallback(handler: Callable[[Any], bool]) -> None:
    if handler not in FALLBACKS:
        FALLBACKS.append(handler)


# Sources of an organisation's other words (information keywords, say), so that a
# codeword never equals a word Haki already answers ("Keywords never collide").
RESERVED: list[Callable[[Any], list[str]]] = []


def register_reserved(source: Callable[[Any], list[str]]) -> None:
    if source not in RESERVED:
        RESERVED.append(source)


def reserved_words(organisation: Any | None) -> set[str]:
    """Every word that already means something to Haki in ``organisation`` (None: a
    new one), in matching form: shipped keywords, yes and no, the organisation's own
    keywords and what other apps register."""
    words = [w for action in ACTIONS.values() for ws in action.words.values() for w in ws]
    words += [w for table in (YES, NO) for ws in table.values() for w in ws]
    if organisation is not None and organisation.pk is not None:
        from haki.messaging.models import Keyword

        words += Keyword.objects.filter(organisation=organisation).values_list("word", flat=True)
        for source in RESERVED:
            words += source(organisation)
    return {normalise(w) for w in words}


def register(name: str, handler: Callable[[Any], Any], words: dict[str, list[str]]) -> None:
    ACTIONS[name] = Action(name, handler, words)


# Words for yes and no, in every shipped language; surveys and confirmations use them.
YES = {
    "en": ["YES", "Y", "1"],
    "sw": ["NDIYO", "NDIO", "YES"],
    "ru": ["ДА", "Д"],
    "ky": ["ООБА", "ОБА", "ДА"],
    "te": ["అవును"],
    "my": ["ဟုတ်"],
}
NO = {
    "en": ["NO", "N", "2"],
    "sw": ["HAPANA", "LA"],
    "ru": ["НЕТ", "Н"],
    "ky": ["ЖОК"],
    "te": ["కాదు"],
    "my": ["မဟုတ်"],
}


def _first_word_in(words: str, table: dict[str, list[str]]) -> bool:
    first = normalise(words).split(" ")[0] if words.strip() else ""
    return bool(first) and any(first == normalise(w) for values in table.values() for w in values)


def is_yes(words: str) -> bool:
    return _first_word_in(words, YES)


def is_no(words: str) -> bool:
    return _first_word_in(words, NO)


@dataclass(frozen=True)
class Match:
    action: str
    language: str
    word: str
    rest: str  # what followed the keyword, normalised


def match(text: str, custom: list[tuple[str, str, str]]) -> Match | None:
    """The action a text starts with. ``custom`` holds an organisation's own
    (word, action, language) rows, which win over the shipped words."""
    normalised = normalise(text)
    if not normalised:
        return None
    candidates: list[tuple[str, str, str]] = list(custom)
    for action in ACTIONS.values():
        for language, words in action.words.items():
            candidates.extend((word, action.name, language) for word in words)
    best: Match | None = None
    for word, action, language in candidates:
        key = normalise(word)
        starts = normalised == key or normalised.startswith(key + " ")
        if starts and (best is None or len(key) > len(best.word)):  # the longest wins
            best = Match(action, language, key, normalised[len(key) :].strip())
    return best
