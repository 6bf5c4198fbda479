"""Police allies in an alert's escalation: the focal point of the member's area first,
then the other police allies there; never any police without the member's consent."""

import io
from importlib import resources

import pytest
from django.test import TestCase
from django.utils import timezone

from haki import provisioning
from haki.core.importing import run_import
from haki.crisis import alerts
from haki.crisis.models import Alert, Responder
from haki.members.models import Member
from haki.messaging.models import Msg

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()
OTHER_OFFICER = (
    "service_number,station,phone,posted_on\nDEMO-1009,KSM-DC,+254190000019,2025-01-01\n"
)


def escalate_now(alert: Alert) -> None:
    Alert.objects.filter(pk=alert.pk).update(next_escalation_on=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        alerts.escalate(alert.pk)


def texted(org, phone: str) -> int:
    index = org.keyring.index(phone)
    return Msg.objects.filter(
        organisation=org, direction="out", phone_index=index, template="alert.responder"
    ).count()


@pytest.fixture
def demo(db):
    org, _ = provisioning.apply(provisioning.load(DEMO))
    run_import("officers", org, io.BytesIO(OTHER_OFFICER.encode()), "o.csv", "tester")
    Responder.objects.filter(organisation=org, tier="police_ally").update(on_duty=True)
    return org


def raise_for(org, alias: str) -> Alert:
    member = Member.objects.get(organisation=org, alias=alias)
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert, _new = alerts.raise_alert(org, member=member)
    return alert


FOCAL, OTHER = "+254190000009", "+254190000019"


def test_an_unanswered_alert_reaches_the_focal_point_before_other_police_allies(demo):
    alert = raise_for(demo, "Lily")  # she agreed to referral to police allies
    for _ in range(3):  # paralegals, lawyer, coordinator: nobody answers
        escalate_now(alert)
    assert (texted(demo, FOCAL), texted(demo, OTHER)) == (1, 0)
    escalate_now(alert)  # the focal point did not answer either
    assert (texted(demo, FOCAL), texted(demo, OTHER)) == (1, 1)
    alert.refresh_from_db()
    assert alert.tier == "police_ally" and alert.tier_step == 1


def test_no_police_ally_is_texted_without_the_members_consent(demo):
    alert = raise_for(demo, "Rose")  # no consent to police referral
    for _ in range(6):
        escalate_now(alert)
    assert (texted(demo, FOCAL), texted(demo, OTHER)) == (0, 0)
