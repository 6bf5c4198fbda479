"""The menu as a walk: Africa's Talking sends every answer so far (``1*2*1``), and the
walk replays them from the first screen on every request. Each screen is a question
with numbered choices (or a typed code), each choice leading to the next screen or to
an act (``acts.py``). Replaying makes a repeated request give the same screen; an act
is done only when the walk ends on it, and only once a session (``answer.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from haki.cases.models import ViolationType
from haki.cases.taxonomy import Kind
from haki.core.models import Area, Organisation
from haki.members.models import Member
from haki.referrals.models import ServiceKind
from haki.ussd import screens

LABEL_CHARS = 28  # an option longer than this is cut: the list must fit a screen


class Unreadable(Exception):
    """An answer no screen could have asked for (letters where a number is chosen,
    hundreds of answers): the session ends with a neutral sentence."""


@dataclass
class Visit:
    """Who is dialling, and in which language the screens are written."""

    organisation: Organisation
    channel: Any  # the texts' (``texting_channel``): a menu's own may not send texts
    phone: str
    member: Member | None

    @property
    def language(self) -> str:
        if self.member is not None:
            return self.member.language
        return self.organisation.default_language


@dataclass
class Choice:
    label: str
    goes_to: str
    sets: dict[str, Any] = field(default_factory=dict)


@dataclass
class Question:
    title: str
    choices: list[Choice] = field(default_factory=list)
    typed_goes_to: str = ""  # a typed answer (a code) instead of a number

    def shown(self) -> list[Choice]:
        """The choices that fit on the screen under the title or, after a wrong
        number, under the sentence asking to choose again (room is kept for the longer
        of the two, so what is shown never depends on a mistake)."""
        room = screens.LIMIT - max(len(self.title), len(str(screens.CHOOSE_AGAIN)))
        kept: list[Choice] = []
        for choice in self.choices:
            line = f"\n{len(kept) + 1} {cut(choice.label)}"
            if len(line) > room:
                break
            room -= len(line)
            kept.append(choice)
        return kept

    def screen(self, again: bool) -> str:
        lines = [str(screens.CHOOSE_AGAIN) if again else self.title]
        lines += [f"{n} {cut(choice.label)}" for n, choice in enumerate(self.shown(), 1)]
        return "\n".join(lines)

    def take(self, answer: str) -> tuple[str, dict[str, Any]] | None:
        """Where ``answer`` leads, or None when it is not one of the choices."""
        if self.typed_goes_to:
            if len(answer) > 20 or not (answer.isascii() and answer.replace("-", "").isalnum()):
                raise Unreadable
            return self.typed_goes_to, {"typed": answer}
        if not (answer.isascii() and answer.isdigit()) or len(answer) > 3:  # not "١"
            raise Unreadable
        shown = self.shown()
        if not 1 <= int(answer) <= len(shown):
            return None
        choice = shown[int(answer) - 1]
        return choice.goes_to, choice.sets


def cut(label: object, chars: int = LABEL_CHARS) -> str:
    text = " ".join(str(label).split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


def neutral_name(organisation: Organisation) -> str:
    """What the first screen calls the organisation: its own neutral name when it has
    set one, else the site's (neutral by default, as every text Haki sends)."""
    return cut(organisation.settings.get("neutral_name") or settings.HAKI_SITE_NAME, 40)


def main(visit: Visit, data: dict[str, Any]) -> Question:
    name = neutral_name(visit.organisation)
    if visit.member is None:
        return Question(
            name,
            [
                Choice(screens.GET_HELP, "help"),
                Choice(screens.RIGHTS, "rights"),
                Choice(screens.REGISTER, "register_area"),
            ],
        )
    return Question(
        name,
        [
            Choice(screens.GET_HELP, "help"),
            Choice(screens.REPORT, "what"),
            Choice(screens.FIND_SERVICE, "kind"),
            Choice(screens.RIGHTS, "rights"),
            Choice(screens.CHECK_CODE, "code"),
        ],
    )


def what(visit: Visit, data: dict[str, Any]) -> Question:
    types = ViolationType.objects.active().filter(organisation=visit.organisation, kind=Kind.ABUSE)
    choices = [Choice(t.display_label, "where", {"what": t.pk}) for t in types[:8]]
    # "Something else" first: it must never fall off a screen of long labels.
    return Question(str(screens.ASK_WHAT), [Choice(screens.SOMETHING_ELSE, "where"), *choices])


def where(visit: Visit, data: dict[str, Any]) -> Question:
    home = visit.member.area if visit.member else None
    areas = [home, *home.children.order_by("code")[:6]] if home else []
    choices = [Choice(area.name, "when", {"where": area.pk}) for area in areas]
    return Question(str(screens.ASK_WHERE), [*choices, Choice(screens.NOT_SURE, "when")])


def when(visit: Visit, data: dict[str, Any]) -> Question:
    return Question(
        str(screens.ASK_WHEN),
        [
            Choice(screens.TODAY, "consent", {"when": "today"}),
            Choice(screens.YESTERDAY, "consent", {"when": "yesterday"}),
            Choice(screens.THIS_WEEK, "consent", {"when": "week"}),
            Choice(screens.EARLIER, "consent", {"when": "earlier"}),
        ],
    )


def consent(visit: Visit, data: dict[str, Any]) -> Question:
    return Question(
        str(screens.ASK_CONSENT),
        [
            Choice(screens.REPORTS_AND_POLICE, "confirm", {"reports": True, "police": True}),
            Choice(screens.REPORTS_ONLY, "confirm", {"reports": True, "police": False}),
            Choice(screens.TEAM_ONLY, "confirm", {"reports": False, "police": False}),
        ],
    )


def confirm(visit: Visit, data: dict[str, Any]) -> Question:
    return Question(
        str(screens.ASK_SEND), [Choice(screens.SEND, "report"), Choice(screens.CANCEL, "cancel")]
    )


def kind(visit: Visit, data: dict[str, Any]) -> Question:
    kinds = ServiceKind.of(visit.organisation)[:8]
    return Question(
        str(screens.ASK_KIND), [Choice(k.display_name, "services", {"kind": k.pk}) for k in kinds]
    )


def code(visit: Visit, data: dict[str, Any]) -> Question:
    return Question(str(screens.ASK_CODE), typed_goes_to="check")


def register_area(visit: Visit, data: dict[str, Any]) -> Question:
    """The areas a newcomer chooses from: the first level under the top of the tree (or
    the top, when it has no second level)."""
    areas = Area.objects.filter(organisation=visit.organisation)
    level = areas.filter(parent__isnull=False, parent__parent__isnull=True)
    level = level if level.exists() else areas.filter(parent__isnull=True)
    choices = [Choice(a.name, "register", {"area": a.pk}) for a in level.order_by("code")[:8]]
    return Question(str(screens.ASK_AREA), choices)


QUESTIONS: dict[str, Callable[[Visit, dict[str, Any]], Question]] = {
    "main": main,
    "what": what,
    "where": where,
    "when": when,
    "consent": consent,
    "confirm": confirm,
    "kind": kind,
    "code": code,
    "register_area": register_area,
}


@dataclass
class Position:
    """Where a walk ended: a question (asked again after a wrong number) or an act."""

    node: str
    data: dict[str, Any]
    again: bool = False


def walk(visit: Visit, answers: list[str]) -> Position:
    position = Position("main", {})
    for answer in answers:
        if position.node not in QUESTIONS:
            raise Unreadable  # an act ends the session: no phone answers after it
        step = QUESTIONS[position.node](visit, position.data).take(answer.strip())
        if step is None:
            position.again = True
        else:
            position = Position(step[0], {**position.data, **step[1]})
    return position


def occurred(organisation: Organisation, when: str) -> tuple[Any, bool]:
    """The date a "when" answer stands for (in the organisation's time zone, which its
    members live by), and whether it is approximate."""
    today = timezone.now().astimezone(organisation.tzinfo).date()
    days, approximate = {"today": (0, False), "yesterday": (1, False), "week": (3, True)}.get(
        when, (14, True)
    )
    return today - timedelta(days=days), approximate
