"""What a session does when the walk ends on an act: each reuses what the same request
by SMS does (HELP's alert, JOIN's registration, the referrals' list, the credential
check, the rights text), and returns the last screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haki.cases.models import Case, ViolationType
from haki.core.models import Area
from haki.credentials import sms as credentials_sms
from haki.crisis import alerts
from haki.crisis.models import Alert
from haki.messaging import keywords
from haki.messaging.handlers import Context, join
from haki.messaging.keywords import Match
from haki.messaging.models import Msg
from haki.messaging.texts import queue_text, render
from haki.referrals.models import ServiceKind
from haki.referrals.sms import nearest_listed
from haki.surveys.models import InfoText
from haki.surveys.sending import send_info
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
    """The organisation's rights text, by SMS as its keyword brings it: it is longer
    than a screen, and stays."""
    info = InfoText.rights_of(visit.organisation)
    if info is None or not send_info(
        info,
        visit.organisation,
        visit.phone,
        visit.language,
        member=visit.member,
        channel=visit.channel,
    ):
        return str(screens.NOT_AVAILABLE)
    return str(screens.SMS_SENT)


def check(visit: Visit, data: dict[str, Any]) -> str:
    """The answer of CHECK <code>, shown on the screen; failures count against the
    number as they do by SMS, and a number refused is told so."""
    org = visit.organisation
    index = org.keyring.index(visit.phone)
    found = credentials_sms.answer(org, index, data.get("typed", ""), visit.language, "USSD")
    key, values = found or ("credential.limit", {})
    return render(org, key, visit.language, **values)


def register(visit: Visit, data: dict[str, Any]) -> str:
    """JOIN itself, with the chosen area's code: a member in that area, welcomed by
    SMS."""
    org = visit.organisation
    area = Area.objects.filter(organisation=org, pk=data.get("area")).first()
    if area is None:
        return str(screens.NOT_AVAILABLE)
    msg = Msg(organisation=org, channel=visit.channel, direction=Msg.Direction.IN)
    msg.phone = visit.phone
    words = Match("join", visit.language, "", keywords.normalise(area.code))
    context = Context(msg, org, visit.member, words)
    join(context)
    visit.member = context.member
    return str(screens.REGISTERED if visit.member else screens.NOT_AVAILABLE)


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
