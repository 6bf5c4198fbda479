"""Checking a card online, by its signed token (the QR code) or by its short code (the
form and SMS), with failed checks rate-limited per address or number and audited
without the code that was tried."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.db import connection

from haki.core.models import AuditEvent, Organisation
from haki.credentials.models import CheckCounter, Credential
from haki.credentials.tokens import Status, Verdict, read, verified


def verdict_for(credential: Credential | None) -> Verdict:
    """What a check of ``credential`` answers; UNKNOWN for none, or for one whose
    organisation destroyed its keys."""
    if credential is None or credential.organisation.shredded_on:
        return Verdict(Status.UNKNOWN)
    issuer = getattr(credential.organisation, "credential_issuer", None)
    return Verdict(
        status=credential.status(),
        code=credential.code,
        organisation=issuer.public_name if issuer else credential.organisation.name,
        role=credential.role,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        endorsed_by=tuple(e.endorser for e in credential.endorsements.all()),
    )


def check_token(token: str, organisation_slug: str) -> Verdict:
    """A token is answered only if it is exactly what the organisation's key signed for
    a code it issued; the database says, at this moment, whether it is revoked."""
    parsed = read(token)
    if parsed is None:
        return Verdict(Status.UNKNOWN)
    credential = (
        Credential.objects.for_check()
        .filter(code=parsed[0].code, organisation__slug=organisation_slug)
        .first()
    )
    if credential is None or credential.token != token:
        return Verdict(Status.UNKNOWN)
    if verified(token, credential.signing_key.public_bytes) is None:
        return Verdict(Status.UNKNOWN)
    return verdict_for(credential)


def check_code(code: str, organisation: Organisation | None = None) -> Verdict:
    found = Credential.objects.for_check().filter(code=code)
    if organisation is not None:
        found = found.filter(organisation=organisation)
    return verdict_for(found.first())


class Throttle:
    """Failed checks counted per period in the database, so every web and worker
    process sees the same counts. A source that failed ``limit`` times in the current
    period is refused until the next one."""

    def __init__(self, scope: str, source: str):
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{scope}:{source}".encode(), hashlib.sha256
        )
        self.bucket = digest.hexdigest()
        self.period_seconds = settings.HAKI_CHECK_PERIOD_SECONDS
        self.limit = settings.HAKI_CHECK_FAILURES

    @property
    def period(self) -> int:
        return int(time.time()) // self.period_seconds

    def blocked(self) -> bool:
        failures = (
            CheckCounter.objects.filter(bucket=self.bucket, period=self.period)
            .values_list("failures", flat=True)
            .first()
        )
        return (failures or 0) >= self.limit

    def fail(self) -> int:
        """Count one failure; returns the count in this period (1 for the first)."""
        table = CheckCounter._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (bucket, period, failures) VALUES (%s, %s, 1) "  # noqa: S608 - the table name is ours
                f"ON CONFLICT (bucket, period) DO UPDATE SET failures = {table}.failures + 1 "
                "RETURNING failures",
                [self.bucket, self.period],
            )
            failures = cursor.fetchone()[0]
        if failures == 1:  # a new period for this source: forget periods long past
            CheckCounter.objects.filter(period__lt=self.period - 1).delete()
        return failures


def record_failure(throttle: Throttle, actor: str, organisation: Organisation | None) -> bool:
    """Count a failed check and audit it (never the code tried) while the source is
    under its limit, so a flood cannot fill the trail. True if this failure reached the
    limit."""
    failures = throttle.fail()
    if failures <= throttle.limit:
        AuditEvent.record(actor, AuditEvent.Action.VIEW, organisation=organisation)
    return failures == throttle.limit
