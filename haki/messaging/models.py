from __future__ import annotations

import ipaddress
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Organisation
from haki.core.phones import mask_phone


def claim_msgs(
    where: str, where_params: list, order: str, limit: int, sets: str, set_params: list
) -> list[int]:
    """Change, for this caller alone, the first ``limit`` texts matching ``where`` in
    ``order`` by ``sets``, and return their ids. ``where``, ``order`` and ``sets`` are SQL
    naming the model's own columns, their values given as parameters; ``where`` starts
    with the status the rows must still have, checked again as each row is changed.

    One statement: a CTE run once (as a subquery PostgreSQL may run it again for each
    row, and the rows this statement has just changed are skipped by FOR UPDATE, not
    repeated); on PostgreSQL the rows another caller is taking are skipped (FOR UPDATE
    SKIP LOCKED), SQLite runs it under its write lock."""
    from django.db import connection, transaction

    table = Msg._meta.db_table
    postgres = connection.vendor == "postgresql"
    materialised, lock = ("MATERIALIZED ", " FOR UPDATE SKIP LOCKED") if postgres else ("", "")
    sql = (
        f'WITH "picked" AS {materialised}(SELECT "id" FROM "{table}" '  # noqa: S608
        f"WHERE {where} ORDER BY {order} LIMIT %s{lock}) "
        f'UPDATE "{table}" SET {sets} '
        f'WHERE "status" = %s AND "id" IN (SELECT "id" FROM "picked") RETURNING "id"'
    )
    # Without a savepoint in a caller's transaction (a routing batch): two round trips less.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [*where_params, limit, *set_params, where_params[0]])
        return [row[0] for row in cursor.fetchall()]


@cache
def insert_statement(
    model: type[models.Model], names: tuple[str, ...], skip_repeats: bool = False
) -> tuple[str, list[models.Field]]:
    """An INSERT of one row of ``model`` with the fields ``names``, and those fields, for
    the few statements written by hand because Django's generic path costs more than
    the insert. With ``skip_repeats``, a row breaking a unique constraint is skipped and
    a new row's id returned, in the SQL that PostgreSQL and SQLite (3.35+) share."""
    table = model._meta
    fields = [table.get_field(name) for name in names]
    columns = ", ".join(f'"{field.column}"' for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Names from the model only; the values go as parameters.
    insert = f'INSERT INTO "{table.db_table}" ({columns}) VALUES ({placeholders})'  # noqa: S608
    if skip_repeats:
        insert += f' ON CONFLICT DO NOTHING RETURNING "{table.pk.column}"'
    return insert, fields


class ChannelQuerySet(models.QuerySet):
    def failed_for(self, duration: timedelta) -> ChannelQuerySet:
        """Active channels whose every send has failed for at least ``duration``."""
        return self.filter(is_active=True, failing_since__lte=timezone.now() - duration)


class Channel(models.Model):
    """An SMS gateway connection. Its inbound URL is /c/<type>/<uuid>/receive, as in
    RapidPro's courier, so an existing gateway can be repointed unchanged."""

    class Type(models.TextChoices):
        KANNEL = "kn", "Kannel"
        AFRICAS_TALKING = "at", "Africa's Talking"
        TWILIO = "t", "Twilio"
        # RapidPro's External (EX) and Android (A) channels, as courier and RapidPro
        # speak them; the URL is /c/ex/… and /c/a/… as in courier.
        EXTERNAL = "ex", _("External HTTP gateway (RapidPro EX)")
        RAPIDPRO_ANDROID = "a", _("RapidPro Android app (A)")
        ANDROID = "ha", _("Android gateway app (Haki JSON)")
        # Demo and development only; production settings refuse to start with one.
        SIMULATOR = "sim", _("Phone simulator")

    # Configuration keys that are secrets, stored encrypted.
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
    # The earliest moment the next message may go out: the per-channel rate limit,
    # shared by every worker process through the database.
    next_send_on = models.DateTimeField(null=True, blank=True, editable=False)
    # A failure episode: since when every send has failed (cleared by the next text the
    # gateway takes), and when coordinators were told of it, so that they are told once.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    failure_reported_on = models.DateTimeField(null=True, blank=True, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    secrets = Sealed("secrets_sealed", json=dict)

    objects = ChannelQuerySet.as_manager()

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

    def update_settings(self, plain: dict[str, str], secrets: dict[str, str]) -> None:
        """Set the plain settings as given (an empty one is removed); replace only the
        secrets given: a secret is written, never read back into a form."""
        config = {**self.config, **plain}
        self.config = {k: v for k, v in config.items() if k not in plain or plain[k]}
        self.secrets = {**self.secrets, **{k: v for k, v in secrets.items() if v}}

    def secret_is_set(self, key: str) -> bool:
        return bool(self.secrets.get(key))

    def answers_at(self, url_type: str) -> bool:
        """True when /c/<url_type>/<uuid>/ reaches this channel: its own type, or the
        type it had before (``legacy_type``: an Android channel made before the External
        type took /c/ex/ keeps answering its phones there)."""
        return url_type == self.type or url_type == self.config.get("legacy_type")

    def webhook_paths(self) -> list[str]:
        """Every address its gateway may call, for the channel's page."""
        from haki.messaging.channels import channel_types, gateway_for

        if not self.pk or self.type not in channel_types():
            return []
        url_type = self.config.get("legacy_type") or self.type
        paths = [f"/c/{url_type}/{self.uuid}/{name}" for name in gateway_for(self.type).actions]
        if self.config.get("relayer_id"):
            paths.append(f"/relayers/relayer/sync/{self.config['relayer_id']}/")
        return paths

    def allows_address(self, address: str | None) -> bool:
        """True when no allowlist is configured or ``address`` is inside it."""
        allowed = self.config.get("allowed_ips") or []
        if not allowed:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in allowed)

    def note_failure(self) -> None:
        """A send failed: the episode starts now unless one is already running."""
        if self.failing_since is None:
            Channel.objects.filter(pk=self.pk, failing_since__isnull=True).update(
                failing_since=timezone.now()
            )

    def note_success(self) -> None:
        """The gateway took a text: any failure episode is over. Free when there was
        none (the channel was read with the text), so every send can afford it."""
        if self.failing_since is not None:
            Channel.objects.filter(pk=self.pk).update(failing_since=None, failure_reported_on=None)

    def reserve_send_slots(self, count: int) -> list[float]:
        """Take the next ``count`` free sending slots of the channel; return, for each,
        how many seconds from now to wait for it (below zero when the slot began while
        the reservation committed).

        The channel's limit is a schedule kept in the database (``next_send_on``), so
        that any number of workers together never exceed ``tps``: each reservation is
        one short transaction with the row locked, and a batch reserves all its slots
        in one. The waits count from the moment this returns, not from the moment the
        schedule was read: a commit that took a few ms would otherwise move the whole
        batch that much later than its slots, next to the batch after it.
        """
        from django.db import connection, transaction

        interval = send_interval(self.tps)
        with transaction.atomic():
            if connection.vendor == "sqlite":  # no FOR UPDATE: take the write lock first,
                # or two workers read the same free slot and both send in it
                Channel.objects.filter(pk=self.pk).update(next_send_on=F("next_send_on"))
            row = Channel.objects.select_for_update().only("next_send_on").get(pk=self.pk)
            now, read = timezone.now(), time.monotonic()
            slot = max(row.next_send_on or now, now)
            following = slot + timedelta(seconds=interval * count)
            Channel.objects.filter(pk=self.pk).update(next_send_on=following)
        first = (slot - now).total_seconds() - (time.monotonic() - read)
        return [first + interval * i for i in range(count)]


# Each sending slot is this much longer than the limit allows (a 100/s channel gets 98
# texts a second), and a slot a sender missed by running late is gone, never made up.
# A text that reaches the gateway at most SEND_MARGIN seconds after its slot keeps the
# channel within its limit: the texts arriving in any 1 s window then had their slots
# in that second or the SEND_MARGIN seconds before it, and 1 + SEND_MARGIN seconds hold
# ``tps`` slots at most.
SEND_MARGIN = 0.02


def send_interval(tps: int) -> float:
    """Seconds between two slots of a channel limited to ``tps`` texts a second."""
    return (1 + SEND_MARGIN) / max(tps, 1)


class MsgQuerySet(models.QuerySet):
    def store_received(
        self,
        channel: Channel,
        external_id: str | None,
        phone: str,
        text: str,
        received_on: datetime,
        template: str = "",
    ) -> int | None:
        """Store an incoming text and return its id; None when the channel already gave
        this external id (a gateway retrying), which the database skips.

        One hand-written INSERT rather than ``save()``: every incoming text pays for it,
        and Django's generic save path took over a quarter of the webhook's CPU. Skipping
        a repeat in the statement (ON CONFLICT DO NOTHING) needs no savepoint inside a
        caller's transaction either. ``template`` names what a message that is not a
        text is (a missed call: ``haki.messaging.channels.CALL``)."""
        organisation, now = channel.organisation, timezone.now()
        values = {
            "uuid": uuid.uuid4(),
            "organisation": organisation.pk,
            "channel": channel.pk,
            "direction": Msg.Direction.IN,
            "status": Msg.Status.RECEIVED,
            "external_id": external_id,
            **Msg.phone.columns(organisation, phone),
            **Msg.text.columns(organisation, text),
            "language": "",
            "template": template,
            "attempts": 0,
            "error": "",
            "received_on": received_on,
            "created_on": now,
            "modified_on": now,
        }
        connection = connections[self.db]
        sql, fields = insert_statement(Msg, tuple(values), skip_repeats=True)
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, values.values(), strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row[0] if row else None

    def status_counts(self) -> Counter[str]:
        """How many of these texts are in each status, counted by the database."""
        return Counter(dict(self.order_by().values_list("status").annotate(n=Count("pk"))))

    def due(self) -> MsgQuerySet:
        return self.filter(
            direction=Msg.Direction.OUT,
            status=Msg.Status.QUEUED,
            next_attempt_on__lte=timezone.now(),
        )


class Msg(models.Model):
    """One SMS, in or out. Its text and number are encrypted; the number is indexed
    with the organisation's HMAC key, like members' numbers, to find the sender."""

    class Direction(models.TextChoices):
        IN = "in", _("incoming")
        OUT = "out", _("outgoing")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")  # stored, not yet routed
        HANDLED = "handled", _("handled")  # routed to a keyword
        INBOX = "inbox", _("in the inbox")  # waits for an operator
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        WIRED = "wired", _("handed to the gateway")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    class Priority(models.IntegerChoices):
        """The order in which a channel's queued texts go out (lowest first, then the
        oldest): a call for help never waits behind a poll or a broadcast."""

        URGENT = 0  # alerts, escalations, acknowledgements
        REPLY = 1  # answers to a member's own text
        ROUTINE = 2  # notices, reminders, invitations
        BULK = 3  # polls and broadcasts

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Every incoming text updates each index of this table, so none is kept that no query
    # needs: the organisation leads msg_org_status_idx, a channel's texts are found by
    # msg_external_id_unique, and replies and handlers are never looked up backwards.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="msgs", db_index=False
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="msgs", db_index=False
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    external_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    phone_sealed = models.TextField(editable=False)
    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    text_sealed = models.TextField(blank=True, editable=False)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="msgs"
    )
    language = models.CharField(max_length=8, blank=True)
    template = models.CharField(max_length=64, blank=True)
    # The broadcast or poll sending a text belongs to (its uuid), for counting progress.
    batch = models.UUIDField(null=True, blank=True)
    # Filled in by the database for incoming texts, which the webhook inserts by hand.
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.ROUTINE, db_default=Priority.ROUTINE
    )
    in_reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        db_index=False,
    )
    received_on = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_on = models.DateTimeField(null=True, blank=True)
    claimed_on = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    # When the router took an incoming text (for the routing latency metric).
    routed_on = models.DateTimeField(null=True, blank=True)
    handled_on = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    modified_on = models.DateTimeField(auto_now=True)

    phone = Sealed("phone_sealed", index="phone_index")
    text = Sealed("text_sealed")

    objects = MsgQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "-pk"]
        constraints = [
            # A gateway retrying a delivery must never create a second message.
            models.UniqueConstraint(
                fields=["channel", "direction", "external_id"],
                condition=Q(external_id__isnull=False),
                name="msg_external_id_unique",
            ),
        ]
        indexes = [
            # Outgoing texts due, being sent, or waiting on a phone (relayer): partial, so
            # that no incoming text ever updates it, as stored or as routed.
            models.Index(
                fields=["status", "next_attempt_on"],
                condition=Q(status__in=["queued", "sending", "wired"]),
                name="msg_due_idx",
            ),
            # The texts waiting to be routed, oldest first (haki.messaging.routing).
            models.Index(fields=["id"], condition=Q(status="received"), name="msg_received_idx"),
            models.Index(
                fields=["organisation", "status", "created_on"], name="msg_org_status_idx"
            ),
            # The sender's claim: a channel's queued texts by priority, then age. Partial,
            # so that incoming texts and texts already sent never update it.
            models.Index(
                fields=["channel", "priority", "id"],
                condition=Q(status="queued"),
                name="msg_outbox_idx",
            ),
            # Only broadcast and poll texts have a batch; incoming texts stay out of it.
            models.Index(fields=["batch"], condition=Q(batch__isnull=False), name="msg_batch_idx"),
            # The programme's figures over a period read these from the index alone:
            # members reached (any text with a member), poll questions sent (only poll
            # texts: an incoming text is no row of that index).
            models.Index(
                fields=["organisation", "created_on", "member"],
                condition=Q(member__isnull=False),
                name="msg_reach_idx",
            ),
            models.Index(
                fields=["organisation", "created_on", "status", "member"],
                condition=Q(direction="out", template="poll"),
                name="msg_poll_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.uuid}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_missed_call(self) -> bool:
        from haki.messaging.channels import CALL, CALL_ENDED

        return self.direction == Msg.Direction.IN and self.template in (CALL, CALL_ENDED)


class MessageTemplate(models.Model):
    """An organisation's own wording for one outgoing text in one language; without
    one, the neutral default of ``haki.messaging.texts`` is used."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="message_templates"
    )
    key = models.CharField(_("message"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    text = models.TextField(_("text"), max_length=480)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "language"], name="template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} [{self.language}]"


class Keyword(models.Model):
    """A word that triggers an action, added by an organisation for any language on
    top of the shipped ones (``haki.messaging.keywords``)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="keywords"
    )
    language = models.CharField(_("language"), max_length=8)
    word = models.CharField(_("word"), max_length=64)
    action = models.CharField(_("action"), max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "word"], name="keyword_unique")
        ]

    def __str__(self) -> str:
        return f"{self.word} → {self.action}"
