"""Referrals by SMS: slips, SEEN, REFER, members asking, and wrong codes."""

from __future__ import annotations

from haki.core.models import AuditEvent
from haki.messaging.models import Msg
from haki.referrals import sms
from haki.referrals.models import CodeFailure, Referral
from haki.referrals.tests.conftest import responder, service


def last_text_to(net, phone: str) -> Msg:
    index = net.org.keyring.index(phone)
    return (
        Msg.objects.filter(organisation=net.org, direction="out", phone_index=index)
        .order_by("pk")
        .last()
    )


def test_a_slip_names_the_place_and_code_in_the_members_language_and_never_why(network, services):
    person = network.members["rose"]  # reads Swahili
    referral = Referral.make(
        network.org,
        services["clinic"],
        member=person,
        referrer_type=Referral.Referrer.STAFF,
        reason="after the arrest on Friday",
    )
    assert sms.send_slip(referral)
    slip = last_text_to(network, person.phone)
    assert referral.code in slip.text and "Lake Clinic" in slip.text
    assert "arrest" not in slip.text
    assert slip.language == "sw" and slip.text.startswith("Namba yako")


def test_seen_from_a_confirming_number_completes_the_referral(network, services):
    person = next(iter(network.members.values()))
    referral = Referral.make(
        network.org, services["clinic"], member=person, referrer_type=Referral.Referrer.STAFF
    )
    network.text("+254190500001", f"seen {referral.code.lower()}")
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.completed_on is not None
    assert referral.code in last_text_to(network, "+254190500001").text


def test_seen_from_another_services_number_changes_nothing_and_gets_a_neutral_reply(
    network, services
):
    person = next(iter(network.members.values()))
    referral = Referral.make(
        network.org, services["clinic"], member=person, referrer_type=Referral.Referrer.STAFF
    )
    network.text("+254190500002", f"SEEN {referral.code}")
    referral.refresh_from_db()
    assert referral.status == "requested"
    reply = last_text_to(network, "+254190500002")
    assert reply.text == "That code cannot be used."


def test_a_used_code_cannot_be_confirmed_twice(network, services):
    person = next(iter(network.members.values()))
    referral = Referral.make(
        network.org, services["clinic"], member=person, referrer_type=Referral.Referrer.STAFF
    )
    network.text("+254190500001", f"SEEN {referral.code}")
    completed_on = Referral.objects.get(pk=referral.pk).completed_on
    network.text("+254190500001", f"SEEN {referral.code}")
    assert Referral.objects.get(pk=referral.pk).completed_on == completed_on
    assert last_text_to(network, "+254190500001").text == "That code cannot be used."


def test_a_number_guessing_codes_is_throttled_and_audited(network, services):
    person = next(iter(network.members.values()))
    referral = Referral.make(
        network.org, services["clinic"], member=person, referrer_type=Referral.Referrer.STAFF
    )
    for guess in range(sms.FAILURE_LIMIT):
        network.text("+254190500001", f"SEEN XX{guess}")
    replies = Msg.objects.filter(
        organisation=network.org,
        direction="out",
        phone_index=network.org.keyring.index("+254190500001"),
    ).count()
    network.text("+254190500001", f"SEEN {referral.code}")  # right code, but blocked
    referral.refresh_from_db()
    assert referral.status == "requested"
    assert (
        Msg.objects.filter(
            organisation=network.org,
            direction="out",
            phone_index=network.org.keyring.index("+254190500001"),
        ).count()
        == replies
    )
    failure = CodeFailure.objects.get(organisation=network.org)
    assert failure.blocked_until is not None
    assert (
        AuditEvent.objects.filter(
            object_type="referrals.codefailure", object_ref=str(failure.pk)
        ).count()
        == sms.FAILURE_LIMIT
    )


def test_a_police_ally_gets_a_code_for_the_nearest_service_and_no_identity_is_kept(
    network, services
):
    officer = responder(
        network.org, "Sgt", "+254190600001", "police_ally", [network.areas["east"]], language="ru"
    )
    network.text(officer.phone, "Направить метадон")
    referral = Referral.objects.get(organisation=network.org)
    assert referral.referrer_type == "police" and referral.member is None
    assert referral.service == services["msat"] and not referral.phone_sealed
    reply = last_text_to(network, officer.phone)
    assert referral.code in reply.text and "East MAT" in reply.text and reply.language == "ru"


def test_refer_names_an_area_and_walks_up_the_tree(network, services):
    officer = responder(network.org, "Cpl", "+254190600002", "police_ally", [network.areas["east"]])
    network.text(officer.phone, "REFER lawyer KSM-C")
    referral = Referral.objects.get(organisation=network.org)
    assert referral.service == services["legal"]  # listed at KSM, above KSM-C
    assert referral.area == network.areas["central"]


def test_refer_from_a_number_that_is_no_responder_creates_nothing(network, services):
    network.text("+254190699999", "REFER TB")
    assert not Referral.objects.exists()


def test_a_member_asking_for_a_clinic_gets_the_nearest_with_codes_then_refers_herself(
    network, services
):
    person = next(iter(network.members.values()))
    person.area = network.areas["central"]
    person.language = "en"
    person.save()
    network.text(person.phone, "clinic")
    answer = last_text_to(network, person.phone)
    assert services["clinic"].code in answer.text and "Lake Clinic" in answer.text
    network.text(person.phone, services["clinic"].code.lower())
    referral = Referral.objects.get(organisation=network.org)
    assert referral.referrer_type == "self" and referral.member == person
    assert referral.code in last_text_to(network, person.phone).text


def test_asking_walks_up_the_area_tree_when_nothing_is_near(network, services):
    person = next(iter(network.members.values()))
    person.area = network.areas["east"]
    person.save()
    network.text(person.phone, "WAKILI")
    assert "Haki Legal" in last_text_to(network, person.phone).text


def test_an_opted_out_member_gets_no_slip_she_did_not_ask_for(network, services):
    person = next(iter(network.members.values()))
    person.opt_out()
    referral = Referral.make(
        network.org, services["clinic"], member=person, referrer_type=Referral.Referrer.STAFF
    )
    assert not sms.send_slip(referral)
    assert not Msg.objects.filter(template="referral.slip").exists()
    network.text(person.phone, services["clinic"].code)  # she asks for one herself
    asked = Referral.objects.get(organisation=network.org, referrer_type="self")
    slip = last_text_to(network, person.phone)
    assert slip.template == "referral.slip" and asked.code in slip.text


def test_an_inactive_service_code_is_not_a_referral(network, services):
    clinic = services["clinic"]
    clinic.active = False
    clinic.save()
    person = next(iter(network.members.values()))
    network.text(person.phone, clinic.code)
    assert not Referral.objects.exists()


def test_an_organisations_own_kind_answers_its_own_word(network, services):
    from haki.referrals.models import ServiceKind

    kind = ServiceKind.objects.create(
        organisation=network.org, key="food", name="Food bank", words={"en": ["FOOD"]}
    )
    service(network, "Central Food", "food", "central")
    assert kind.pk
    person = next(iter(network.members.values()))
    person.area = network.areas["central"]
    person.save()
    network.text(person.phone, "food please")
    assert "Central Food" in last_text_to(network, person.phone).text


def test_no_word_of_a_kind_or_of_refer_and_seen_is_another_actions_word():
    from haki.core.words import normalise
    from haki.messaging import keywords

    owners: dict[str, set[str]] = {}
    for action in keywords.ACTIONS.values():
        for words in action.words.values():
            for word in words:
                owners.setdefault(normalise(word), set()).add(action.name)
    for words in [*keywords.YES.values(), *keywords.NO.values()]:
        for word in words:
            owners.setdefault(normalise(word), set()).add("yes/no")
    shared = {word: names for word, names in owners.items() if len(names) > 1}
    assert not shared


def test_someone_unregistered_who_sends_a_code_gets_a_slip_to_that_number(network, services):
    network.text("+254190777001", services["legal"].code)
    referral = Referral.objects.get(organisation=network.org)
    assert referral.member is None and referral.phone == "+254190777001"
    assert referral.code in last_text_to(network, "+254190777001").text
