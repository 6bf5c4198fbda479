"""Push the external figures of a period to DHIS2 as a ``dataValueSets`` import.

The organisation's ``dhis2`` settings (provisioning section ``dhis2:``) map areas to
organisation units and indicators (or each cell of their breakdown) to data elements.
Only the external audience is ever pushed. A value withheld now that an earlier push
sent is deleted in DHIS2 (``importStrategy=DELETE``), never left stale."""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.utils.translation import gettext as _

from haki.core.models import Organisation
from haki.reports.catalogue import Audience
from haki.reports.figures import ScopeError, by_key, compute, scope_for, year_error
from haki.reports.models import Dhis2Push

TIMEOUT = 30  # seconds for each read, and for the whole answer
MAX_ANSWER_BYTES = 10 * 1024 * 1024  # an import summary is a few KB
PERIOD = re.compile(
    r"^(?P<year>\d{4})(?:(?P<month>0[1-9]|1[0-2])|W(?P<week>0[1-9]|[1-4]\d|5[0-3]))$"
)


class Dhis2Error(Exception):
    """A push that failed; the message is one sentence for the person running it."""


@dataclass
class Result:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = _(
            "imported %(imported)s, updated %(updated)s, ignored %(ignored)s, deleted %(deleted)s"
        ) % {
            "imported": self.imported,
            "updated": self.updated,
            "ignored": self.ignored,
            "deleted": self.deleted,
        }
        return [counts, *(_("conflict: %(conflict)s") % {"conflict": c} for c in self.conflicts)]


def period_days(period: str) -> tuple[datetime.date, datetime.date]:
    """202611 (a month) or 2026W48 (an ISO week) as its first and last day."""
    match = PERIOD.match(period)
    if match is None:
        raise Dhis2Error(
            _("%(period)s is not a DHIS2 period (e.g. 202611 or 2026W48)")
            % {"period": repr(period)}
        )
    year = int(match["year"])
    if error := year_error(year):
        raise Dhis2Error(error)
    if match["month"]:
        first = datetime.date(year, int(match["month"]), 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return first, last
    try:
        first = datetime.date.fromisocalendar(year, int(match["week"]), 1)
    except ValueError:
        raise Dhis2Error(
            _("%(year)s has no week %(week)s") % {"year": year, "week": match["week"]}
        ) from None
    return first, first + datetime.timedelta(days=6)


def element_targets(mapping: Any) -> list[tuple[str, str | None]]:
    """A data element mapping as (code, category option combo) targets."""
    items = mapping if isinstance(mapping, list) else [mapping]
    return [
        (item, None) if isinstance(item, str) else (item["code"], item.get("category_option_combo"))
        for item in items
    ]


def values(organisation: Organisation, config: dict[str, Any], period: str) -> dict[tuple, str]:
    """(data element, org unit, combo) -> value, for every value shown outside."""
    since, until = period_days(period)
    found: dict[tuple, str] = {}
    for area_code, unit in config["org_units"].items():
        try:
            scope = scope_for(organisation, since, until, area_code, Audience.EXTERNAL)
        except ScopeError as error:
            raise Dhis2Error(
                _("area %(code)s: %(error)s") % {"code": area_code, "error": error}
            ) from None
        figures = by_key(compute(scope, list(config["data_elements"])))
        for key, mapping in config["data_elements"].items():
            figure = figures.get(key)
            if figure is None:
                continue
            targets = element_targets(mapping)
            if isinstance(mapping, list) and figure.breakdown:
                shown = [(t, c.value) for t, c in zip(targets, figure.breakdown, strict=False)]
            else:
                shown = [(targets[0], figure.value)]
            for (code, combo), value in shown:
                if value is not None:
                    found[code, unit, combo] = str(value)
    return found


def payload(config: dict[str, Any], period: str, rows: dict[tuple, str]) -> dict[str, Any]:
    data_values = []
    for (element, unit, combo), value in sorted(rows.items(), key=lambda r: str(r[0])):
        row = {"dataElement": element, "period": period, "orgUnit": unit, "value": value}
        if combo:
            row["categoryOptionCombo"] = combo
        data_values.append(row)
    return {"dataSet": config["data_set"], "period": period, "dataValues": data_values}


def sends_token_in_clear(url: str) -> bool:
    """Whether a push to ``url`` would send the API token unencrypted to another machine:
    DHIS2 is reached over https, or over http only on this one (localhost, 127.0.0.0/8,
    ::1). A name is not resolved: only ``localhost`` counts as this machine."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return True
    if parts.scheme == "https":
        return False
    if parts.scheme != "http":
        return True
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def token(config: dict[str, Any]) -> str:
    try:
        return Path(config["token_file"]).read_text().strip()
    except OSError:
        raise Dhis2Error(_("the DHIS2 token file could not be read")) from None


def post(config: dict[str, Any], body: dict[str, Any], dry_run: bool, delete: bool) -> Result:
    """One import; its summary, or Dhis2Error with a sentence saying what went wrong."""
    if sends_token_in_clear(config["url"]):
        raise Dhis2Error(
            _("the DHIS2 url must be https (http only to this machine): the push sends a token")
        )
    url = config["url"].rstrip("/") + "/api/dataValueSets"
    params = {"idScheme": "code", "dryRun": "true" if dry_run else "false"}
    if delete:
        params["importStrategy"] = "DELETE"
    headers = {
        "Authorization": f"ApiToken {token(config)}",
        "Accept": "application/json",
        "Accept-Encoding": "identity",  # bytes read are bytes kept: no inflating
    }
    deadline = time.monotonic() + TIMEOUT
    try:
        with requests.post(
            url, params=params, json=body, headers=headers, timeout=TIMEOUT, stream=True
        ) as response:
            if response.status_code in (401, 403):
                raise Dhis2Error(
                    _("DHIS2 refused the token (check token_file and its permissions)")
                )
            data = read_answer(response, deadline)
    except requests.Timeout:
        raise too_slow() from None
    except requests.RequestException:
        raise unreachable() from None
    try:
        answer = json.loads(data)
    except ValueError:
        raise Dhis2Error(
            _(
                "DHIS2 answered HTTP %(status)s with something that is not an import summary "
                "(a web page?): check the url"
            )
            % {"status": response.status_code}
        ) from None
    return summary(answer, response.status_code)


def too_slow() -> Dhis2Error:
    return Dhis2Error(_("DHIS2 did not answer within %(seconds)s seconds") % {"seconds": TIMEOUT})


def unreachable() -> Dhis2Error:
    return Dhis2Error(_("DHIS2 could not be reached at the configured address"))


def read_answer(response: requests.Response, deadline: float) -> bytes:
    """The answer's body, at most MAX_ANSWER_BYTES of it and read before ``deadline``:
    a huge answer or one dripped a byte at a time fails instead of filling the memory
    or holding the push (each read returns what has arrived, so the clock is checked)."""
    body = bytearray()
    try:
        while chunk := response.raw.read1(64 * 1024, decode_content=False):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise Dhis2Error(
                    _("DHIS2 answered more than %(mb)s MB: check the url")
                    % {"mb": MAX_ANSWER_BYTES // (1024 * 1024)}
                )
            if time.monotonic() > deadline:
                raise too_slow()
    except urllib3.exceptions.ReadTimeoutError:
        raise too_slow() from None
    except (urllib3.exceptions.HTTPError, OSError):
        raise unreachable() from None
    return bytes(body)


def summary(answer: Any, status: int) -> Result:
    """The import summary, whether wrapped in a web message (DHIS2 2.38 and later:
    ``{"response": {"responseType": "ImportSummary", ...}}``) or bare (older)."""
    if not isinstance(answer, dict):
        raise Dhis2Error(
            _("DHIS2 answered HTTP %(status)s without an import summary") % {"status": status}
        )
    found = answer.get("response") if isinstance(answer.get("response"), dict) else answer
    counts = found.get("importCount")
    if not isinstance(counts, dict):
        message = str(answer.get("message") or "")[:200]
        raise Dhis2Error(
            _("DHIS2 answered HTTP %(status)s without an import summary") % {"status": status}
            + (f" {message}" if message else "")
        )
    conflicts = []
    for conflict in found.get("conflicts") or []:
        if isinstance(conflict, dict):
            conflicts.append(f"{conflict.get('object', '')}: {conflict.get('value', '')}"[:300])
    result = Result(
        imported=int(counts.get("imported", 0)),
        updated=int(counts.get("updated", 0)),
        ignored=int(counts.get("ignored", 0)),
        deleted=int(counts.get("deleted", 0)),
        conflicts=conflicts,
    )
    if status >= 400 and not conflicts:
        raise Dhis2Error(_("DHIS2 refused the import (HTTP %(status)s)") % {"status": status})
    return result


def previously_sent(organisation: Organisation, period: str) -> set[tuple]:
    last = (
        Dhis2Push.objects.filter(organisation=organisation, period=period, dry_run=False, ok=True)
        .order_by("-pushed_on")
        .first()
    )
    return {tuple(row) for row in last.sent} if last else set()


def push(organisation: Organisation, period: str, dry_run: bool = False) -> Result:
    """Send the period's external figures; delete those withheld since the last push."""
    period_days(period)
    config = organisation.settings.get("dhis2")
    if not config:
        raise Dhis2Error(_("this organisation has no dhis2 section in its provisioning file"))
    rows = values(organisation, config, period)
    stale = previously_sent(organisation, period) - set(rows)
    record = Dhis2Push(organisation=organisation, period=period, dry_run=dry_run)
    before = sorted(map(list, previously_sent(organisation, period)))
    try:
        result = post(config, payload(config, period, rows), dry_run, delete=False)
    except Dhis2Error as error:
        record.summary, record.sent = {"error": str(error)}, before
        record.save()
        raise
    record.sent = sorted([list(r) for r in rows])
    if stale:
        try:
            gone = post(config, payload(config, period, dict.fromkeys(stale, "0")), dry_run, True)
        except Dhis2Error as error:
            # Kept as sent, so that the next push deletes them again.
            record.sent = sorted([list(r) for r in set(rows) | stale])
            message = _(
                "the values were sent, but those withheld since were not deleted: %(error)s"
            ) % {"error": error}
            record.summary = {"error": message}
            record.save()
            raise Dhis2Error(message) from None
        result.deleted += gone.deleted
        result.conflicts += gone.conflicts
    record.ok = not result.conflicts
    record.summary = {**result.__dict__}
    record.save()
    return result
