from __future__ import annotations

import secrets
import uuid
from datetime import datetime, time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, Organisation
from haki.core.phones import PhoneIndexedQuerySet, mask_phone, normalise_for_organisation


class ResponderQuerySet(PhoneIndexedQuerySet):
    def active(self) -> ResponderQuerySet:
        """Responders who have not retired: the only ones ever texted."""
        return self.filter(retired_on__isnull=True)

    def on_duty(self) -> ResponderQuerySet:
        return self.active().filter(on_duty=True)

    def on_duty_near(self, area: Area, tier: str) -> list[Responder]:
        """The on-duty responders of ``tier`` for ``area``, or for the nearest area
        above it that has any: the way alerts and follow-up calls find someone."""
        for place in area.lineage():
            found = list(self.on_duty().filter(tier=tier, areas=place).distinct().order_by("pk"))
            if found:
                return found
        return []

    def waves_near(self, area: Area, tier: str) -> list[list[Responder]]:
        """``on_duty_near`` in the order they are texted: those marked first in their
        tier (a police focal point of the area), then, if nobody answers, the others."""
        found = self.on_duty_near(area, tier)
        first = [r for r in found if r.first_in_tier]
        rest = [r for r in found if not r.first_in_tier]
        return [wave for wave in (first, rest) if wave]


class Responder(models.Model):
    """A paralegal, lawyer, coordinator or police ally who answers alerts by SMS.
    Names and numbers are encrypted like members' data."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="responders"
    )
    name_sealed = models.TextField(editable=False)
    phone_sealed = models.TextField(editable=False)
    phone_index = models.CharField(max_length=64, editable=False)
    tier = models.CharField(_("tier"), max_length=32)
    areas = models.ManyToManyField(Area, related_name="responders")
    on_duty = models.BooleanField(_("on duty"), default=False)
    # Set by the app that knows why (a police focal point, by partnership): texted
    # before the others of the tier near the alert, who follow if nobody answers.
    first_in_tier = models.BooleanField(_("texted first in its tier"), default=False)
    language = models.CharField(_("language"), max_length=8)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responder_profiles",
    )
    # A retired responder is never texted again; the record stays for the alerts they took.
    retired_on = models.DateTimeField(_("retired"), null=True, blank=True, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    name = Sealed("name_sealed")
    phone = Sealed("phone_sealed", index="phone_index", normalise=normalise_for_organisation)

    objects = ResponderQuerySet.as_manager()

    class Meta:
        ordering = ["tier", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone_index"], name="responder_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.uuid}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def retire(self) -> None:
        """Off duty for good: no shift puts them back on, no text reaches them."""
        self.retired_on = timezone.now()
        self.on_duty = False
        self.save(update_fields=["retired_on", "on_duty", "modified_on"])
        self.shifts.all().delete()


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I


class AlertQuerySet(models.QuerySet):
    def open(self) -> AlertQuerySet:
        return self.exclude(status=Alert.Status.CLOSED)


class Alert(models.Model):
    """A call for help: from a member's text or a hotline call, until it is closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a responder")
        ACKNOWLEDGED = "acknowledged", _("taken")
        CLOSED = "closed", _("closed")

    class Source(models.TextChoices):
        SMS = "sms", _("text message")
        HOTLINE = "hotline", _("hotline call")
        MISSED_CALL = "missed_call", _("missed call")
        USSD = "ussd", _("USSD menu")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alerts")
    reference = models.CharField(_("reference"), max_length=8)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="alerts")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SMS)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    words_sealed = models.TextField(blank=True, editable=False)
    caller_sealed = models.TextField(blank=True, editable=False)  # unknown hotline callers
    tier_index = models.PositiveSmallIntegerField(default=0)
    tier_step = models.PositiveSmallIntegerField(default=0)  # which wave of the tier
    escalations = models.PositiveSmallIntegerField(default=0)
    # The escalation timer lives here: a worker that restarts finds it and acts on it.
    next_escalation_on = models.DateTimeField(null=True, blank=True, db_index=True)
    raised_on = models.DateTimeField(default=timezone.now)
    acknowledged_on = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Responder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_on = models.DateTimeField(null=True, blank=True)
    outcome_sealed = models.TextField(blank=True, editable=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modified_on = models.DateTimeField(auto_now=True)

    words = Sealed("words_sealed")
    caller = Sealed("caller_sealed")
    outcome = Sealed("outcome_sealed")

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="alert_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def new_reference(organisation: Organisation) -> str:
        while True:
            reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4))
            if not Alert.objects.filter(organisation=organisation, reference=reference).exists():
                return reference

    @property
    def tier(self) -> str:
        tiers = self.organisation.tiers
        return tiers[min(self.tier_index, len(tiers) - 1)]

    @property
    def who_took_it(self) -> str:
        if self.acknowledged_by:
            return self.acknowledged_by.name
        if self.acknowledged_by_user:
            return self.acknowledged_by_user.get_username()
        return ""

    @property
    def first_text_on(self) -> datetime | None:
        """When the first responder text was handed to the gateway."""
        sent = [
            r.msg.sent_on for r in self.recipients.select_related("msg") if r.msg and r.msg.sent_on
        ]
        return min(sent, default=None)

    def seconds_to(self, moment: datetime | None) -> float | None:
        return (moment - self.raised_on).total_seconds() if moment else None


class AlertRecipient(models.Model):
    """A responder texted about an alert. Only they may take it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    responder = models.ForeignKey(Responder, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=32)
    msg = models.ForeignKey("messaging.Msg", null=True, on_delete=models.SET_NULL, related_name="+")
    alerted_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alerted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.alert} → {self.responder_id}"

    @property
    def delivery(self) -> tuple[str, str]:
        """Where the responder's text is, as the outbox and the gateway's reports say:
        (state, words). "Texted" is said only once a gateway took it."""
        msg = self.msg
        if msg is None:
            return "failed", str(_("not sent: no channel"))
        if msg.status == msg.Status.QUEUED and msg.error:
            return "retrying", str(_("failing, retrying"))
        if msg.status == msg.Status.SENDING:
            return "queued", str(msg.Status.QUEUED.label)
        return msg.status, str(msg.get_status_display())


class AlertEvent(models.Model):
    """One line of an alert's timeline. Never the words: who and what, with the time."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("raised")
        JOINED = "joined", _("the member wrote again")
        TEXTED = "texted", _("responder texted")
        NOBODY = "nobody", _("nobody on duty")
        ESCALATED = "escalated", _("escalated")
        ACKNOWLEDGED = "acknowledged", _("taken")
        LATE = "late", _("late answer")
        CLOSED = "closed", _("closed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tier = models.CharField(max_length=32, blank=True)
    responder = models.ForeignKey(
        Responder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert} {self.kind}"


MIDNIGHT = time(0)


class RosterShift(models.Model):
    """A weekly shift: the responder is put on duty at its start and off at its end."""

    responder = models.ForeignKey(Responder, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (i, d)
            for i, d in enumerate(
                [
                    _("Monday"),
                    _("Tuesday"),
                    _("Wednesday"),
                    _("Thursday"),
                    _("Friday"),
                    _("Saturday"),
                    _("Sunday"),
                ]
            )
        ]
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("00:00 ends the shift at midnight."))

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            # ``covers`` reads a shift within one day (an end of 00:00 is its midnight):
            # one that ended before it started would never put its responder on duty.
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")) | Q(ends=MIDNIGHT),
                name="roster_shift_ends_after_start",
                violation_error_message=_(
                    "A shift ends after it starts; a night shift is two shifts, one each day."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.responder_id} {self.weekday} {self.starts}-{self.ends}"

    def covers(self, local: datetime) -> bool:
        """Within this shift at ``local`` time (a night shift is two shifts: one until
        00:00, the day's midnight, and one from 00:00 the next day)."""
        now = local.time()
        before_end = now < self.ends or self.ends == MIDNIGHT
        return local.weekday() == self.weekday and self.starts <= now and before_end
