from __future__ import annotations

import datetime
import hashlib
import json
import uuid
import zoneinfo
from typing import Any

from cryptography.fernet import MultiFernet
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core import crypto
from haki.core.roles import Role

DEFAULT_TIERS = ["paralegal", "lawyer", "coordinator", "police_ally"]
# No aggregate leaving an organisation shows a count below this, whatever is configured.
MINIMUM_K = 5


class Organisation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. KE"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    languages = models.JSONField(_("languages"), default=list)
    ack_timeout_seconds = models.PositiveIntegerField(default=600)
    escalation_tiers = models.JSONField(default=list)
    # Briefs for police leadership: cells below k are hidden (never below 5), and areas
    # are rolled up to this depth of the tree (0 = top-level areas, 1 = their children).
    suppression_k = models.PositiveSmallIntegerField(
        _("smallest number shown outside the organisation"),
        default=5,
        validators=[MinValueValidator(MINIMUM_K)],
    )
    brief_area_depth = models.PositiveSmallIntegerField(
        _("deepest area level in briefs"), default=1
    )
    settings = models.JSONField(default=dict, blank=True)
    # Gateways on this machine (Kannel beside Haki, the demo): send_url may then be a
    # loopback address. Off by default: it lets a channel reach Redis or PostgreSQL.
    allow_local_gateways = models.BooleanField(default=False)
    shredded_on = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by rotation and shredding so every process reloads its cached keys.
    key_version = models.PositiveIntegerField(default=1, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else settings.LANGUAGE_CODE

    @property
    def tiers(self) -> list[str]:
        return list(self.escalation_tiers or DEFAULT_TIERS)

    @property
    def keyring(self) -> crypto.Keyring:
        return crypto.keyring_for(self)

    def load_keyring(self) -> crypto.Keyring:
        """Unwrap this organisation's keys, creating them on first use."""
        if self.shredded_on:
            raise crypto.KeysUnavailable("This organisation's keys were destroyed.")
        keys = list(self.data_keys.order_by("-created_on", "-pk"))
        if not keys:
            with transaction.atomic():
                locked = Organisation.objects.select_for_update().get(pk=self.pk)
                keys = list(locked.data_keys.order_by("-created_on", "-pk"))
                if not keys:
                    keys = [
                        DataKey.objects.create(
                            organisation=self,
                            purpose=DataKey.INDEX,
                            wrapped=crypto.wrap(crypto.generate_key()),
                        ),
                        DataKey.objects.create(
                            organisation=self,
                            purpose=DataKey.DATA,
                            wrapped=crypto.wrap(crypto.generate_key()),
                        ),
                    ]
        data = [crypto.unwrap(k.wrapped) for k in keys if k.purpose == DataKey.DATA]
        index = [crypto.unwrap(k.wrapped) for k in keys if k.purpose == DataKey.INDEX]
        from cryptography.fernet import Fernet

        return crypto.Keyring(data=MultiFernet([Fernet(k) for k in data]), index_key=index[0])


class DataKey(models.Model):
    """An organisation's key, stored only wrapped by the master key."""

    DATA, INDEX = "data", "index"
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="data_keys"
    )
    purpose = models.CharField(max_length=8, choices=[(DATA, "data"), (INDEX, "index")])
    wrapped = models.TextField()
    created_on = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.purpose} key of {self.organisation_id}"


class Area(models.Model):
    """A place in the organisation's own tree (county → town → hotspot)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A GeoJSON geometry (Polygon or MultiPolygon) for the patterns map; optional.
    geometry = models.JSONField(null=True, blank=True)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="area_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def lineage(self) -> list[Area]:
        """This area, then its parent, up to the root: the order alerts walk up."""
        chain, seen, node = [], set(), self
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    @property
    def depth(self) -> int:
        return len(self.lineage()) - 1

    def subtree(self) -> list[int]:
        """The primary keys of this area and of every area below it."""
        children: dict[int | None, list[int]] = {}
        for pk, parent in Area.objects.filter(organisation_id=self.organisation_id).values_list(
            "pk", "parent_id"
        ):
            children.setdefault(parent, []).append(pk)
        found, todo = [], [self.pk]
        while todo:
            pk = todo.pop()
            found.append(pk)
            todo.extend(children.get(pk, []))
        return found


class Membership(models.Model):
    """A staff user's role in one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.organisation}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, never the content; each row hashes the previous
    one, so an edited or deleted row breaks the chain (``haki verify-audit``)."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        VIEW = "view", _("viewed")
        CHANGE = "change", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        ERASE = "erase", _("erased")
        LOGIN = "login", _("signed in")
        KEYS = "keys", _("keys changed")

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_on = models.DateTimeField(editable=False)
    # No database constraint and no cascade: the trail outlives what it describes.
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    actor = models.CharField(max_length=150, editable=False)
    action = models.CharField(max_length=8, choices=Action.choices, editable=False)
    object_type = models.CharField(max_length=64, blank=True, editable=False)
    object_ref = models.CharField(max_length=64, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type} {self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit trail is append-only.")

    def compute_hash(self) -> str:
        payload = [
            self.seq,
            self.created_on.astimezone(datetime.UTC).isoformat(),
            self.organisation_id,
            self.actor,
            self.action,
            self.object_type,
            self.object_ref,
            self.prev_hash,
        ]
        encoded = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()

    @classmethod
    def record(
        cls, actor: Any, action: str, obj: Any = None, organisation: Any = None
    ) -> AuditEvent:
        """Append one event. ``actor`` is a user, a name ("provisioning", "sms"), or None."""
        if organisation is None and obj is not None:
            organisation = getattr(obj, "organisation", None)
        if hasattr(actor, "get_username"):
            actor = actor.get_username()
        object_type = obj._meta.label_lower if obj is not None else ""
        object_ref = (
            str(getattr(obj, "uuid", None) or getattr(obj, "pk", "")) if obj is not None else ""
        )
        with transaction.atomic():
            head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
            event = cls(
                seq=head.seq + 1,
                created_on=timezone.now(),
                organisation_id=getattr(organisation, "pk", organisation),
                actor=actor or "system",
                action=action,
                object_type=object_type,
                object_ref=object_ref,
                prev_hash=head.last_hash,
            )
            event.hash = event.compute_hash()
            event.save()
            AuditHead.objects.filter(pk=1).update(seq=event.seq, last_hash=event.hash)
        return event

    @classmethod
    def first_broken(cls) -> str | None:
        """A sentence naming the first record that breaks the chain, or None if intact."""
        expected_seq, prev = 1, AuditHead.GENESIS
        for event in cls.objects.order_by("seq").iterator(chunk_size=2000):
            if event.seq != expected_seq:
                return f"record #{expected_seq} is missing (next record is #{event.seq})"
            if event.prev_hash != prev:
                return f"record #{event.seq} does not follow record #{event.seq - 1}"
            if event.compute_hash() != event.hash:
                return f"record #{event.seq} was altered after it was written"
            prev, expected_seq = event.hash, expected_seq + 1
        head = AuditHead.objects.filter(pk=1).first() or AuditHead()
        if head.seq != expected_seq - 1 or head.last_hash != prev:
            return f"records after #{expected_seq - 1} are missing (the trail had {head.seq})"
        return None


class AuditHead(models.Model):
    """The single row that serialises appends and remembers the chain's end."""

    GENESIS = "0" * 64
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
