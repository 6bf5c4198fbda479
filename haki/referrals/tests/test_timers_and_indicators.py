"""Unattended referrals are reminded once, then expire; the indicators count them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from haki.messaging.models import Msg
from haki.referrals import indicators, timers
from haki.referrals.models import EntitlementApplication, Referral


def refer(network, services, person="rose", ago_days=0, **values) -> Referral:
    referral = Referral.make(
        network.org,
        services["clinic"],
        member=network.members[person],
        referrer_type=values.pop("referrer_type", Referral.Referrer.STAFF),
        requested_on=timezone.now() - timedelta(days=ago_days),
        **values,
    )
    return referral


def slips_to(network, person) -> list[str]:
    return list(
        Msg.objects.filter(
            organisation=network.org, direction="out", phone_index=person.phone_index
        ).values_list("template", flat=True)
    )


def test_an_unattended_referral_is_reminded_once_then_expires(network, services):
    network.org.settings = {"referral_expiry_days": 10}
    network.org.save()
    referral = refer(network, services, ago_days=9)
    assert timers.sweep() == (1, 0)
    assert timers.sweep() == (0, 0)  # one reminder only
    assert slips_to(network, network.members["rose"]) == ["referral.reminder"]
    Referral.objects.filter(pk=referral.pk).update(requested_on=timezone.now() - timedelta(days=11))
    Referral.objects.filter(pk=referral.pk).update(expires_on=timezone.now() - timedelta(minutes=1))
    assert timers.sweep() == (0, 1)
    referral.refresh_from_db()
    assert referral.status == "cancelled" and referral.cancel_reason == "expired"
    assert referral.cancelled_on is not None


def test_a_completed_referral_is_neither_reminded_nor_expired(network, services):
    referral = refer(network, services, ago_days=30)
    referral.move(Referral.Status.COMPLETED, "test")
    assert timers.sweep() == (0, 0)
    assert Referral.objects.get(pk=referral.pk).status == "completed"


def test_the_indicators_move_when_a_referral_is_completed(network, services):
    start, end = timezone.now() - timedelta(days=60), timezone.now() + timedelta(days=1)
    org = network.org
    first = refer(network, services, ago_days=40)
    refer(network, services, person="lily", ago_days=5)
    assert indicators.referrals_made(org, start, end) == 2
    assert indicators.referrals_completed_pct(org, start, end) == 0
    first.move(Referral.Status.COMPLETED, "test")
    assert indicators.referrals_completed_pct(org, start, end) == 50.0
    assert indicators.referrals_attended_within_7_days(org, start, end) == 0
    assert indicators.referrals_attended_within_30_days(org, start, end) == 0
    assert indicators.referrals_median_days(org, start, end) == 40.0
    assert indicators.referrals_made(org, start, end, area=network.areas["east"]) == 0
    by_kind = indicators.referrals_by(org, start, end, "kind__key")
    assert by_kind == [{"group": "drop_in", "made": 2, "completed": 1}]


def test_police_referrals_completed_counts_only_police_codes(network, services):
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    police = refer(network, services, referrer_type=Referral.Referrer.POLICE)
    staff = refer(network, services, person="lily")
    staff.move(Referral.Status.COMPLETED, "test")
    assert indicators.police_referrals_completed(network.org, start, end) == 0
    police.move(Referral.Status.COMPLETED, "test")
    assert indicators.police_referrals_completed(network.org, start, end) == 1


def test_a_completed_police_referral_reaches_the_partnership_hook(network, services):
    from haki.referrals import hooks

    heard = []
    hooks.on_police_referral_completed(heard.append)
    try:
        police = refer(network, services, referrer_type=Referral.Referrer.POLICE)
        police.move(Referral.Status.COMPLETED, "test")
    finally:
        hooks.POLICE_REFERRAL_COMPLETED.remove(heard.append)
    assert heard == [police]


def test_entitlements_applied_and_granted_follow_the_status_history(network):
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    application = EntitlementApplication.objects.create(
        organisation=network.org, member=network.members["rose"], kind="ration_card"
    )
    assert indicators.entitlements_applied(network.org, start, end) == 0
    application.change_status("submitted", "test")
    application.change_status("raised", "test")
    assert indicators.entitlements_applied(network.org, start, end) == 1
    assert indicators.entitlements_granted(network.org, start, end) == 0
    application.change_status("granted", "test")
    assert indicators.entitlements_granted(network.org, start, end) == 1
    assert [h.status for h in application.history.all()] == ["submitted", "raised", "granted"]


def test_a_status_change_is_texted_only_with_the_members_consent(network):
    rose = network.members["rose"]
    application = EntitlementApplication.objects.create(
        organisation=network.org, member=rose, kind="voter_id"
    )
    application.change_status("submitted", "test")
    assert "entitlement.status" not in slips_to(network, rose)
    application.texts_consented_on = timezone.localdate()
    application.save()
    application.change_status("granted", "test")
    assert slips_to(network, rose).count("entitlement.status") == 1
