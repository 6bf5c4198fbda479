"""Checking a card online, by its signed token (the QR code) or by its short code (the
form and SMS), with failed checks rate-limited per address or number and audited
without the code that was tried."""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import time
import zoneinfo
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.db import connection
from django.utils import timezone

from haki.core.models import AuditEvent, Organisation
from haki.credentials.models import CheckCounter, Credential, Endorsement, Issuer, SigningKey
from haki.credentials.tokens import Status, Verdict, read, status_on, unb64, verified


@dataclass(frozen=True)
class Found:
    """What a check needs of one card, read in one statement."""

    pk: int
    code: str
    token: str
    role: str
    valid_from: datetime.date
    valid_until: datetime.date
    revoked: bool
    public_key: str
    time_zone: str
    public_name: str


@functools.cache
def _lookup_statement() -> str:
    """The check's one SELECT, written out because it runs on every scan of a card:
    the ORM would compile the same query anew each time (a third of the page's time)."""
    credential, key = Credential._meta.db_table, SigningKey._meta.db_table
    org, issuer = Organisation._meta.db_table, Issuer._meta.db_table
    # Table names come from the models; every value is a parameter.
    return (
        "SELECT c.id, c.code, c.token, c.role, c.valid_from, c.valid_until, "  # noqa: S608
        "c.revoked_on IS NOT NULL, k.public_key, o.timezone, COALESCE(i.public_name, o.name) "
        f"FROM {credential} c JOIN {key} k ON k.id = c.signing_key_id "
        f"JOIN {org} o ON o.id = c.organisation_id "
        f"LEFT JOIN {issuer} i ON i.organisation_id = o.id "
        "WHERE c.code = %s AND o.shredded_on IS NULL AND (o.slug = %s OR o.id = %s)"
    )


def find(code: str, slug: str = "", organisation_id: int = 0) -> Found | None:
    """The card with ``code`` in the organisation named by ``slug`` or ``organisation_id``
    (any organisation when both are empty); none for organisations that were shredded."""
    statement = _lookup_statement()
    if not slug and not organisation_id:
        statement = statement.replace(" AND (o.slug = %s OR o.id = %s)", "")
        params: list[object] = [code]
    else:
        params = [code, slug, organisation_id]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, code, token, role, start, until, revoked, public_key, time_zone, name = row
    return Found(
        pk=pk,
        code=code,
        token=token,
        role=role,
        valid_from=_date(start),
        valid_until=_date(until),
        revoked=bool(revoked),
        public_key=public_key,
        time_zone=time_zone,
        public_name=name,
    )


def _date(value: object) -> datetime.date:
    """SQLite hands dates back as text, PostgreSQL as dates."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def verdict_for(found: Found | None) -> Verdict:
    """What a check of ``found`` answers at this moment; UNKNOWN for no card."""
    if found is None:
        return Verdict(Status.UNKNOWN)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(found.time_zone)).date()
    with connection.cursor() as cursor:
        cursor.execute(_endorsers_statement(), [found.pk])
        endorsers = tuple(row[0] for row in cursor.fetchall())
    return Verdict(
        status=status_on(today, found.valid_from, found.valid_until, found.revoked),
        code=found.code,
        organisation=found.public_name,
        role=found.role,
        valid_from=found.valid_from,
        valid_until=found.valid_until,
        endorsed_by=endorsers,
    )


@functools.cache
def _endorsers_statement() -> str:
    table = Endorsement._meta.db_table
    return f"SELECT endorser FROM {table} WHERE credential_id = %s ORDER BY created_on, id"  # noqa: S608 - our table


def check_token(token: str, organisation_slug: str) -> Verdict:
    """A token is answered only if it is exactly what the organisation's key signed for
    a code it issued; the database says, at this moment, whether it is revoked."""
    parsed = read(token)
    if parsed is None:
        return Verdict(Status.UNKNOWN)
    found = find(parsed[0].code, slug=organisation_slug)
    if found is None or found.token != token:
        return Verdict(Status.UNKNOWN)
    if verified(token, unb64(found.public_key)) is None:
        return Verdict(Status.UNKNOWN)
    return verdict_for(found)


def check_code(code: str, organisation: Organisation | None = None) -> Verdict:
    return verdict_for(find(code, organisation_id=organisation.pk if organisation else 0))


class Throttle:
    """Failed checks counted per period in the database, so every web and worker
    process sees the same counts. A source that failed ``limit`` times in the current
    period is refused until the next one.

    Counts only grow within a period, so a process that has seen a source over its
    limit remembers it until the period ends and writes nothing more for it: a flood
    of bad checks from one source costs a few writes, not one per request."""

    _over: ClassVar[set[tuple[str, int]]] = set()

    def __init__(
        self, scope: str, source: str, limit: int | None = None, period_seconds: int | None = None
    ):
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{scope}:{source}".encode(), hashlib.sha256
        )
        self.bucket = digest.hexdigest()
        self.period_seconds = period_seconds or settings.HAKI_CHECK_PERIOD_SECONDS
        self.limit = limit or settings.HAKI_CHECK_FAILURES

    @property
    def period(self) -> int:
        """When the current period ends, in seconds since the epoch: one unit for every
        throttle whatever its period's length, so one's clean-up keeps another's counts."""
        return (int(time.time()) // self.period_seconds + 1) * self.period_seconds

    def blocked(self) -> bool:
        if (self.bucket, self.period) in self._over:
            return True
        failures = (
            CheckCounter.objects.filter(bucket=self.bucket, period=self.period)
            .values_list("failures", flat=True)
            .first()
        )
        return (failures or 0) >= self.limit

    def fail(self) -> int:
        """Count one failure; returns the count in this period (1 for the first), or
        one more than the limit once over it."""
        period = self.period
        if (self.bucket, period) in self._over:
            return self.limit + 1
        table = CheckCounter._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (bucket, period, failures) VALUES (%s, %s, 1) "  # noqa: S608 - the table name is ours
                f"ON CONFLICT (bucket, period) DO UPDATE SET failures = {table}.failures + 1 "
                "RETURNING failures",
                [self.bucket, period],
            )
            failures = cursor.fetchone()[0]
        if failures == 1:  # a new period for this source: forget periods long past
            CheckCounter.objects.filter(period__lt=period - self.period_seconds).delete()
        if failures >= self.limit:
            now = time.time()
            Throttle._over = {key for key in self._over if key[1] > now} | {(self.bucket, period)}
        return failures

    @classmethod
    def forget(cls) -> None:
        """Drop what this process remembers (tests, which reuse buckets in one period)."""
        cls._over = set()


def record_failure(throttle: Throttle, actor: str, organisation: Organisation | None) -> bool:
    """Count a failed check and audit it (never the code tried) while the source is
    under its limit, so a flood cannot fill the trail. True if this failure reached the
    limit."""
    failures = throttle.fail()
    if failures <= throttle.limit:
        AuditEvent.record(actor, AuditEvent.Action.VIEW, organisation=organisation)
    return failures == throttle.limit
