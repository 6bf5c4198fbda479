"""Incoming texts answered ahead of Django's request handler.

Kannel's and Africa's Talking's incoming texts are most of Haki's requests. For them
the WSGI application (``haki.wsgi``) answers here: Django's request object, the
security middleware and the gateway view (``views.gateway``, so the same size limit,
channel lookup, checks, reading, storing or spooling, and answers), without the
handler's middleware chain and URL resolver. Every other request goes to Django's
handler unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from uuid import UUID

from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.db import close_old_connections
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.utils.log import log_response

from haki.messaging.channels import Kind, gateway_for
from haki.messaging.views import gateway

# The gateways whose incoming texts are taken here: their readers need the request's
# query string, headers and body only.
FRONT_TYPES = ("kn", "at")
# /c/<type>/<uuid>/<action>, as the gateway URL (``middleware.GATEWAY_URL``) matches it:
# Django's uuid converter takes lower-case hex only, an action may end with a slash.
TEXT_URL = re.compile(
    r"/c/(?P<type>[^/]+)/"
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/"
    r"(?P<action>[a-z_]+)/?"
)


@cache
def text_actions() -> frozenset[tuple[str, str]]:
    """(channel type, action) of every incoming-text webhook taken here."""
    return frozenset(
        (channel_type, name)
        for channel_type in FRONT_TYPES
        for name, action in gateway_for(channel_type).actions.items()
        if action.kind == Kind.TEXT
    )


def match(path: str) -> tuple[str, UUID, str] | None:
    """(channel type, channel uuid, action) when ``path`` is an incoming-text webhook
    taken here; None for any other path."""
    found = TEXT_URL.fullmatch(path)
    if found is None or (found["type"], found["action"]) not in text_actions():
        return None
    return found["type"], UUID(found["uuid"]), found["action"]


class Answer:
    """The body of an answer given here, for the web server. Closing it, as the server
    does once the answer is sent, closes the request (a form's uploaded files) and
    then, as Django's request finished signal does, a database connection that is too
    old or unusable."""

    def __init__(self, body: bytes, request: WSGIRequest):
        self.body, self.request = body, request

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        self.request.close()
        close_old_connections()


class GatewayFront:
    """A WSGI application: incoming texts of ``FRONT_TYPES`` answered as Django's
    handler would answer them, everything else passed to ``django``.

    What Django's handler does for such a request is kept: a database connection that
    is too old or broken is closed before and after it (``close_old_connections``, the
    only database work of Django's request signals: a thread never keeps a connection
    broken by an outage), the security middleware (its redirect to HTTPS and its
    headers), an exception turned into Django's own answer, 4xx and 5xx answers logged
    by ``django.request`` as Django logs them (the path, never the body). The signals'
    other receivers have nothing to do here: no URL is reversed, no cache used, and
    queries are recorded only in DEBUG, into a bounded log."""

    def __init__(self, django: WSGIHandler):
        self.django = django
        # Django's test client's handler has none: it makes a WSGIRequest.
        self.request_class: type[WSGIRequest] = getattr(django, "request_class", WSGIRequest)
        self.security = SecurityMiddleware(self.django.get_response)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        found = match(environ.get("PATH_INFO", ""))
        if found is None:
            return self.django(environ, start_response)
        close_old_connections()
        request = self.request_class(environ)
        response = self.respond(request, *found)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return Answer(response.content, request)

    def respond(
        self, request: WSGIRequest, channel_type: str, channel_uuid: UUID, action: str
    ) -> HttpResponse:
        """The answer, as Django's handler gets it from its middleware (its
        ``get_response``), an error answer logged."""
        response = self.answer(request, channel_type, channel_uuid, action)
        if response.status_code >= 400:
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        return response

    def answer(
        self, request: WSGIRequest, channel_type: str, channel_uuid: UUID, action: str
    ) -> HttpResponse:
        """What the security middleware and the gateway middleware answer: the former's
        redirect, or the gateway view's answer, sized, with the former's headers. An
        exception becomes Django's answer for it at the same places as in Django's
        chain (inside the security middleware for the view's)."""
        try:
            response = self.security.process_request(request)
            if response is None:
                try:
                    response = gateway(request, channel_type, channel_uuid, action)
                    response.headers["Content-Length"] = str(len(response.content))
                except Exception as exc:
                    response = response_for_exception(request, exc)
            return self.security.process_response(request, response)
        except Exception as exc:
            return response_for_exception(request, exc)
