"""What people text about referrals.

Members: a kind's word (CLINIC, TEST, METHADONE, LAWYER...) answers with the nearest
services of that kind, each with a short code; replying with a code refers them there.
Police allies and responders: ``REFER <kind> [area code]`` gives a one-time code for a
card. Services: ``SEEN <code>`` from a confirming number completes the referral.
Wrong codes and numbers get one short neutral reply and change nothing; a number that
keeps failing is ignored for a while (the count is in the database) and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from haki.core.models import Area, AuditEvent, Organisation
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.crisis.sms import responder_of
from haki.messaging import keywords
from haki.messaging.handlers import Context, _area_named_in
from haki.messaging.routing import remembered
from haki.messaging.texts import queue_text
from haki.referrals.kinds import REFER, SEEN, SHIPPED
from haki.referrals.models import (
    CodeFailure,
    ConfirmNumber,
    Referral,
    Service,
    ServiceKind,
    expiry_days,
)

ACTOR = "sms"
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(hours=1)


def throttled(organisation: Organisation, phone_index: str) -> bool:
    now = timezone.now()
    return CodeFailure.objects.filter(
        organisation=organisation, phone_index=phone_index, blocked_until__gt=now
    ).exists()


def note_failure(organisation: Organisation, phone_index: str) -> None:
    """Count one failure of this number; past the limit within the window, block it."""
    now = timezone.now()
    failure, _ = CodeFailure.objects.get_or_create(
        organisation=organisation, phone_index=phone_index
    )
    if now - failure.window_started_on > FAILURE_WINDOW:
        failure.failures, failure.window_started_on = 0, now
    failure.failures += 1
    if failure.failures >= FAILURE_LIMIT:
        failure.blocked_until = now + FAILURE_WINDOW
    failure.save()
    AuditEvent.record(ACTOR, AuditEvent.Action.CHANGE, failure, organisation=organisation)


def refuse(context: Context) -> bool:
    """The one neutral answer to a wrong code or number; nothing changes."""
    note_failure(context.organisation, context.msg.phone_index)
    context.reply("referral.not_valid")
    return True


def seen(context: Context) -> bool:
    org, index = context.organisation, context.msg.phone_index
    if not index or throttled(org, index):
        return True  # counted already: no answer, nothing changed
    code = (context.match.rest.split(" ")[0] if context.match and context.match.rest else "")[:8]
    services = ConfirmNumber.objects.filter(organisation=org, phone_index=index).values("service")
    referral = Referral.objects.filter(
        organisation=org, code=code, service__in=services, status__in=Referral.OPEN
    ).first()
    if not code or referral is None:
        return refuse(context)
    referral.move(Referral.Status.COMPLETED, ACTOR)
    context.reply("referral.seen_done", code=referral.code)
    return True


def kind_named(organisation: Organisation, rest: str) -> tuple[ServiceKind | None, str]:
    """The kind whose word (in any language) or key ``rest`` starts with, and what
    follows it; the longest word wins."""
    best: tuple[ServiceKind | None, str, str] = (None, "", rest)
    for kind in ServiceKind.of(organisation):
        for word in [kind.key, *(w for ws in kind.all_words().values() for w in ws)]:
            key = keywords.normalise(word)
            if key and (rest == key or rest.startswith(key + " ")) and len(key) > len(best[1]):
                best = (kind, key, rest[len(key) :].strip())
    return best[0], best[2]


def refer(context: Context) -> bool:
    responder = responder_of(context)
    if responder is None:
        return False
    org = context.organisation
    kind, rest = kind_named(org, context.match.rest if context.match else "")
    area: Area | None = _area_named_in(org, rest) if rest else None
    area = area or responder.areas.order_by("pk").first()
    if kind is None:
        example = org.areas.order_by("code").first()
        reply(context, responder, "referral.refer_usage", example=f"REFER TB {example.code}")
        return True
    services = Service.objects.filter(organisation=org).nearest(kind, area, limit=1)
    if not services:
        reply(context, responder, "referral.no_service")
        return True
    police = responder.tier == "police_ally"
    referral = Referral.make(
        org,
        services[0],
        area=area or services[0].area,
        language=responder.language,
        referrer_type=Referral.Referrer.POLICE if police else Referral.Referrer.RESPONDER,
        referred_by_responder=responder,
    )
    AuditEvent.record(ACTOR, AuditEvent.Action.CREATE, referral)
    reply(context, responder, "referral.police_code", days=expiry_days(org), **slip(referral))
    return True


def reply(context: Context, responder: Any, key: str, **values: object) -> None:
    queue_text(
        context.organisation,
        responder.phone,
        key,
        responder.language,
        channel=context.msg.channel,
        in_reply_to=context.msg,
        **values,
    )


def slip(referral: Referral) -> dict[str, str]:
    service = referral.service
    return {
        "code": referral.code,
        "service": service.name,
        "address": service.address or "-",
        "hours": service.hours or "-",
    }


def send_slip(referral: Referral, asked: bool = False, channel: Any = None) -> bool:
    """Text the person their slip: the code, the place, its hours; never why. Members
    who sent STOP get only the slips they asked for. True if a slip was queued."""
    member = referral.member
    if member is not None:
        if member.erased_on or (member.opted_out_on and not asked) or not member.phone:
            return False
        to, language = member.phone, member.language
    elif referral.phone_sealed:
        to, language = referral.phone, referral.language or referral.organisation.default_language
    else:
        return False
    queue_text(
        referral.organisation,
        to,
        "referral.slip",
        language,
        member=member,
        channel=channel,
        **slip(referral),
    )
    return True


def ask(kind_key: str):
    """A member's word for a kind: the nearest services of that kind, with their codes."""

    def handler(context: Context) -> bool:
        org = context.organisation
        kind = ServiceKind.of(org).filter(key=kind_key).first()
        return answer_with_services(context, kind) if kind else False

    handler.__name__ = f"ask_{kind_key}"
    return handler


def answer_with_services(context: Context, kind: ServiceKind) -> bool:
    org, rest = context.organisation, context.match.rest if context.match else ""
    area = context.member.area if context.member else None
    area = (_area_named_in(org, rest) if rest else None) or area
    key, values = nearest_listed(org, kind, area)
    context.reply(key, **values)
    return True


def nearest_listed(
    organisation: Organisation, kind: ServiceKind, area: Area | None
) -> tuple[str, dict[str, str]]:
    """The text (key and values) that lists the services of ``kind`` nearest ``area``,
    by SMS or on a USSD screen."""
    found = Service.objects.filter(organisation=organisation).nearest(kind, area, limit=3)
    if not found:
        return "referral.no_service", {}
    listed = " ".join(f"{s.code}: {s.name}, {s.address or '-'}, {s.hours or '-'}." for s in found)
    return "referral.services", {"services": listed}


def own_kind_word(context: Context) -> bool:
    """Fallback: a word of one of the organisation's own kinds."""
    org = context.organisation
    text = keywords.normalise(context.msg.text)
    for key, kind in remembered(("kind words", org.pk), lambda: kind_words(org), lasting=True):
        if text == key or text.startswith(key + " "):
            context.match = keywords.Match(f"ask_{kind.key}", "", key, text[len(key) :].strip())
            return answer_with_services(context, kind)
    return False


def kind_words(organisation: Organisation) -> list[tuple[str, ServiceKind]]:
    """The words of the organisation's own kinds in matching form, with their kind."""
    return [
        (key, kind)
        for kind in ServiceKind.of(organisation).exclude(words={})
        for word in (w for ws in kind.words.values() for w in ws)
        if (key := keywords.normalise(word))
    ]


def service_code(context: Context) -> bool:
    """Fallback: a service's short code, sent back by someone who asked: a self-referral
    and its slip."""
    org = context.organisation
    text = keywords.normalise(context.msg.text)
    if not text or " " in text or len(text) > 8:
        return False
    if text not in remembered(("service codes", org.pk), lambda: active_codes(org), lasting=True):
        return False  # read once per batch: most texts are no service's code
    service = Service.objects.active().filter(organisation=org, code=text).first()
    if service is None:
        return False
    values: dict[str, Any] = {"language": context.language}
    if context.member is None:
        try:
            values["phone"] = normalise_phone(context.msg.phone, org.country)
        except InvalidPhoneNumber:
            return False  # a sender that is no phone number gets no slip
    referral = Referral.make(
        org, service, member=context.member, referrer_type=Referral.Referrer.SELF, **values
    )
    AuditEvent.record(ACTOR, AuditEvent.Action.CREATE, referral)
    send_slip(referral, asked=True, channel=context.msg.channel)
    return True


def active_codes(organisation: Organisation) -> set[str]:
    services = Service.objects.active().filter(organisation=organisation)
    return set(services.values_list("code", flat=True))


def register() -> None:
    keywords.register("seen", seen, SEEN)
    keywords.register("refer", refer, REFER)
    for key, _name, words in SHIPPED:
        keywords.register(f"ask_{key}", ask(key), words)
    keywords.register_fallback(own_kind_word)
    keywords.register_fallback(service_code)
