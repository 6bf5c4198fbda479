"""What members and responders text to the crisis line.

Members: the alert word (HELP, MSAADA, ПОМОЩЬ) or one of their own codewords, with
optional words. Responders: ACK <ref> (or OK for the last alert sent to them),
DONE <ref> <outcome>, ON and OFF."""

from __future__ import annotations

from haki.crisis import alerts
from haki.crisis.models import Alert, AlertRecipient, Responder
from haki.messaging import keywords
from haki.messaging.handlers import Context
from haki.messaging.texts import queue_urgent_text


def responder_of(context: Context) -> Responder | None:
    if not context.msg.phone_index:
        return None
    return (
        Responder.objects.active()
        .filter(organisation=context.organisation, phone_index=context.msg.phone_index)
        .first()
    )


def help_(context: Context) -> bool:
    keyword = context.match.word if context.match else ""
    alerts.raise_alert(
        context.organisation,
        member=context.member,
        words=_words_after(context.msg.text, keyword),
        caller="" if context.member else context.msg.phone,
        channel=context.msg.channel,
    )
    return True


def codeword(context: Context) -> bool:
    """A member's discreet codeword raises an alert like the alert word does."""
    member = context.member
    if member is None or not member.codewords:
        return False
    text = keywords.normalise(context.msg.text)
    for word in sorted(member.codewords, key=len, reverse=True):
        key = keywords.normalise(word)
        if text == key or text.startswith(key + " "):
            alerts.raise_alert(
                context.organisation,
                member=member,
                words=_words_after(context.msg.text, key),
                channel=context.msg.channel,
            )
            return True
    return False


def _words_after(text: str, keyword: str) -> str:
    """What follows ``keyword`` (normalised, maybe several words) in ``text``, as the
    member wrote it: "Velvet-moth, at the gate" after VELVET MOTH is "at the gate"."""
    tokens, needed, taken, used = text.split(), len(keyword.split()), 0, 0
    while used < len(tokens) and taken < needed:
        taken += len(keywords.normalise(tokens[used]).split())
        used += 1
    return " ".join(tokens[used:])


def _reply(context: Context, responder: Responder, key: str, **values: object) -> None:
    queue_urgent_text(
        context.organisation,
        responder.phone,
        key,
        responder.language,
        channel=context.msg.channel,
        **values,
    )


def _alert_named(context: Context, responder: Responder) -> Alert | bool | None:
    """The alert a responder's ACK or DONE is about; False when they named none."""
    rest = context.match.rest if context.match else ""
    reference = rest.split(" ")[0] if rest else ""
    if reference:
        return Alert.objects.filter(organisation=context.organisation, reference=reference).first()
    latest = (
        AlertRecipient.objects.filter(
            responder=responder, alert__status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]
        )
        .select_related("alert")
        .order_by("-alerted_on")
        .first()
    )
    return latest.alert if latest else False


def ack(context: Context) -> bool:
    responder = responder_of(context)
    if responder is None:
        return False
    alert = _alert_named(context, responder)
    reference = context.match.rest.split(" ")[0] if context.match and context.match.rest else ""
    if not alert:
        _reply(context, responder, "ack.unknown", ref=reference or "-")
        return True
    if not alert.recipients.filter(responder=responder).exists():
        _reply(context, responder, "ack.not_alerted", ref=alert.reference)
        return True
    outcome = alerts.acknowledge(alert, responder=responder)
    if outcome != "taken":
        alert.refresh_from_db()
        _reply(context, responder, "ack.taken", ref=alert.reference, name=alert.who_took_it)
    return True


def done(context: Context) -> bool:
    responder = responder_of(context)
    if responder is None:
        return False
    alert = _alert_named(context, responder)
    if not alert or alert.status == Alert.Status.CLOSED:
        _reply(context, responder, "ack.unknown", ref=alert.reference if alert else "-")
        return True
    if not alert.recipients.filter(responder=responder).exists():
        _reply(context, responder, "ack.not_alerted", ref=alert.reference)
        return True
    words = context.msg.text.split()
    named = bool(context.match and context.match.rest)
    outcome = " ".join(words[2:] if named else words[1:])
    alerts.close(alert, outcome, responder=responder)
    _reply(context, responder, "done.confirm", ref=alert.reference)
    return True


def duty(on: bool):
    def handler(context: Context) -> bool:
        responder = responder_of(context)
        if responder is None:
            return False
        responder.on_duty = on
        responder.save(update_fields=["on_duty", "modified_on"])
        _reply(context, responder, "duty.on" if on else "duty.off")
        return True

    handler.__name__ = "on" if on else "off"
    return handler


# Each command in every shipped language, in its script and in Latin letters.
HELP = {
    "en": ["HELP", "SOS"],
    "sw": ["MSAADA", "SAIDIA"],
    "ru": ["ПОМОЩЬ", "ПОМОГИТЕ", "POMOSH", "POMOGITE"],
    "ky": ["ЖАРДАМ", "КӨМӨК", "JARDAM", "ZHARDAM", "KOMOK"],
    "te": ["సహాయం", "SAHAYAM"],
    "my": ["အကူအညီ", "ကူညီပါ", "AKUANYI", "KUNYIPA"],
}
ACK = {
    "en": ["ACK", "OK"],
    "sw": ["NIMEPOKEA", "POKEA"],
    "ru": ["ПРИНЯЛ", "ПРИНЯЛА", "ОК", "PRINYAL", "PRINYALA"],
    "ky": ["КАБЫЛ", "АЛДЫМ", "KABYL", "ALDYM"],
    "te": ["సరే", "తీసుకున్నాను", "SARE", "TEESUKUNNANU"],
    "my": ["လက်ခံ", "LETKHAN"],
}
DONE = {
    "en": ["DONE"],
    "sw": ["IMEKWISHA", "MALIZA"],
    "ru": ["ГОТОВО", "ЗАКРЫТЬ", "GOTOVO", "ZAKRYT"],
    "ky": ["БҮТТҮ", "ЖАБУУ", "BUTTU", "JABUU"],
    "te": ["పూర్తి", "PURTI", "POORTHI"],
    "my": ["ပြီးပြီ", "PYIBYI"],
}
ON_DUTY = {
    "en": ["ON"],
    "sw": ["KAZINI"],
    "ru": ["ВКЛ", "VKL"],
    "ky": ["ИШТЕМИН", "ISHTEMIN"],
    "te": ["డ్యూటీలో", "DUTYLO"],
    "my": ["တာဝန်ဝင်", "TAWUNWIN"],
}
OFF_DUTY = {
    "en": ["OFF"],
    "sw": ["NJE"],
    "ru": ["ВЫКЛ", "VYKL"],
    "ky": ["БОШМУН", "BOSHMUN"],
    "te": ["సెలవు", "SELAVU"],
    "my": ["တာဝန်ပြီး", "TAWUNPYI"],
}


def register() -> None:
    keywords.register("help", help_, HELP)
    keywords.register("ack", ack, ACK)
    keywords.register("done", done, DONE)
    keywords.register("on", duty(True), ON_DUTY)
    keywords.register("off", duty(False), OFF_DUTY)
    keywords.register_fallback(codeword)
