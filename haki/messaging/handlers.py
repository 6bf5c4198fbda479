"""What members can do by SMS, whatever their phone: register, stop and restart
messages, change language, erase themselves. Anything else goes to the operator
inbox. Other apps add their own actions (the alert keyword, survey answers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from haki.core.models import Area, Organisation
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.members.models import Member
from haki.messaging import keywords
from haki.messaging.keywords import Match
from haki.messaging.models import Keyword, Msg
from haki.messaging.routing import forget, keep_routed, numbers_in_batch, remembered
from haki.messaging.texts import queue_text

logger = logging.getLogger(__name__)
LANGUAGE_NAMES = {
    "en": ["ENGLISH", "KIINGEREZA", "АНГЛИЙСКИЙ"],
    "sw": ["SWAHILI", "KISWAHILI", "СУАХИЛИ"],
    "ru": ["RUSSIAN", "KIRUSI", "РУССКИЙ"],
    "ky": ["KYRGYZ", "КЫРГЫЗЧА", "КИРГИЗСКИЙ", "КЫРГЫЗСКИЙ"],
    "te": ["TELUGU", "తెలుగు"],
    "my": ["BURMESE", "MYANMAR", "မြန်မာ"],
}


@dataclass
class Context:
    msg: Msg
    organisation: Organisation
    member: Member | None
    match: Match | None

    @property
    def language(self) -> str:
        """The member's language, else the language of the word they used."""
        if self.member is not None:
            return self.member.language
        if self.match and self.match.language in self.organisation.languages:
            return self.match.language
        return self.organisation.default_language

    def reply(self, key: str, language: str | None = None, **values: object) -> Msg | None:
        """Queue text ``key`` to the sender; in a routing batch it is written with the
        batch's other replies (``outbox.queue``'s ``may_wait``)."""
        return queue_text(
            self.organisation,
            self.msg.phone,
            key,
            language or self.language,
            member=self.member,
            channel=self.msg.channel,
            in_reply_to=self.msg if self.msg.pk else None,  # a USSD choice is no stored text
            may_wait=True,
            **values,
        )


def route(msg: Msg) -> str:
    """Find who sent ``msg`` and what they asked for, and do it. Returns the action."""
    org = msg.organisation
    action = _act(msg, org, sender_of(msg))
    if action != "inbox":  # a handler may have made, changed or erased a member
        forget(("members", org.pk))
    return action


def sender_of(msg: Msg) -> Member | None:
    """The member who sent ``msg``; in a routing batch, the members of all its numbers
    are read in one query, read again after a handler other than the inbox ran."""
    if not msg.phone_index:
        return None
    org = msg.organisation
    members = remembered(
        ("members", org.pk),
        lambda: members_by_number(org, numbers_in_batch(org.pk) or {msg.phone_index}),
    )
    return members.get(msg.phone_index)


def members_by_number(organisation: Organisation, indexes: set[str]) -> dict[str, Member]:
    found = Member.objects.filter(organisation=organisation, phone_index__in=indexes)
    return {member.phone_index: member for member in found.order_by()}


def _act(msg: Msg, org: Organisation, member: Member | None) -> str:
    on_call = keywords.CALLS.get(msg.template)
    if on_call is not None:
        msg.member = member
        return on_call(Context(msg=msg, organisation=org, member=member, match=None))
    own = remembered(("keywords", org.pk), lambda: own_words(org), lasting=True)
    found = keywords.match(msg.text, own)
    context = Context(msg=msg, organisation=org, member=member, match=found)
    msg.member = member
    action = keywords.ACTIONS.get(found.action) if found else None
    if action is not None and action.handler(context) is not False:
        msg.status = Msg.Status.HANDLED
        keep_routed(msg)
        return action.name
    for fallback in keywords.FALLBACKS:
        if fallback(context):
            msg.status = Msg.Status.HANDLED
            keep_routed(msg)
            return fallback.__name__
    to_inbox(context)
    return "inbox"


def own_words(organisation: Organisation) -> keywords.Candidates:
    rows = Keyword.objects.filter(organisation=organisation)
    return keywords.by_first_word(rows.values_list("word", "action", "language"))


def to_inbox(context: Context) -> None:
    """Keep the text for an operator and send at most one courtesy reply a day, so that
    two automated systems can never keep answering each other."""
    msg = context.msg
    msg.status = Msg.Status.INBOX
    keep_routed(msg)
    key = "unknown.member" if context.member else "unknown.number"
    if not _is_phone_number(msg.phone, context.organisation.country):
        return
    org = context.organisation
    replied = remembered(
        ("auto-replied", org.pk),
        lambda: auto_replied(org, numbers_in_batch(org.pk) or {msg.phone_index}),
    )
    if msg.phone_index not in replied:
        context.reply(key)
        replied.add(msg.phone_index)


def auto_replied(organisation: Organisation, indexes: set[str]) -> set[str]:
    """Which of these numbers (by index) had a courtesy reply in the last day."""
    since = timezone.now() - timedelta(hours=settings.HAKI_AUTO_REPLY_HOURS)
    replies = Msg.objects.filter(
        organisation=organisation,
        direction=Msg.Direction.OUT,
        phone_index__in=indexes,
        template__in=["unknown.member", "unknown.number"],
        created_on__gte=since,
    )
    return set(replies.values_list("phone_index", flat=True))


def _is_phone_number(value: str, country: str) -> bool:
    try:
        normalise_phone(value, country)
    except InvalidPhoneNumber:
        return False
    return value.startswith("+")


def join(context: Context) -> bool:
    org, rest = context.organisation, context.match.rest if context.match else ""
    if context.member is not None:
        context.reply("join.already")
        return True
    area = _area_named_in(org, rest)
    if area is None:
        example = org.areas.filter(children__isnull=True).order_by("code").first()
        context.reply("join.area", example=example.code if example else "")
        return True
    language = context.language
    member = Member(
        organisation=org, area=area, language=language, alias=f"member-{context.msg.uuid.hex[:6]}"
    )
    member.phone = context.msg.phone
    member.save()
    context.member = member
    context.msg.member = member
    context.reply("join.welcome")
    return True


def _area_named_in(org: Organisation, rest: str) -> Area | None:
    """The area whose code the text starts with ("KSM-C" arrives as "KSM C");
    the longest code wins, so KSM-C is not mistaken for KSM."""
    named = [
        area
        for area in org.areas.all()
        if rest == (code := keywords.normalise(area.code)) or rest.startswith(code + " ")
    ]
    return max(named, key=lambda area: len(area.code), default=None)


def stop(context: Context) -> bool:
    if context.member is None:
        return False
    context.member.opt_out()
    context.reply("stop.confirm")
    return True


def start(context: Context) -> bool:
    if context.member is None:
        return False
    context.member.opt_in()
    context.reply("start.confirm")
    return True


def lang(context: Context) -> bool:
    if context.member is None:
        return False
    org = context.organisation
    wanted = context.match.rest.split(" ")[0] if context.match and context.match.rest else ""
    chosen = next(
        (
            code
            for code in org.languages
            if wanted == code.upper()
            or wanted in {keywords.normalise(name) for name in LANGUAGE_NAMES.get(code, [])}
        ),
        None,
    )
    if chosen is None:
        context.reply("lang.unknown", languages=", ".join(org.languages))
        return True
    context.member.language = chosen
    context.member.save(update_fields=["language", "modified_on"])
    context.reply("lang.confirm", language=chosen)
    return True


def delete(context: Context) -> bool:
    member = context.member
    if member is None:
        return False
    if not (context.match and keywords.is_yes(context.match.rest)):
        context.reply("delete.confirm")
        return True
    context.reply("delete.done")
    member.erase(actor="sms")
    return True


# Each command in every shipped language, in its script and in the Latin letters a
# speaker types on a phone without it.
JOIN = {
    "en": ["JOIN", "REGISTER"],
    "sw": ["JIUNGE", "SAJILI"],
    "ru": ["ВСТУПИТЬ", "РЕГИСТРАЦИЯ", "VSTUPIT", "REGISTRACIYA"],
    "ky": ["КАТТАЛУУ", "КОШУЛУУ", "KATTALUU", "KOSHULUU"],
    "te": ["చేరండి", "నమోదు", "CHERANDI", "NAMODU"],
    "my": ["စာရင်းသွင်း", "ဝင်မည်", "SAYINTHWIN", "WINMEE"],
}
STOP = {
    "en": ["STOP", "UNSUBSCRIBE", "STOPALL"],
    "sw": ["ACHA", "SIMAMISHA"],
    "ru": ["СТОП", "ОТПИСАТЬСЯ", "OTPISATSYA"],
    "ky": ["ТОКТОТ", "TOKTOT"],
    "te": ["ఆపు", "ఆపండి", "AAPU", "AAPANDI"],
    "my": ["ရပ်", "ရပ်ပါ", "YAT", "YATPA"],
}
START = {
    "en": ["START", "UNSTOP"],
    "sw": ["ANZA"],
    "ru": ["СТАРТ", "START"],
    "ky": ["БАШТА", "BASHTA"],
    "te": ["ప్రారంభం", "PRARAMBHAM"],
    "my": ["စတင်", "SATIN"],
}
LANG = {
    "en": ["LANG", "LANGUAGE"],
    "sw": ["LUGHA"],
    "ru": ["ЯЗЫК", "YAZYK"],
    "ky": ["ТИЛ", "TIL"],
    "te": ["భాష", "BHASHA"],
    "my": ["ဘာသာ", "BASA"],
}
DELETE = {
    "en": ["DELETE"],
    "sw": ["FUTA"],
    "ru": ["УДАЛИТЬ", "UDALIT"],
    "ky": ["ӨЧҮР", "OCHUR"],
    "te": ["తొలగించు", "TOLAGINCHU"],
    "my": ["ဖျက်", "PHYET"],
}


def register_member_actions() -> None:
    keywords.register("join", join, JOIN)
    keywords.register("stop", stop, STOP)
    keywords.register("start", start, START)
    keywords.register("lang", lang, LANG)
    keywords.register("delete", delete, DELETE)
