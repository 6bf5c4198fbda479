import os
from functools import lru_cache

from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.dev")


@lru_cache(maxsize=32)
def readable_charset(name: str) -> bool:
    """True for a text encoding that decodes anything with replacement characters, as
    Django decodes forms and query strings: not "idna", "rot13" or "base64"."""
    try:
        b"\xff".decode(name, "replace")
    except (LookupError, ValueError, TypeError):
        return False
    return True


@lru_cache(maxsize=64)
def content_type_parameters(header: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A Content-Type header's type and parameters, parsed once per distinct header: a
    gateway sends the same one with every text, and parsing it through the email
    package cost a twentieth of the webhook's CPU."""
    content_type, params = parse_header_parameters(header)
    return content_type, tuple(params.items())


class Request(WSGIRequest):
    """Django's request, taking a Content-Type charset only when it can decode with.
    Django's own check parses the query string as soon as a charset is given: a charset
    such as "idna", or 1,001 query fields, then raised before any middleware or view
    could answer, and the server answered 500 to any URL."""

    def _set_content_type_params(self, meta: dict) -> None:
        self.content_type, params = content_type_parameters(meta.get("CONTENT_TYPE", ""))
        self.content_params = dict(params)
        charset = self.content_params.get("charset", "")
        if charset and readable_charset(charset):
            self._encoding = charset  # nothing parsed yet, so nothing to parse again


django_application = get_wsgi_application()
django_application.request_class = Request

from haki.messaging.front import GatewayFront  # noqa: E402 - needs Django set up

# Incoming texts of Kannel and Africa's Talking are answered ahead of Django's handler
# (haki.messaging.front); every other request goes to Django.
application = GatewayFront(django_application)
