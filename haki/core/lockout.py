"""Sign-in lockout (django-axes), keyed on the account and the client's real address,
keeping nothing that a visitor typed."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.http import HttpRequest, QueryDict


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, except that a failed sign-in stores no form data.

    Axes keeps each failure's POST data, masking only fields it knows by name; the
    sign-in wizard's password field is ``auth-password``, so tried passwords (often a
    real password with a typo, or another site's) would sit in the database and its
    backups. Counting failures needs the username and the address, nothing more."""

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        posted, query = request.POST, request.GET
        request.POST, request.GET = QueryDict(), QueryDict()
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.POST, request.GET = posted, query
