"""A USSD session as the network runs it: kept server-side for as long as the network
keeps it open, so that a repeated or late request is answered from what was already
said, and what a session does (an alert, a report) is done once."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from haki.core.models import Organisation

# Networks close a USSD session after about three minutes; so do we.
LIFETIME = timedelta(seconds=180)


class SessionQuerySet(models.QuerySet):
    def expired(self) -> SessionQuerySet:
        return self.filter(expires_on__lte=timezone.now())


class Session(models.Model):
    """One dialling of the service code. The number is kept only as its keyed index
    (the gateway sends it with every request); the answers are menu digits."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("messaging.Channel", on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=64)
    phone_index = models.CharField(max_length=64)
    started_on = models.DateTimeField(default=timezone.now)
    expires_on = models.DateTimeField(db_index=True)
    # Every screen already answered, by the ``text`` it answered: a repeat gets the same.
    replies = models.JSONField(default=dict)
    # What the session did (an alert, a report, ...), once; its last screen is final.
    outcome = models.CharField(max_length=16, blank=True)
    final = models.TextField(blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "session_id"], name="ussd_session_unique")
        ]

    def __str__(self) -> str:
        return f"USSD session {self.pk}"

    @property
    def expired(self) -> bool:
        return self.expires_on <= timezone.now()
