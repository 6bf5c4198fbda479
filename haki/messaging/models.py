from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Organisation


class Channel(models.Model):
    """An SMS gateway connection. Its inbound URL is /c/<type>/<uuid>/receive, as in
    RapidPro's courier, so an existing gateway can be repointed unchanged."""

    class Type(models.TextChoices):
        KANNEL = "kn", "Kannel"
        AFRICAS_TALKING = "at", "Africa's Talking"
        TWILIO = "t", "Twilio"
        ANDROID = "ex", _("Android gateway app")

    # Which configuration keys are secrets (stored encrypted), per gateway type.
    SECRET_KEYS = {"password", "api_key", "auth_token", "secret"}

    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="channels"
    )
    type = models.CharField(_("type"), max_length=4, choices=Type.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(
        _("address"), max_length=64, help_text=_("The number or short code members text.")
    )
    config = models.JSONField(default=dict, blank=True)
    secrets_sealed = models.TextField(blank=True, editable=False)
    tps = models.PositiveIntegerField(_("messages per second"), default=10)
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    secrets = Sealed("secrets_sealed", json=dict)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    @classmethod
    def split_settings(cls, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Gateway settings as (plain configuration, secrets to encrypt)."""
        given = {k: v for k, v in values.items() if v is not None}
        return (
            {k: v for k, v in given.items() if k not in cls.SECRET_KEYS},
            {k: v for k, v in given.items() if k in cls.SECRET_KEYS},
        )

    def configure(self, values: dict[str, Any]) -> None:
        self.config, self.secrets = self.split_settings(values)
