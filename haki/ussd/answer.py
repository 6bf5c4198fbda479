"""Africa's Talking's USSD callback (``/c/at/<uuid>/ussd``): read the form, find or open
the session, walk the menu, answer ``CON ...`` or ``END ...`` in plain text.

The session row is locked for the request, so two copies of one request cannot both
act; a request already answered gets the same answer from the session; an act (the
alert, the case) is done only on the request that reaches it, and once a session."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation

from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.members.models import Member
from haki.messaging.channels.base import BadRequest, form, required
from haki.messaging.inbound import UNSTORABLE
from haki.messaging.voice import texting_channel
from haki.ussd import screens
from haki.ussd.acts import ACTS
from haki.ussd.menu import QUESTIONS, Unreadable, Visit, walk
from haki.ussd.models import LIFETIME, Session

TEXT_CHARS = 200  # more than any walk through the menu can type
ANSWERS = 12  # the longest walk (a report) is six answers
REPLIES = 60  # screens a session may be answered: a person presses a dozen keys at most
UNREADABLE = (SuspiciousOperation, MultiPartParserError)


def reply(text: str, end: bool) -> HttpResponse:
    return HttpResponse(f"{'END' if end else 'CON'} {text}", content_type="text/plain")


def neutral_end(language: str) -> HttpResponse:
    with translation.override(language):
        return reply(str(screens.UNREADABLE), end=True)


def answer(request: HttpRequest, channel: Any) -> HttpResponse:
    """The screen for one request of a session, or 400 when it cannot be read."""
    org = channel.organisation
    try:
        session_id, raw_phone = required(form(request), "sessionId", "phoneNumber")
        phone = normalise_phone(raw_phone, org.country)
    except BadRequest as exc:
        return HttpResponse(f"bad request: {exc}", status=400, content_type="text/plain")
    except UNREADABLE:
        return HttpResponse("bad request: unreadable body", status=400, content_type="text/plain")
    except InvalidPhoneNumber:
        return neutral_end(org.default_language)
    index = org.keyring.index(phone)
    member = Member.objects.filter(organisation=org, phone_index=index).first()
    visit = Visit(org, texting_channel(channel), phone, member)
    text = request.POST.get("text", "")
    if (
        len(session_id) > 64
        or len(text) > TEXT_CHARS
        or text.count("*") >= ANSWERS
        or UNSTORABLE.search(session_id + text)  # PostgreSQL would refuse to keep them
    ):
        return neutral_end(visit.language)
    with transaction.atomic():
        session = _session(channel, session_id, index)
        if session is None or session.expired or len(session.replies) >= REPLIES:
            return neutral_end(visit.language)
        if text in session.replies:  # a repeat: the same answer, nothing done again
            said = session.replies[text]
            return reply(said["text"], said["end"])
        with translation.override(visit.language):
            try:
                text_shown, end = _screen(session, visit, text)
            except Unreadable:
                text_shown, end = str(screens.UNREADABLE), True
        session.replies[text] = {"text": text_shown, "end": end}
        session.save(update_fields=["replies", "outcome", "final"])
    return reply(text_shown, end)


def _session(channel: Any, session_id: str, phone_index: str) -> Session | None:
    """The session, locked; opened on its first request. None when the request is for
    another number's session."""
    sessions = Session.objects.select_for_update().filter(channel=channel, session_id=session_id)
    session = sessions.first()
    if session is None:
        try:
            with transaction.atomic():
                now = timezone.now()
                Session.objects.create(
                    organisation=channel.organisation,
                    channel=channel,
                    session_id=session_id,
                    phone_index=phone_index,
                    started_on=now,
                    expires_on=now + LIFETIME,
                )
        except IntegrityError:
            pass  # opened by the same request's twin a moment ago
        session = sessions.first()
    if session is None or session.phone_index != phone_index:
        return None
    return session


def _screen(session: Session, visit: Visit, text: str) -> tuple[str, bool]:
    """What to show for ``text`` (every answer so far): the question the walk ends on,
    or what its act did. A session acts once: any later act shows the first one's end."""
    answers = text.split("*") if text else []
    position = walk(visit, answers)
    if position.node in QUESTIONS:
        question = QUESTIONS[position.node](visit, position.data)
        return question.screen(again=position.again), False
    if not session.outcome:
        session.final = ACTS[position.node](visit, position.data)[: screens.LIMIT]
        session.outcome = position.node
    return session.final, True
