"""Outreach-worker IDs: each organisation signs its cards with its own Ed25519 key,
whose private half is sealed with the organisation's data key (so ``haki rotate_keys``
re-encrypts it and ``haki shred_organisation`` destroys it), and publishes the public
half with the list of revoked codes."""

from __future__ import annotations

import datetime
import uuid

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed, SealedBytes
from haki.core.models import Organisation
from haki.credentials import codes, tokens

STATUS_LABELS = {
    tokens.Status.VALID: _("Valid"),
    tokens.Status.EXPIRED: _("Expired"),
    tokens.Status.REVOKED: _("Revoked"),
    tokens.Status.NOT_YET_VALID: _("Not valid yet"),
    tokens.Status.UNKNOWN: _("Not recognised"),
}


class Issuer(models.Model):
    """How an organisation presents itself on its cards and checks."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="credential_issuer"
    )
    public_name = models.CharField(
        _("public name"),
        max_length=80,
        help_text=_(
            "The name officers see on cards and checks. Choose wording that is safe to "
            "show to anyone."
        ),
    )
    check_number = models.CharField(
        _("number for SMS checks"),
        max_length=32,
        blank=True,
        help_text=_("Printed on cards for checking by SMS; leave empty to print none."),
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.public_name

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> Issuer:
        issuer, _created = cls.objects.get_or_create(
            organisation=organisation, defaults={"public_name": organisation.name[:80]}
        )
        return issuer


class SigningKey(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="signing_keys"
    )
    key_id = models.CharField(max_length=8, unique=True, editable=False)
    public_key = models.CharField(max_length=64, editable=False)  # raw 32 bytes, base 64
    private_sealed = models.TextField(editable=False)
    private_key = Sealed("private_sealed")  # raw 32 bytes, base 64, sealed
    created_on = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_on", "-pk"]

    def __str__(self) -> str:
        return f"signing key {self.key_id}"

    @classmethod
    def current(cls, organisation: Organisation) -> SigningKey:
        """The organisation's newest key, made on first use."""
        key = cls.objects.filter(organisation=organisation).first()
        return key or cls.generate(organisation)

    @classmethod
    def generate(cls, organisation: Organisation) -> SigningKey:
        private = tokens.new_private_key()
        public = tokens.public_bytes(private.public_key())
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        key = cls(organisation=organisation, key_id=tokens.key_id(public))
        key.public_key = tokens.b64(public)
        key.private_key = tokens.b64(raw)
        key.save()
        return key

    def sign(self, claims: tokens.Claims) -> str:
        return tokens.sign(tokens.private_from_bytes(tokens.unb64(self.private_key)), claims)

    @property
    def public_bytes(self) -> bytes:
        return tokens.unb64(self.public_key)


class Credential(models.Model):
    """One card. Its dates and role are signed into its token, so they never change:
    to extend a card, issue a new one and revoke the old."""

    class Role(models.TextChoices):
        PARALEGAL = "paralegal", _("Paralegal")
        PEER_EDUCATOR = "peer_educator", _("Peer educator")
        OUTREACH_WORKER = "outreach_worker", _("Outreach worker")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="credentials"
    )
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=codes.LENGTH, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    holder_sealed = models.TextField(blank=True, editable=False)
    holder = Sealed("holder_sealed")  # for the organisation's own list; never on a check
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    token = models.CharField(max_length=200, editable=False)
    photo_sealed = models.BinaryField(blank=True, default=b"", editable=False)
    photo = SealedBytes("photo_sealed")
    photo_type = models.CharField(max_length=16, blank=True, editable=False)
    revoked_on = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.CharField(max_length=150, blank=True, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_on", "-pk"]

    def __str__(self) -> str:
        return codes.display(self.code)

    @property
    def display_code(self) -> str:
        return codes.display(self.code)

    def status(self, now: datetime.datetime | None = None) -> str:
        today = (now or timezone.now()).astimezone(self.organisation.tzinfo).date()
        return tokens.status_on(
            today, self.valid_from, self.valid_until, revoked=self.revoked_on is not None
        )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status()])

    @classmethod
    def issue(
        cls,
        organisation: Organisation,
        holder: str,
        role: str,
        valid_from,
        valid_until,
        created_by: str = "",
    ) -> Credential:
        """A new card with a fresh code, signed with the organisation's current key."""
        Issuer.for_organisation(organisation)  # published from the first card on
        key = SigningKey.current(organisation)
        for _attempt in range(5):  # a clash of 40 random bits is rare; five is plenty
            credential = cls(
                organisation=organisation,
                signing_key=key,
                code=codes.new_code(),
                role=role,
                valid_from=valid_from,
                valid_until=valid_until,
                created_by=created_by,
            )
            credential.holder = holder
            credential.token = key.sign(credential.claims)
            try:
                with transaction.atomic():
                    credential.save()
                return credential
            except IntegrityError:
                continue
        raise IntegrityError("no free code after five attempts")

    @property
    def claims(self) -> tokens.Claims:
        return tokens.Claims(
            key_id=self.signing_key.key_id,
            code=self.code,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            role=self.role,
        )

    def revoke(self) -> None:
        if self.revoked_on is None:
            self.revoked_on = timezone.now()
            self.save(update_fields=["revoked_on", "modified_on"])


class Endorsement(models.Model):
    """A police focal point's endorsement of a card, as the organisation records it.

    ``endorser`` is the organisation's own label for who endorsed (a station or an
    office, never an officer's name). When the partnership app brings stations, a
    nullable ``station`` foreign key joins it and checks show "endorsed by <station>"
    from it; the label stays for endorsements recorded before."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    credential = models.ForeignKey(
        Credential, on_delete=models.CASCADE, related_name="endorsements"
    )
    endorser = models.CharField(
        _("endorsed by"),
        max_length=120,
        help_text=_("A station or office, as it should appear on checks; never a person's name."),
    )
    recorded_by = models.CharField(max_length=150, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_on", "pk"]

    def __str__(self) -> str:
        return self.endorser


class CheckCounter(models.Model):
    """Failed checks per address or number in one period, for rate limiting across
    processes. ``bucket`` is a keyed hash: no address or number is stored."""

    bucket = models.CharField(max_length=64)
    period = models.PositiveBigIntegerField()
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "period"], name="check_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.failures} failures in period {self.period}"
