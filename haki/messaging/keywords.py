"""Keywords and how texts are matched against them.

Matching ignores case, accents (é = e, й = и), punctuation and extra spaces, so
"  Stop!! " and "stop" are the same word. Each app registers the actions it owns,
with their words in the shipped languages; organisations add words for any other
language as ``Keyword`` rows, without code."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from haki.core.words import (
    Claim,
    normalise,  # the one matching form, shared with the word checks
)


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


# What routes a message that is not a text, by its kind (a missed call): the routing
# context in, the action's name out. Set by the app that owns the action.
CALLS: dict[str, Callable[[Any], str]] = {}


def register_call(kind: str, handler: Callable[[Any], str]) -> None:
    CALLS[kind] = handler


def register_fallback(handler: Callable[[Any], bool]) -> None:
    if handler not in FALLBACKS:
        FALLBACKS.append(handler)


def register(name: str, handler: Callable[[Any], Any], words: dict[str, list[str]]) -> None:
    ACTIONS[name] = Action(name, handler, words)
    _shipped.clear()


# Words for yes and no, in every shipped language; surveys and confirmations use them.
YES = {
    "en": ["YES", "Y", "1"],
    "sw": ["NDIYO", "NDIO", "YES"],
    "ru": ["ДА", "Д", "DA"],
    "ky": ["ООБА", "ОБА", "ДА", "OOBA"],
    "te": ["అవును", "AVUNU"],
    "my": ["ဟုတ်", "ဟုတ်ကဲ့", "HOUKE"],
}
NO = {
    "en": ["NO", "N", "2"],
    "sw": ["HAPANA", "LA"],
    "ru": ["НЕТ", "Н", "NET"],
    "ky": ["ЖОК", "JOK", "ZHOK"],
    "te": ["కాదు", "వద్దు", "KAADU", "VADDU"],
    "my": ["မဟုတ်", "MAHOUK"],
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


# Every text is matched against every shipped word: their matching forms, by first
# word, are computed once (again after a ``register``), not once per text.
Candidates = dict[str, list[tuple[str, str, str]]]
_shipped: Candidates = {}


def by_first_word(rows: Iterable[tuple[str, str, str]]) -> Candidates:
    """(word, action, language) rows in matching form, listed under their first word."""
    found: Candidates = {}
    for word, action, language in rows:
        key = normalise(word)
        if key:
            found.setdefault(key.split(" ")[0], []).append((key, action, language))
    return found


def shipped_words() -> Candidates:
    if not _shipped:
        _shipped.update(
            by_first_word(
                (word, action.name, language)
                for action in ACTIONS.values()
                for language, words in action.words.items()
                for word in words
            )
        )
    return _shipped


def match(text: str, custom: list[tuple[str, str, str]] | Candidates) -> Match | None:
    """The action a text starts with. ``custom`` holds an organisation's own
    (word, action, language) rows (or ``by_first_word`` of them), which win over the
    shipped words."""
    normalised = normalise(text)
    if not normalised:
        return None
    own = custom if isinstance(custom, dict) else by_first_word(custom)
    first = normalised.split(" ")[0]
    best: Match | None = None
    for key, action, language in [*own.get(first, ()), *shipped_words().get(first, ())]:
        starts = normalised == key or normalised.startswith(key + " ")
        if starts and (best is None or len(key) > len(best.word)):  # the longest wins
            best = Match(action, language, key, normalised[len(key) :].strip())
    return best


def command_words_and_keywords(organisation: Any) -> Iterator[Claim]:
    """``haki.core.words`` source: the shipped command and yes/no words, and the
    organisation's own ``Keyword`` rows."""
    from haki.messaging.models import Keyword

    shipped = [ws for action in ACTIONS.values() for ws in action.words.values()]
    shipped += [*YES.values(), *NO.values()]
    command = _("This is one of Haki's command words.")
    yield from ((word, None, command) for ws in shipped for word in ws)
    if organisation is None or organisation.pk is None:
        return
    own = _("This is already one of the organisation's keywords.")
    for keyword in Keyword.objects.filter(organisation=organisation).only("pk", "word"):
        yield keyword.word, keyword, own
