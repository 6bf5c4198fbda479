"""What a session does when the walk ends on an act: each reuses what the same request
by SMS does (HELP's alert, JOIN's registration, the referrals' list, the credential
check, the rights text), and returns the last screen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.utils import translation

from haki.cases.models import Case, ViolationType
from haki.core.models import Area
from haki.credentials import codes
from haki.credentials.checks import Throttle, check_code, record_failure
from haki.credentials.models import Credential
from haki.crisis import alerts
from haki.crisis.models import Alert
from haki.members.models import Member
from haki.messaging import outbox
from haki.messaging.texts import queue_text, render
from haki.referrals.models import ServiceKind
from haki.referrals.sms import nearest_listed
from haki.surveys.models import InfoText
from haki.ussd import screens
from haki.ussd.menu import Visit, occurred


def get_help(visit: Visit, data: dict[str, Any]) -> str:
    """As HELP does: her area, her consents, her discreet confirmation by SMS; a number
    nobody knows raises one too, with the number to call back."""
    alerts.raise_alert(
        visit.organisation,
        member=visit.member,
        source=Alert.Source.USSD,
        caller="" if visit.member else visit.phone,
        channel=visit.channel,
    )
    return str(screens.HELP_SENT)


def report(visit: Visit, data: dict[str, Any]) -> str:
    """The member's report, with the consents she chose, as a case to review."""
    member = visit.member
    assert member is not None  # only members are offered the report
    org = member.organisation
    violation = ViolationType.objects.filter(organisation=org, pk=data.get("what")).first()
    area = Area.objects.filter(organisation=org, pk=data.get("where")).first() or member.area
    occurred_on, approximate = occurred(org, data.get("when", ""))
    case = Case.report_by_member(
        member,
        violation=violation,
        area=area,
        occurred_on=occurred_on,
        approximate=approximate,
        consent_reports=bool(data.get("reports")),
        consent_police=bool(data.get("police")),
    )
    return str(screens.REPORT_SENT) % {"ref": f"#{case.number}"}


def cancel(visit: Visit, data: dict[str, Any]) -> str:
    return str(screens.NOTHING_SENT)


def services(visit: Visit, data: dict[str, Any]) -> str:
    """The nearest services of the kind chosen, by SMS as the kind's word brings them."""
    org = visit.organisation
    found = ServiceKind.of(org).filter(pk=data.get("kind")).first()
    if found is None:
        return str(screens.NOT_AVAILABLE)
    key, values = nearest_listed(org, found, visit.member.area if visit.member else None)
    _text(visit, key, **values)
    return str(screens.SMS_SENT)


def rights(visit: Visit, data: dict[str, Any]) -> str:
    """The organisation's rights text, by SMS: it is longer than a screen, and stays."""
    info = InfoText.rights_of(visit.organisation)
    text = info.in_language(visit.language) if info else ""
    if not text:
        return str(screens.NOT_AVAILABLE)
    outbox.queue(
        visit.organisation,
        visit.phone,
        text,
        template="info",
        member=visit.member,
        language=visit.language,
        channel=visit.channel,
    )
    return str(screens.SMS_SENT)


def check(visit: Visit, data: dict[str, Any]) -> str:
    """The credential check of CHECK <code>, answered on the screen; failures count
    against the number as they do by SMS."""
    org = visit.organisation
    throttle = Throttle("sms", f"{org.pk}:{org.keyring.index(visit.phone)}")
    if throttle.blocked():
        return render(org, "credential.limit", visit.language)
    code = codes.parse(data.get("typed", ""))
    verdict = check_code(code, org) if code else None
    if verdict is None or not verdict.recognised:
        if record_failure(throttle, "credential check by USSD", org):
            return render(org, "credential.limit", visit.language)
        shown = codes.display(code) if code else data.get("typed", "")[:12]
        return render(org, "credential.unknown", visit.language, code=shown)
    with translation.override(visit.language):
        role = str(Credential.Role(verdict.role).label)
    return render(
        org,
        f"credential.{verdict.status}",
        visit.language,
        code=codes.display(verdict.code),
        name=verdict.organisation,
        role=role,
        until=verdict.valid_until.isoformat(),
        since=verdict.valid_from.isoformat(),
    )


def register(visit: Visit, data: dict[str, Any]) -> str:
    """As JOIN does: a member in the chosen area, welcomed by SMS."""
    org = visit.organisation
    area = Area.objects.filter(organisation=org, pk=data.get("area")).first()
    if area is None:
        return str(screens.NOT_AVAILABLE)
    member = Member(
        organisation=org,
        area=area,
        language=org.default_language,
        alias=f"member-{uuid.uuid4().hex[:6]}",
    )
    member.phone = visit.phone
    member.save()
    visit.member = member
    _text(visit, "join.welcome")
    return str(screens.REGISTERED)


def _text(visit: Visit, key: str, **values: object) -> None:
    queue_text(
        visit.organisation,
        visit.phone,
        key,
        visit.language,
        member=visit.member,
        channel=visit.channel,
        **values,
    )


ACTS: dict[str, Callable[[Visit, dict[str, Any]], str]] = {
    "help": get_help,
    "report": report,
    "cancel": cancel,
    "services": services,
    "rights": rights,
    "check": check,
    "register": register,
}
