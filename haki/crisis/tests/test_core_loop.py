"""The core loop by SMS: raise, route, take, close, escalate."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone, translation

from haki.crisis import alerts, duty
from haki.crisis.models import Alert, AlertEvent, RosterShift


def only_alert(network) -> Alert:
    (alert,) = Alert.objects.filter(organisation=network.org)
    return alert


def kinds(alert: Alert) -> list[str]:
    return list(alert.events.values_list("kind", flat=True))


def test_help_reaches_every_on_duty_first_tier_responder_of_the_area(network):
    rose, r = network.members["rose"], network.responders
    network.text(rose.phone, "help central station")
    alert = only_alert(network)
    assert alert.area == network.areas["central"] and alert.words == "central station"
    assert set(alert.recipients.values_list("responder__name_sealed", flat=True)) == {
        r["amani"].name_sealed,
        r["baraka"].name_sealed,
    }
    (to_amani,) = network.texts_to(r["amani"])
    assert alert.reference in to_amani.text and "Rose" in to_amani.text
    assert "Kisumu Central" in to_amani.text and "central station" in to_amani.text
    assert rose.phone in to_amani.text  # Rose agreed to share her number
    assert network.texts_to(r["wakili"]) == []  # the next tier waits for the timeout
    (to_rose,) = network.texts_to(rose)
    assert to_rose.template == "alert.member" and to_rose.language == "sw"


def test_the_number_is_left_out_without_consent_and_references_are_unambiguous(network):
    lily = network.members["lily"]
    network.text(lily.phone, "HELP")
    alert = only_alert(network)
    (to_amani,) = network.texts_to(network.responders["amani"])
    assert lily.phone not in to_amani.text and "190100002" not in to_amani.text
    assert len(alert.reference) == 4 and not set(alert.reference) & set("01OI")


def test_with_nobody_on_duty_in_the_area_the_alert_walks_up_the_tree(network):
    iris, r = network.members["iris"], network.responders
    r["baraka"].on_duty = False
    r["baraka"].save()
    root_paralegal = r["chiku"]  # move Chiku to the root area, on duty
    root_paralegal.areas.set([network.areas["root"]])
    root_paralegal.on_duty = True
    root_paralegal.save()
    network.text(iris.phone, "help")
    alert = only_alert(network)
    assert [rec.responder for rec in alert.recipients.all()] == [root_paralegal]


def test_a_tier_with_nobody_on_duty_anywhere_passes_to_the_next(network):
    r = network.responders
    for name in ("amani", "baraka"):
        r[name].on_duty = False
        r[name].save()
    network.text(network.members["lily"].phone, "help")
    alert = only_alert(network)
    assert [rec.responder for rec in alert.recipients.all()] == [r["wakili"]]
    assert AlertEvent.Kind.NOBODY in kinds(alert)


def test_a_second_call_within_ten_minutes_joins_the_open_alert(network):
    rose = network.members["rose"]
    network.text(rose.phone, "help")
    network.text(rose.phone, "msaada they took my phone")
    alert = only_alert(network)
    assert "they took my phone" in alert.words
    assert alert.recipients.count() == 2  # nobody is texted twice
    assert AlertEvent.Kind.JOINED in kinds(alert)


def test_a_members_own_codeword_raises_an_alert_discreetly(network):
    rose = network.members["rose"]
    network.text(rose.phone, "Mama, near the bus park")
    alert = only_alert(network)
    assert alert.member == rose and alert.words == "near the bus park"
    network.text(network.members["lily"].phone, "mama")  # not Lily's codeword
    assert Alert.objects.count() == 1


def test_a_codeword_of_several_words_is_not_kept_in_the_alerts_words(network):
    rose = network.members["rose"]
    rose.codewords = ["velvet moth"]
    rose.save()
    network.text(rose.phone, "Velvet-moth, at the gate")
    assert only_alert(network).words == "at the gate"


def test_the_first_ack_takes_it_and_everyone_concerned_is_told(network):
    rose, r = network.members["rose"], network.responders
    network.text(rose.phone, "help")
    alert = only_alert(network)
    before = {name: network.texts_to(r[name])[-1] for name in ("amani", "baraka")}
    ack = network.text(r["baraka"].phone, f"ack {alert.reference.lower()}")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == r["baraka"]
    (to_amani,) = network.texts_to(r["amani"], since=before["amani"])
    assert to_amani.template == "ack.others" and "Baraka" in to_amani.text
    (confirm,) = network.texts_to(r["baraka"], since=before["baraka"])
    assert confirm.template == "ack.confirm" and rose.phone in confirm.text
    assert network.texts_to(rose, since=ack)[0].template == "ack.member"
    late = network.text(r["amani"].phone, f"ACK {alert.reference}")
    (answer,) = network.texts_to(r["amani"], since=late)
    assert answer.template == "ack.taken" and "Baraka" in answer.text


def test_ok_takes_the_latest_alert_sent_to_the_responder(network):
    network.text(network.members["rose"].phone, "help")
    network.text(network.responders["amani"].phone, "OK")
    assert only_alert(network).acknowledged_by == network.responders["amani"]


def test_a_responder_who_was_not_alerted_cannot_take_it(network):
    network.text(network.members["rose"].phone, "help")
    alert = only_alert(network)
    late = network.text(network.responders["wakili"].phone, f"ACK {alert.reference}")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert (
        network.texts_to(network.responders["wakili"], since=late)[0].template == "ack.not_alerted"
    )


def test_done_closes_with_the_outcome_and_a_complete_timeline(network):
    rose, amani = network.members["rose"], network.responders["amani"]
    network.text(rose.phone, "help at the station")
    alert = only_alert(network)
    network.text(amani.phone, f"ACK {alert.reference}")
    done = network.text(amani.phone, f"DONE {alert.reference} released on bond")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED and alert.outcome == "released on bond"
    assert kinds(alert) == ["raised", "texted", "texted", "acknowledged", "closed"]
    assert network.texts_to(rose, since=done)[0].template == "done.member"
    assert network.texts_to(amani, since=done)[0].template == "done.confirm"
    assert "released on bond" not in alert.outcome_sealed


def test_swahili_and_russian_are_understood_and_answered_in_the_members_language(network):
    rose, vera = network.members["rose"], network.members["vera"]
    network.text(rose.phone, "Msaada!")
    network.text(vera.phone, "помощь у рынка")
    assert Alert.objects.count() == 2
    assert Alert.objects.get(member=vera).words == "у рынка"
    for person, language in ((rose, "sw"), (vera, "ru")):
        (confirmation,) = network.texts_to(person)
        with translation.override(language):
            expected = translation.gettext("Received. Someone will contact you soon.")
        assert confirmation.language == language and confirmation.text == expected
        assert expected != "Received. Someone will contact you soon."


def escalate_now(alert: Alert) -> str:
    Alert.objects.filter(pk=alert.pk).update(next_escalation_on=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        return alerts.escalate(alert.pk)


def test_unanswered_alerts_climb_the_tiers_and_skip_police_without_consent(network):
    r = network.responders
    network.text(network.members["rose"].phone, "help")
    alert = only_alert(network)
    assert escalate_now(alert) == "escalated"
    assert network.texts_to(r["wakili"])[0].template == "alert.responder"
    escalate_now(alert)
    assert network.texts_to(r["dalili"])[0].template == "alert.responder"
    escalate_now(alert)  # police ally next, but Rose did not consent: coordinators again
    assert network.texts_to(r["eshe"]) == []
    assert len(network.texts_to(r["dalili"])) == 2
    escalate_now(alert)
    assert len(network.texts_to(r["dalili"])) == 3  # every timeout until someone answers


def test_with_consent_the_police_ally_is_reached(network):
    network.text(network.members["lily"].phone, "help")
    alert = only_alert(network)
    for _ in range(3):
        escalate_now(alert)
    assert network.texts_to(network.responders["eshe"])[0].template == "alert.responder"


def test_an_escalation_rechecks_the_alert_when_it_fires(network):
    network.text(network.members["rose"].phone, "help")
    alert = only_alert(network)
    assert alerts.escalate(alert.pk) == "not yet"  # deadline not reached
    network.text(network.responders["amani"].phone, "OK")
    assert escalate_now(alert) == "nothing to do"  # taken meanwhile
    assert network.texts_to(network.responders["wakili"]) == []


def test_on_and_off_by_text_change_duty(network):
    chiku = network.responders["chiku"]
    network.text(chiku.phone, "on")
    chiku.refresh_from_db()
    assert chiku.on_duty
    network.text(chiku.phone, "Off")
    chiku.refresh_from_db()
    assert not chiku.on_duty
    assert [m.template for m in network.texts_to(chiku)] == ["duty.on", "duty.off"]


def test_a_weekly_roster_puts_responders_on_and_off_duty(network):
    chiku = network.responders["chiku"]
    monday_9 = timezone.datetime(2026, 11, 23, 9, 0, tzinfo=network.org.tzinfo)
    RosterShift.objects.create(responder=chiku, weekday=0, starts="08:00", ends="17:00")
    assert duty.apply_rosters(monday_9) == 1
    chiku.refresh_from_db()
    assert chiku.on_duty
    duty.apply_rosters(monday_9 + timedelta(hours=9))
    chiku.refresh_from_db()
    assert not chiku.on_duty


def test_areas_with_nobody_on_duty_are_flagged(network):
    assert duty.uncovered_areas(network.org) == []
    for person in network.responders.values():
        person.on_duty = False
        person.save()
    assert len(duty.uncovered_areas(network.org)) == 3


def test_an_unregistered_caller_is_someone_in_each_responders_language(network):
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert, _ = alerts.raise_alert(
            network.org, area=network.areas["central"], source=Alert.Source.HOTLINE
        )
    english = network.texts_to(network.responders["baraka"])[-1].text
    swahili = network.texts_to(network.responders["amani"])[-1].text
    assert english.startswith(f"{alert.reference}: someone needs help in Kisumu Central.")
    assert swahili.startswith(f"{alert.reference}: mtu fulani ")
    assert "?" not in english + swahili
