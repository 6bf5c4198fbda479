from __future__ import annotations

import datetime
import hashlib
import json
import time
import uuid
import zoneinfo
from typing import Any

from cryptography.fernet import MultiFernet
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core import crypto
from haki.core.roles import Role

DEFAULT_TIERS = ["paralegal", "lawyer", "coordinator", "police_ally"]
# The names people read for the tiers' codes; an organisation's own tier shows its code.
TIER_NAMES = {
    "paralegal": _("paralegal"),
    "lawyer": _("lawyer"),
    "coordinator": _("coordinator"),
    "police_ally": _("police ally"),
    "crisis_team": _("crisis team"),
    "peer_educator": _("peer educator"),
}
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

    def tiers_in_use(self) -> set[str]:
        """The tiers active responders hold: a tier cannot be removed under them."""
        return set(self.responders.filter(retired_on__isnull=True).values_list("tier", flat=True))

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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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

    @classmethod
    def tree(cls, organisation: Organisation) -> list[tuple[Area, int]]:
        """Every area of ``organisation`` with its depth, each followed by those inside
        it: the order a tree is read in. One query."""
        children: dict[int | None, list[Area]] = {}
        for area in cls.objects.filter(organisation=organisation).order_by("code"):
            children.setdefault(area.parent_id, []).append(area)
        found: list[tuple[Area, int]] = []
        todo = [(area, 0) for area in reversed(children.get(None, []))]
        while todo:
            area, depth = todo.pop()
            found.append((area, depth))
            todo.extend((child, depth + 1) for child in reversed(children.get(area.pk, [])))
        return found

    def can_move_under(self, parent: Area | None) -> bool:
        """False when ``parent`` is this area or below it: the tree must stay a tree."""
        return parent is None or self.pk is None or parent.pk not in self.subtree()

    @staticmethod
    def outline_from(data: Any) -> dict[str, Any]:
        """The GeoJSON Polygon or MultiPolygon in ``data`` (a geometry, or a Feature or a
        FeatureCollection of one feature), reduced to type and coordinates. Raises
        ValueError with a sentence for the user; bounded so that a map stays light."""
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            features = data.get("features")
            if not isinstance(features, list) or len(features) != 1:
                raise ValueError(_("The file must hold exactly one outline."))
            data = features[0]
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError(_("The outline must be a GeoJSON Polygon or MultiPolygon."))
        coordinates = data.get("coordinates")
        depth = 3 if data["type"] == "Polygon" else 4
        points = _positions(coordinates, depth)
        if points is None or points == 0:
            raise ValueError(_("The outline's coordinates are not a list of rings of points."))
        if points > OUTLINE_MAX_POINTS:
            raise ValueError(_("The outline has too many points; simplify it first."))
        return {"type": data["type"], "coordinates": coordinates}

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


OUTLINE_MAX_POINTS = 20_000


def _positions(value: Any, depth: int) -> int | None:
    """How many [longitude, latitude] points ``value`` nests ``depth`` lists deep, or
    None when it is not such a nesting of numbers within the globe."""
    if depth == 1:
        ok = (
            isinstance(value, list)
            and len(value) in (2, 3)
            and all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
            and -180 <= value[0] <= 180
            and -90 <= value[1] <= 90
        )
        return 1 if ok else None
    if not isinstance(value, list) or not value:
        return None
    total = 0
    for item in value:
        found = _positions(item, depth - 1)
        if found is None:
            return None
        total += found
        if total > OUTLINE_MAX_POINTS:
            return total
    return total


class Membership(models.Model):
    """A staff user's role in one organisation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    # A deactivated membership gives no access; it stays so the staff list shows who
    # had access, and so the trail's references keep pointing somewhere.
    deactivated_on = models.DateTimeField(null=True, blank=True, editable=False)
    # Sessions of this user that began before this moment are ended at their next
    # request (a seized phone). Kept on every membership of the user, so the check
    # costs no query: the middleware reads the memberships anyway.
    sessions_valid_after = models.DateTimeField(null=True, blank=True, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_on is None

    @property
    def is_pending(self) -> bool:
        """Invited, and the invitation not yet taken up."""
        return not self.user.has_usable_password() and self.user.last_login is None

    @staticmethod
    def end_sessions(user: Any) -> None:
        """End every session ``user`` has, in every organisation, at its next request."""
        Membership.objects.filter(user=user).update(sessions_valid_after=timezone.now())

    def deactivate(self) -> None:
        """No more access to this organisation; no sign-in at all when it was the last."""
        now = timezone.now()
        Membership.objects.filter(pk=self.pk).update(deactivated_on=now, modified_on=now)
        self.deactivated_on = now
        Membership.end_sessions(self.user)
        Invitation.objects.filter(membership=self, used_on__isnull=True).update(used_on=now)
        if not self.user.memberships.filter(deactivated_on__isnull=True).exists():
            self.user.is_active = False
            self.user.save(update_fields=["is_active"])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time link to set a password: for someone invited to the staff, or after
    an owner reset someone's password. Only a hash of the token is stored, so a copy
    of the database gives no working link."""

    LIFETIME = datetime.timedelta(hours=48)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_on = models.DateTimeField(default=timezone.now, editable=False)
    expires_on = models.DateTimeField(editable=False)
    # Taken up, or replaced by a newer link, or ended by deactivation.
    used_on = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"invitation {self.uuid}"

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @classmethod
    def issue(cls, membership: Membership, by: Any) -> tuple[Invitation, str]:
        """A new link for ``membership``'s user (any older one stops working); returns
        the invitation and its token, which exists only in this return value."""
        import secrets

        token = secrets.token_urlsafe(32)
        now = timezone.now()
        with transaction.atomic():
            cls.objects.filter(membership__user=membership.user, used_on__isnull=True).update(
                used_on=now
            )
            invitation = cls.objects.create(
                membership=membership,
                token_hash=hash_token(token),
                created_by=by,
                created_on=now,
                expires_on=now + cls.LIFETIME,
            )
        return invitation, token

    @classmethod
    def valid(cls, token: str) -> Invitation | None:
        """The unused, unexpired invitation of ``token``, or None."""
        if not token or len(token) > 100:
            return None
        return (
            cls.objects.select_related("membership__user", "membership__organisation")
            .filter(
                token_hash=hash_token(token),
                used_on__isnull=True,
                expires_on__gt=timezone.now(),
                membership__deactivated_on__isnull=True,
            )
            .first()
        )


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, never the content. Each organisation's events form
    a chain of their own (and events with no organisation another): each row carries a
    keyed HMAC of itself and the row before, under a key derived from the master key
    and so absent from the database. An edited or deleted row breaks its chain; a cut
    tail is caught against an anchor kept elsewhere (``haki audit``, haki/core/audit.py).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        VIEW = "view", _("viewed")
        CHANGE = "change", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        ERASE = "erase", _("erased")
        LOGIN = "login", _("signed in")
        KEYS = "keys", _("keys changed")
        RESET = "reset", _("credentials reset")
        SIGNOUT = "signout", _("sessions ended")
        DISABLE = "disable", _("access removed")

    # The position in its organisation's chain, from 1.
    seq = models.PositiveBigIntegerField(editable=False)
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
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "seq"], name="audit_seq_unique_in_organisation"
            ),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(organisation__isnull=True),
                name="audit_seq_unique_without_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type} {self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit trail is append-only.")

    def payload(self) -> bytes:
        fields = [
            self.seq,
            self.created_on.astimezone(datetime.UTC).isoformat(),
            self.organisation_id,
            self.actor,
            self.action,
            self.object_type,
            self.object_ref,
            self.prev_hash,
        ]
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self, key: bytes) -> str:
        return crypto.chain_mac(key, self.payload())

    @classmethod
    def record(
        cls, actor: Any, action: str, obj: Any = None, organisation: Any = None
    ) -> AuditEvent:
        """Append one event. ``actor`` is a user, a name ("provisioning", "sms"), or None."""
        return cls.record_many(actor, [(action, obj)], organisation)[0]

    @classmethod
    def record_many(
        cls, actor: Any, entries: list[tuple[str, Any]], organisation: Any = None
    ) -> list[AuditEvent]:
        """Append one event per (action, object), in order, with one wait for each head
        and one insert per chain: how bulk changes (provisioning, imports) are audited."""
        if hasattr(actor, "get_username"):
            actor = actor.get_username()
        if not entries:
            return []
        chains: dict[Any, list[tuple[str, Any]]] = {}
        for action, obj in entries:
            owner = organisation
            if owner is None and obj is not None:
                owner = getattr(obj, "organisation", None)
            chains.setdefault(getattr(owner, "pk", owner), []).append((action, obj))
        events: list[AuditEvent] = []
        with transaction.atomic():
            for organisation_id, chain_entries in chains.items():
                events += cls._append(actor or "system", organisation_id, chain_entries)
        return events

    @classmethod
    def _append(
        cls, actor: str, organisation_id: Any, entries: list[tuple[str, Any]]
    ) -> list[AuditEvent]:
        """Append to one organisation's chain, holding its head for one insert."""
        head = AuditHead.locked(organisation_id)
        key = crypto.audit_key(head.key_id)
        seq, prev, now = head.seq, head.last_hash, timezone.now()
        events = []
        for action, obj in entries:
            seq += 1
            event = cls(
                seq=seq,
                created_on=now,
                organisation_id=organisation_id,
                actor=actor,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_ref=(
                    str(getattr(obj, "uuid", None) or getattr(obj, "pk", ""))
                    if obj is not None
                    else ""
                ),
                prev_hash=prev,
            )
            event.hash = prev = event.compute_hash(key)
            events.append(event)
        cls.objects.bulk_create(events, batch_size=2000)
        AuditHead.objects.filter(pk=head.pk).update(seq=seq, last_hash=prev)
        return events


class AuditHead(models.Model):
    """The end of one chain: the row its appends lock, one per organisation (chain 0:
    events with no organisation), so organisations never wait on each other."""

    GENESIS = "0" * 64
    # The organisation's primary key, or 0 for events with no organisation.
    chain = models.PositiveBigIntegerField(unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    # Which master key the chain key is derived from (a digest, not the key).
    key_id = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"audit head of chain {self.chain} at #{self.seq}"

    @property
    def organisation_id(self) -> int | None:
        return self.chain or None

    @classmethod
    def locked(cls, organisation_id: int | None) -> AuditHead:
        """The chain's head, locked until the transaction ends; created on first use."""
        head, _ = cls.objects.select_for_update().get_or_create(
            chain=organisation_id or 0,
            defaults={"key_id": crypto.primary_audit_key_id()},
        )
        return head


# When a session signed in (seconds since the epoch), kept in the session itself, so
# that ending a user's sessions works whatever stores them.
SIGNED_IN_AT = "haki_signed_in_at"


@receiver(user_logged_in, dispatch_uid="haki_mark_sign_in")
def mark_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
