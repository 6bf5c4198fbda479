from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, views

from haki.api.models import ApiToken
from haki.core.models import AuditEvent


class TokenUser(AnonymousUser):
    """Who an API request acts as: no person, only the token's organisation."""

    def __init__(self, token: ApiToken):
        self.token = token

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def get_username(self) -> str:
        return f"api token {self.token.key}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token haki_...``; every use is written in the audit trail."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[TokenUser, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The token header is malformed."))
        token = ApiToken.find(header[1])
        if token is None or token.organisation.shredded_on is not None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=timezone.now())
        user = TokenUser(token)
        AuditEvent.record(user.get_username(), AuditEvent.Action.VIEW, token, token.organisation)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, with Haki's own translated sentence for a request without a token
    (DRF's is English only)."""
    if isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = exceptions.ErrorDetail(
            _("Send a token: Authorization: Token haki_..."), code=exc.default_code
        )
    return views.exception_handler(exc, context)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token."""

    target_class = "haki.api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token haki_... (made by an owner under API tokens)",
        }
