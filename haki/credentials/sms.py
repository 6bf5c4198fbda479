"""``CHECK <code>`` from any phone: the answer to a check, by SMS.

The word exists in every shipped language and in Latin letters. An organisation's own
words win: a member whose codeword or an information keyword starts like a check word
gets what that word does, never a check (a codeword must always raise the alert)."""

from __future__ import annotations

from django.utils import translation

from haki.core.models import Organisation
from haki.credentials import codes
from haki.credentials.checks import Throttle, check_code, record_failure
from haki.credentials.models import Credential
from haki.messaging import keywords
from haki.messaging.handlers import Context
from haki.messaging.routing import remembered

WORDS = {
    "en": ["CHECK", "VERIFY"],
    "sw": ["HAKIKI", "THIBITISHA", "CHECK"],
    "ru": ["ПРОВЕРКА", "ПРОВЕРИТЬ", "PROVERKA", "CHECK"],
    "ky": ["ТЕКШЕР", "ТЕКШЕРҮҮ", "TEKSHER", "CHECK"],
    "te": ["తనిఖీ", "TANIKHI", "CHECK"],
    "my": ["စစ်ဆေး", "SITSAY", "CHECK"],
}


def _an_organisation_word(context: Context) -> bool:
    from haki.surveys.sending import info_keywords

    text = keywords.normalise(context.msg.text)
    member = context.member
    if member is not None and member.codewords:
        for word in member.codewords:
            key = keywords.normalise(word)
            if text == key or text.startswith(key + " "):
                return True
    first, org = text.split(" ")[0], context.organisation
    infos = remembered(("info keywords", org.pk), lambda: info_keywords(org), lasting=True)
    return any(key == first for key, _info in infos)


def check(context: Context) -> bool:
    if _an_organisation_word(context):
        return False  # the codeword or information keyword handles it
    rest = context.match.rest if context.match else ""
    if not rest:
        context.reply("credential.how")
        return True
    found = answer(context.organisation, context.msg.phone_index, rest, context.language, "SMS")
    if found is not None:  # None: already told once in this period; silence costs nothing
        key, values = found
        context.reply(key, **values)
    return True


def answer(
    organisation: Organisation, phone_index: str, words: str, language: str, by: str
) -> tuple[str, dict[str, str]] | None:
    """What checking the code at the start of ``words`` answers the number with
    ``phone_index`` (a text's key and values), by SMS or on a USSD screen (``by``);
    None while the number is refused. Failures count against the number whichever
    way it asks."""
    throttle = Throttle("sms", f"{organisation.pk}:{phone_index}")
    if throttle.blocked():
        return None
    code = codes.find_in(words)
    verdict = check_code(code, organisation) if code else None
    if verdict is None or not verdict.recognised:
        if record_failure(throttle, f"credential check by {by}", organisation):
            return "credential.limit", {}
        return "credential.unknown", {"code": codes.display(code) if code else words[:12]}
    with translation.override(language):
        role = str(Credential.Role(verdict.role).label)
    return f"credential.{verdict.status}", {
        "code": codes.display(verdict.code),
        "name": verdict.organisation,
        "role": role,
        "until": verdict.valid_until.isoformat(),
        "since": verdict.valid_from.isoformat(),
    }


def register() -> None:
    keywords.register("check", check, WORDS)
