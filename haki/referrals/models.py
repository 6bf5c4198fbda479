"""Referrals that close the loop: a directory of services, referrals from a responder,
staff member, police ally or the person themselves, confirmed by the service, and
entitlement applications followed to the forum and the decision."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, AuditEvent, Organisation
from haki.core.phones import PhoneIndexedQuerySet, mask_phone, normalise_for_organisation
from haki.referrals.kinds import SHIPPED

CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z)
DEFAULT_EXPIRY_DAYS = 14
SHIPPED_NAMES = {key: name for key, name, _words in SHIPPED}
SHIPPED_WORDS = {key: words for key, _name, words in SHIPPED}


def new_code(
    model: type[models.Model], organisation: Organisation, length: int, taken: Any = ()
) -> str:
    """A short code unused in ``organisation`` and not in ``taken``: for services and
    referrals."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if code in taken:
            continue
        if not model.objects.filter(organisation=organisation, code=code).exists():
            return code


def expiry_days(organisation: Organisation) -> int:
    """After how many days an unattended referral is cancelled as expired."""
    try:
        days = int((organisation.settings or {}).get("referral_expiry_days", DEFAULT_EXPIRY_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_EXPIRY_DAYS
    return min(max(days, 2), 365)


class ServiceKind(models.Model):
    """A kind of service. The shipped list is seeded into every organisation; an
    organisation adds its own, with the words members text for them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="service_kinds"
    )
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    # {language: [words]} for the organisation's own kinds; shipped kinds' words are in code.
    words = models.JSONField(_("words"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="service_kind_key_unique")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def shipped(self) -> bool:
        return self.key in SHIPPED_NAMES

    @property
    def display_name(self) -> str:
        if SHIPPED_NAMES.get(self.key) == self.name:
            return gettext(self.name)
        return self.name

    def all_words(self) -> dict[str, list[str]]:
        return SHIPPED_WORDS.get(self.key, {}) | (self.words or {})

    @classmethod
    def seed(cls, organisation: Organisation) -> None:
        existing = set(organisation.service_kinds.values_list("key", flat=True))
        cls.objects.bulk_create(
            cls(organisation=organisation, key=key, name=name)
            for key, name, _words in SHIPPED
            if key not in existing
        )

    @classmethod
    def of(cls, organisation: Organisation) -> models.QuerySet[ServiceKind]:
        """The organisation's kinds, the shipped ones seeded on first use."""
        kinds = organisation.service_kinds.all()
        if not kinds:  # evaluated once: later filters on it query again
            cls.seed(organisation)
            kinds = organisation.service_kinds.all()
        return kinds

    @classmethod
    def own_words(cls, organisation: Organisation) -> Any:
        """``haki.core.words`` source: the words of the organisation's own kinds (the
        shipped kinds' words are command words, claimed by messaging)."""
        if organisation is None or organisation.pk is None:
            return
        reason = _("This is already the word of a kind of service.")
        for kind in organisation.service_kinds.exclude(words={}):
            for words in (kind.words or {}).values():
                for word in words:
                    yield word, kind, reason


class ServiceQuerySet(models.QuerySet):
    def active(self) -> ServiceQuerySet:
        return self.filter(active=True)

    def nearest(self, kind: ServiceKind, area: Area | None, limit: int = 3) -> list[Service]:
        """Services of ``kind`` in ``area``, else in the nearest area above it that has
        any; with no area, any of the organisation's."""
        found = self.active().filter(kind=kind)
        for place in area.lineage() if area else []:
            here = list(found.filter(area__in=place.subtree()).order_by("-friendly", "name"))
            if here:
                return here[:limit]
        return list(found.order_by("-friendly", "name")[:limit])


class Service(models.Model):
    """A place people are referred to. Its contact number is for members; the numbers
    allowed to confirm attendance (``SEEN <code>``) are ``ConfirmNumber`` rows."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    code = models.CharField(_("short code"), max_length=8, editable=False)
    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="services")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="services")
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    friendly = models.BooleanField(_("known to be friendly"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    # Staff of the service who confirm on the web (role: service provider).
    providers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="provided_services"
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    phone = Sealed("phone_sealed", normalise=normalise_for_organisation)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="service_code_unique"),
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code:
            from haki.core import words

            # A member replies with the code: it must be no word that means something.
            self.code = new_code(Service, self.organisation, 3, words.claims(self.organisation))
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone_sealed else ""

    def confirm_phones(self) -> list[str]:
        return [n.phone for n in self.confirm_numbers.all()]

    def set_confirm_phones(self, phones: list[str]) -> bool:
        """Make the confirming numbers exactly ``phones`` (E.164); True if they changed."""
        ring = self.organisation.keyring
        wanted = {ring.index(p): p for p in phones}
        current = {n.phone_index: n for n in self.confirm_numbers.all()}
        stale = [n.pk for i, n in current.items() if i not in wanted]
        fresh = [i for i in wanted if i not in current]
        if stale:
            ConfirmNumber.objects.filter(pk__in=stale).delete()
        for index in fresh:
            number = ConfirmNumber(organisation=self.organisation, service=self)
            number.phone = wanted[index]
            number.save()
        return bool(stale or fresh)

    @classmethod
    def codes_held(cls, organisation: Organisation) -> Any:
        """``haki.core.words`` source: a service's short code is what a member replies
        to be referred, so no codeword or keyword may equal it."""
        if organisation is None or organisation.pk is None:
            return
        reason = _("This is already a service's short code.")
        for service in cls.objects.filter(organisation=organisation).only("pk", "code"):
            yield service.code, service, reason


class ConfirmNumber(models.Model):
    """A number allowed to confirm that someone came to a service. Found by its keyed
    HMAC; a number may confirm for several services."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="confirm_numbers")
    phone_sealed = models.TextField(editable=False)
    phone_index = models.CharField(max_length=64, editable=False, db_index=True)

    phone = Sealed("phone_sealed", index="phone_index", normalise=normalise_for_organisation)

    objects = PhoneIndexedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "phone_index"], name="confirm_number_once")
        ]

    def __str__(self) -> str:
        return f"confirming number of {self.service_id}"


class ReferralQuerySet(models.QuerySet):
    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=Referral.OPEN)


class Referral(models.Model):
    """One person to one service, for a reason. States follow FHIR Task: requested,
    accepted (the service acknowledged it), completed (the person came), failed,
    cancelled (with a reason, "expired" when nobody came in time). The timers of the
    reminder and the expiry are in the row, acted on by the periodic sweep."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted")
        COMPLETED = "completed", _("completed")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class Referrer(models.TextChoices):
        RESPONDER = "responder", _("responder")
        STAFF = "staff", _("staff")
        POLICE = "police", _("police ally")
        SELF = "self", _("self-referral")

    class CancelReason(models.TextChoices):
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = (Status.REQUESTED, Status.ACCEPTED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="referrals"
    )
    code = models.CharField(_("code"), max_length=8, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="referrals")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="referrals")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # Someone who is not a member and asked by SMS: their number, for the slip and reminder.
    phone_sealed = models.TextField(blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    reason_sealed = models.TextField(blank=True, editable=False)
    referrer_type = models.CharField(max_length=12, choices=Referrer.choices)
    referred_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_by_responder = models.ForeignKey(
        "crisis.Responder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    alert = models.ForeignKey(
        "crisis.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    cancel_reason = models.CharField(max_length=12, choices=CancelReason.choices, blank=True)
    requested_on = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_on = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateTimeField(null=True, blank=True)
    failed_on = models.DateTimeField(null=True, blank=True)
    cancelled_on = models.DateTimeField(null=True, blank=True)
    confirmed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remind_on = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_on = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateTimeField(null=True, blank=True, db_index=True)
    modified_on = models.DateTimeField(auto_now=True)

    phone = Sealed("phone_sealed", normalise=normalise_for_organisation)
    reason = Sealed("reason_sealed")

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_on"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="referral_code_unique")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def alias(self) -> str:
        """How the person is shown: the member's alias, else only the code."""
        return self.member.alias if self.member_id else ""

    @property
    def days_to_complete(self) -> float | None:
        if self.completed_on is None:
            return None
        return (self.completed_on - self.requested_on).total_seconds() / 86400

    def set_timers(self) -> None:
        days = expiry_days(self.organisation)
        self.expires_on = self.requested_on + timedelta(days=days)
        self.remind_on = self.requested_on + timedelta(days=max(1, days - 2))

    @classmethod
    def make(cls, organisation: Organisation, service: Service, **values: Any) -> Referral:
        """A new referral to ``service`` with its code and timers (not yet slipped)."""
        sealed = {name: values.pop(name) for name in ("reason", "phone") if name in values}
        referral = cls(
            organisation=organisation,
            service=service,
            kind=service.kind,
            code=new_code(cls, organisation, 6),
            **values,
        )
        for name, value in sealed.items():
            setattr(referral, name, value)
        if not referral.area_id:
            member = referral.member
            referral.area = member.area if member is not None else service.area
        referral.set_timers()
        referral.save()
        return referral

    def move(self, status: str, actor: Any, reason: str = "") -> bool:
        """Move to ``status`` with its time; False when the referral is closed already.
        Audited (who, what, when)."""
        with transaction.atomic():
            locked = Referral.objects.select_for_update().get(pk=self.pk)
            if locked.status not in self.OPEN:
                return False
            if status == self.Status.ACCEPTED and locked.status == self.Status.ACCEPTED:
                return False
            now = timezone.now()
            self.status = status
            setattr(self, f"{status}_on", now)
            if status == self.Status.CANCELLED:
                self.cancel_reason = reason
            if status != self.Status.ACCEPTED:
                self.remind_on = self.expires_on = None
            self.save()
            AuditEvent.record(actor, AuditEvent.Action.CHANGE, self)
        if status == self.Status.COMPLETED and self.referrer_type == self.Referrer.POLICE:
            from haki.referrals import hooks

            hooks.police_referral_completed(self)
        return True


class CodeFailure(models.Model):
    """Wrong codes and confirmations from one number, counted in a window: past the
    limit its texts about codes are ignored until the window ends."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    phone_index = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    window_started_on = models.DateTimeField(default=timezone.now)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone_index"], name="code_failure_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.failures} failures"


class Entitlement(models.TextChoices):
    RATION_CARD = "ration_card", _("Ration card")
    VOTER_ID = "voter_id", _("Voter ID")
    NATIONAL_ID = "national_id", _("National ID")
    CASTE_CERTIFICATE = "caste_certificate", _("Caste certificate")
    HOUSING = "housing", _("Housing scheme")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    PENSION = "pension", _("Pension")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance")
    SCHOOL_ADMISSION = "school_admission", _("School admission for a child")


class EntitlementApplication(models.Model):
    """A member's application for an entitlement, followed to the decision."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("preparing")
        SUBMITTED = "submitted", _("submitted")
        RAISED = "raised", _("raised at a forum")
        GRANTED = "granted", _("granted")
        REJECTED = "rejected", _("rejected")
        APPEALED = "appealed", _("appealed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="entitlement_applications"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="entitlement_applications"
    )
    kind = models.CharField(_("entitlement"), max_length=24, choices=Entitlement.choices)
    office = models.CharField(_("office"), max_length=200, blank=True)
    documents = models.CharField(_("documents needed"), max_length=500, blank=True)
    documents_from = models.CharField(
        _("entitlement that provides the documents"),
        max_length=24,
        choices=Entitlement.choices,
        blank=True,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREPARING)
    # The member agreed to be texted when the status changes (None: not asked or refused).
    texts_consented_on = models.DateField(_("status texts agreed on"), null=True, blank=True)
    created_on = models.DateTimeField(default=timezone.now)
    decided_on = models.DateTimeField(null=True, blank=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    def change_status(self, status: str, actor: Any, on: Any = None) -> ApplicationStatus:
        """Record a new status in the history; text the member if she agreed."""
        on = on or timezone.now()
        with transaction.atomic():
            self.status = status
            if status in (self.Status.GRANTED, self.Status.REJECTED):
                self.decided_on = on
            self.save()
            entry = ApplicationStatus.objects.create(application=self, status=status, on=on)
            AuditEvent.record(actor, AuditEvent.Action.CHANGE, self)
        self.text_status()
        return entry

    def text_status(self) -> None:
        member = self.member
        if not self.texts_consented_on or member.opted_out_on or member.erased_on:
            return
        from django.utils import translation

        from haki.messaging.texts import queue_text

        with translation.override(member.language):
            status = str(self.Status(self.status).label)
            kind = str(Entitlement(self.kind).label)
        queue_text(
            self.organisation,
            member.phone,
            "entitlement.status",
            member.language,
            member=member,
            kind=kind,
            status=status,
        )


class ApplicationStatus(models.Model):
    application = models.ForeignKey(
        EntitlementApplication, on_delete=models.CASCADE, related_name="history"
    )
    status = models.CharField(max_length=12, choices=EntitlementApplication.Status.choices)
    on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return self.status


class ForumMeeting(models.Model):
    """A convergence forum: the departments present and the applications discussed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="forum_meetings"
    )
    held_on = models.DateField(_("held on"))
    name = models.CharField(_("name"), max_length=200)
    departments = models.CharField(_("departments present"), max_length=500, blank=True)
    applications = models.ManyToManyField(EntitlementApplication, blank=True, related_name="forums")

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.name

    def raise_applications(self, actor: Any) -> int:
        """Applications discussed here that were waiting are now "raised at a forum",
        dated the day of the meeting; returns how many moved."""
        on = datetime.combine(self.held_on, time(12), self.organisation.tzinfo)
        waiting = (EntitlementApplication.Status.PREPARING, EntitlementApplication.Status.SUBMITTED)
        moved = 0
        for application in self.applications.filter(status__in=waiting).select_related("member"):
            application.change_status(EntitlementApplication.Status.RAISED, actor, on=on)
            moved += 1
        return moved
