from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.models import Organisation

PREFIX = "haki_"
# What ``ApiToken.issue`` makes: the prefix, 12 hex digits (the key), an underscore and
# token_urlsafe(32). Anything else is refused before a query: it cannot match, and a NUL
# byte cannot even be sent to PostgreSQL.
SHAPE = re.compile(r"haki_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")


def digest(secret: str) -> str:
    """Tokens are long random strings: one SHA-256 is enough to store them hashed."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A read-only key to the organisation's figures for a partner or a dashboard.
    Only its hash is stored; the token itself is shown once, when it is made."""

    class Audience(models.TextChoices):
        EXTERNAL = "external", _("outside the organisation (suppressed)")
        INTERNAL = "internal", _("inside the organisation (everything)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    audience = models.CharField(
        _("figures"), max_length=8, choices=Audience.choices, default=Audience.EXTERNAL
    )
    key = models.CharField(max_length=12, unique=True, editable=False)  # shown prefix
    digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(default=timezone.now)
    last_used_on = models.DateTimeField(null=True, blank=True)
    revoked_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"API token {self.key}"

    @classmethod
    def issue(
        cls, organisation: Organisation, name: str, audience: str, user
    ) -> tuple[ApiToken, str]:
        """A new token and its secret, which is never stored."""
        key = secrets.token_hex(6)
        secret = f"{PREFIX}{key}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            organisation=organisation,
            name=name,
            audience=audience,
            key=key,
            digest=digest(secret),
            created_by=user,
        )
        return token, secret

    @classmethod
    def find(cls, secret: str) -> ApiToken | None:
        shape = SHAPE.fullmatch(secret)
        if shape is None:
            return None
        token = (
            cls.objects.filter(key=shape[1], revoked_on__isnull=True)
            .select_related("organisation")
            .first()
        )
        if token is None or not secrets.compare_digest(token.digest, digest(secret)):
            return None
        return token
