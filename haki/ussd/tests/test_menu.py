"""The USSD menu as Africa's Talking drives it: form posts to /c/at/<uuid>/ussd, each
holding every answer so far, answered CON (a question) or END (the last screen)."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from conftest import verified_client
from haki.cases.models import Case, ViolationType
from haki.core.models import AuditEvent
from haki.credentials.checks import Throttle
from haki.crisis.models import Alert
from haki.messaging.models import Channel, Msg
from haki.messaging.tests.test_router import replies_to, text_in
from haki.messaging.texts import render
from haki.referrals.models import Service, ServiceKind
from haki.surveys.models import InfoText
from haki.tests.services import writes_from_two_connections
from haki.ussd import screens
from haki.ussd.menu import cut
from haki.ussd.models import Session

pytestmark = pytest.mark.django_db


def at_channel(org, **extra) -> Channel:
    channel = Channel(organisation=org, type="at", name="AT", address="20100")
    channel.configure(
        {"username": "sandbox", "api_key": "at-key", "send_url": "http://127.0.0.1:9/", **extra}
    )
    channel.save()
    return channel


class Phone:
    """One dialling of the service code: each press sends every answer so far."""

    def __init__(self, channel: Channel, number: str, session_id: str = "ATUid_1"):
        self.client, self.channel, self.number = Client(), channel, number
        self.session_id, self.answers = session_id, []

    def post(self, text: str, **extra):
        form = {
            "sessionId": self.session_id,
            "serviceCode": "*384*21478#",
            "phoneNumber": self.number,
            "networkCode": "63902",
            "text": text,
            **extra,
        }
        return self.client.post(
            f"/c/at/{self.channel.uuid}/ussd",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",  # as Africa's Talking posts
        )

    def dial(self) -> str:
        return self.screen("")

    def press(self, answer: str) -> str:
        self.answers.append(answer)
        return self.screen("*".join(self.answers))

    def screen(self, text: str) -> str:
        response = self.post(text)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        body = response.content.decode()
        assert body[:4] in ("CON ", "END ")
        assert len(body) - 4 <= screens.LIMIT
        return body


def said(message, language: str, **values) -> str:
    with translation.override(language):
        text = str(message)
    return text % values if values else text


@pytest.fixture
def kenya(world):
    a = world["a"]
    # The fixture's alert is an hour old: a new call for help opens its own.
    Alert.objects.filter(pk=a.alert.pk).update(raised_on=timezone.now() - timedelta(hours=1))
    a.channel = at_channel(a.org)
    return a


@pytest.fixture
def kyrgyzstan(world):
    b = world["b"]
    b.org.languages = ["ru", "ky", "en"]
    b.org.save()
    b.member.language = "ru"
    b.member.save()
    b.channel = at_channel(b.org)
    return b


def test_a_whole_help_session_in_swahili_raises_the_alert_once(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    first = phone.dial()
    assert first.startswith("CON Portal\n1 ")  # the neutral name, nothing about the purpose
    assert said(screens.GET_HELP, "sw") in first
    ended = phone.press("1")
    assert ended == "END " + said(screens.HELP_SENT, "sw")
    alert = Alert.objects.exclude(pk=kenya.alert.pk).get(organisation=kenya.org)
    assert alert.source == Alert.Source.USSD
    assert alert.member == kenya.member and alert.area == kenya.member.area
    texts = Msg.objects.filter(direction=Msg.Direction.OUT, channel=kenya.channel)
    responder = kenya.responder.phone_index
    assert texts.filter(template="alert.responder", phone_index=responder).exists()
    confirmation = texts.get(template="alert.member")
    assert confirmation.language == "sw" and confirmation.member == kenya.member
    # The network repeats the request: the same screen, no second alert, no second text.
    assert phone.screen("1") == ended
    assert Alert.objects.filter(organisation=kenya.org, source="ussd").count() == 1
    assert texts.filter(template="alert.member").count() == 1


def test_a_whole_report_in_russian_becomes_a_case_to_review(kyrgyzstan):
    org, member = kyrgyzstan.org, kyrgyzstan.member
    phone = Phone(kyrgyzstan.channel, member.phone)
    assert said(screens.REPORT, "ru") in phone.dial()
    what = phone.press("2")
    arrest = ViolationType.objects.get(organisation=org, key="arbitrary_arrest")
    with translation.override("ru"):
        assert f"2 {arrest.display_label}" in what
    where = phone.press("2")
    assert f"1 {member.area.name}" in where
    phone.press("1")  # her own area
    phone.press("2")  # yesterday
    confirm = phone.press("1")  # in reports and with police
    assert said(screens.ASK_SEND, "ru") in confirm
    assert not Case.objects.filter(organisation=org, source="ussd").exists()  # not before
    ended = phone.press("1")
    case = Case.objects.get(organisation=org, source=Case.Source.USSD)
    assert ended == "END " + said(screens.REPORT_SENT, "ru", ref=f"#{case.number}")
    assert case.status == Case.Status.TO_REVIEW and case.member == member
    assert case.place == "" and case.perpetrator == ""
    assert list(case.violations.all()) == [arrest] and case.area == member.area
    assert case.occurred_on == timezone.now().astimezone(org.tzinfo).date() - timedelta(days=1)
    assert case.consent_reports and case.consent_police
    # A late copy of an earlier request, and of the last one: answered, nothing redone.
    assert said(screens.ASK_WHERE, "ru") in phone.screen("2*2")
    assert phone.screen("2*2*1*2*1*1") == ended
    assert Case.objects.filter(organisation=org, source="ussd").count() == 1


def test_a_member_who_hangs_up_or_cancels_leaves_no_case(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    for answer in ["", "2", "1", "1", "1", "3"]:
        phone.press(answer) if answer else phone.dial()
    assert not Case.objects.filter(source="ussd").exists()  # hung up at "send it?"
    assert phone.press("2") == "END " + said(screens.NOTHING_SENT, "sw")
    assert not Case.objects.filter(source="ussd").exists()


def test_a_wrong_number_asks_again_and_shows_the_same_choices(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    first = phone.dial()
    again = phone.press("9")
    assert again.startswith("CON " + said(screens.CHOOSE_AGAIN, "sw"))
    assert again.split("\n", 1)[1] == first.split("\n", 1)[1]  # the same choices
    phone.answers = ["9"]
    assert said(screens.ASK_WHAT, "sw") in phone.press("2")  # the 9 is passed over


@pytest.mark.parametrize("text", ["*" * 500, "1*abc", "ÿ", "1" * 300, "2*1*1*1*1*1*1*1*1*1*1*1*1"])
def test_unreadable_answers_end_with_a_neutral_sentence(kenya, text):
    response = Phone(kenya.channel, kenya.member.phone).post(text)
    assert response.status_code == 200
    assert response.content.decode() == "END " + said(screens.UNREADABLE, "sw")
    assert not Case.objects.filter(source="ussd").exists()
    assert not Alert.objects.filter(source="ussd").exists()


def test_forged_requests_are_refused_as_for_texts(kenya, world):
    protected = at_channel(kenya.org, secret="s3cret")
    assert Phone(protected, kenya.member.phone).post("1").status_code == 403
    assert Phone(protected, kenya.member.phone).post("1", secret="wrong").status_code == 403
    assert Phone(protected, kenya.member.phone).post("", secret="s3cret").status_code == 200
    kannel = world["a"].channel  # a Kannel channel has no USSD
    response = Client().post(f"/c/kn/{kannel.uuid}/ussd", {"sessionId": "x"})
    assert response.status_code == 404
    unknown = Client().post("/c/at/6f1c8a46-0d4f-4c3e-9d38-5a8f8f1d2c11/ussd", {"text": ""})
    assert unknown.status_code == 404
    assert not Alert.objects.filter(source="ussd").exists()


def test_a_missing_field_is_a_bad_request(kenya):
    response = Client().post(f"/c/at/{kenya.channel.uuid}/ussd", {"sessionId": "x", "text": ""})
    assert response.status_code == 400


def test_another_number_cannot_continue_a_session(kenya):
    Phone(kenya.channel, kenya.member.phone).dial()
    stranger = Phone(kenya.channel, "+254190555999")
    assert stranger.press("1") == "END " + said(screens.UNREADABLE, "en")
    assert not Alert.objects.filter(source="ussd").exists()


def test_an_expired_session_does_nothing(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    Session.objects.update(expires_on=timezone.now() - timedelta(seconds=1))
    assert phone.press("1") == "END " + said(screens.UNREADABLE, "sw")
    assert not Alert.objects.filter(source="ussd").exists()


def test_an_unknown_number_gets_the_short_menu_and_can_register(kenya):
    phone = Phone(kenya.channel, "+254190555777")
    first = phone.dial()
    assert first.count("\n") == 3 and said(screens.REGISTER, "en") in first
    areas = phone.press("3")
    assert "1 Central" in areas
    assert phone.press("1") == "END " + said(screens.REGISTERED, "en")
    member = kenya.org.members.with_phone(kenya.org, "+254190555777").get()
    assert member.area == kenya.central and member.language == "en"
    assert Msg.objects.filter(template="join.welcome", phone_index=member.phone_index).exists()


def test_an_unknown_number_can_still_get_help(kenya):
    phone = Phone(kenya.channel, "+254190555778")
    phone.dial()
    assert phone.press("1").startswith("END ")
    alert = Alert.objects.get(source="ussd")
    assert alert.member is None and alert.caller == "+254190555778"


def test_know_your_rights_sends_the_marked_text_by_sms(kenya):
    InfoText.objects.create(
        organisation=kenya.org, keyword="HAKI", text={"sw": "Haki zako: ..."}, is_rights=True
    )
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    assert phone.press("4") == "END " + said(screens.SMS_SENT, "sw")
    sent = Msg.objects.get(template="info", direction="out")
    assert sent.text == "Haki zako: ..." and sent.channel == kenya.channel


def test_texts_after_a_session_leave_through_a_channel_that_sends_texts(kenya):
    """A service code on an Africa's Talking account without an SMS API key cannot send
    the texts a session leads to, even as the organisation's first channel: they leave
    through one of its channels that can send texts."""
    org = kenya.org
    Channel.objects.filter(organisation=org).update(is_active=False)
    menu_only = at_channel(org, api_key="")
    texting = Channel.objects.create(organisation=org, type="kn", name="SMS", address="20200")
    InfoText.objects.create(organisation=org, keyword="HAKI", text={"sw": "Haki"}, is_rights=True)
    for number, answers in [
        (kenya.member.phone, ["1"]),  # help: her confirmation and the responders' texts
        (kenya.member.phone, ["4"]),  # the rights text
        ("+254190555777", ["3", "1"]),  # registered: the welcome
    ]:
        phone = Phone(menu_only, number, session_id=f"ATUid_{len(answers)}{answers[0]}")
        phone.dial()
        for answer in answers:
            phone.press(answer)
    sent = Msg.objects.filter(organisation=org, direction=Msg.Direction.OUT)
    assert set(sent.values_list("template", flat=True)) >= {
        "alert.member",
        "alert.responder",
        "info",
        "join.welcome",
    }
    assert set(sent.values_list("channel", flat=True)) == {texting.pk}


def test_a_worker_code_is_checked_on_the_screen(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    assert said(screens.ASK_CODE, "sw") in phone.press("5")
    ended = phone.press(kenya.credential.code)
    assert ended.startswith("END ") and kenya.credential.code[:4] in ended
    wrong = Phone(kenya.channel, kenya.member.phone, session_id="ATUid_2")
    wrong.dial()
    wrong.press("5")
    assert wrong.press("00000000").startswith("END ")


@override_settings(HAKI_CHECK_FAILURES=2)
def test_a_code_check_in_the_menu_counts_with_the_checks_by_sms(kenya, client):
    """The menu answers what CHECK answers: wrong codes by SMS and on the screen count
    against the number together, and a number refused is refused on both."""
    Throttle.forget()
    org, number = kenya.org, kenya.member.phone
    kannel = Channel.objects.get(organisation=org, type="kn")
    [told] = replies_to(text_in(client, kannel, number, "CHECK AAAA-AAAA"))
    assert told.template == "credential.unknown"
    phone = Phone(kenya.channel, number)
    phone.dial()
    phone.press("5")
    limit = "END " + render(org, "credential.limit", "sw")
    assert phone.press("BBBB-BBBB") == limit  # the second failure of the number
    again = Phone(kenya.channel, number, session_id="ATUid_2")
    again.dial()
    again.press("5")
    assert again.press(kenya.credential.code) == limit  # refused, even a real code
    assert replies_to(text_in(client, kannel, number, f"CHECK {kenya.credential.code}")) == []
    actors = AuditEvent.objects.filter(actor__startswith="credential check")
    assert sorted(actors.values_list("actor", flat=True)) == [
        "credential check by SMS",
        "credential check by USSD",
    ]
    Throttle.forget()


def test_find_a_service_sends_the_nearest_by_sms(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    kinds = phone.press("3")
    assert kinds.startswith("CON ") and "\n1 " in kinds
    assert phone.press("1") == "END " + said(screens.SMS_SENT, "sw")
    assert Msg.objects.filter(
        direction="out", template__in=["referral.services", "referral.no_service"]
    ).exists()


def test_the_kind_chosen_is_the_kind_whose_services_are_sent(kenya):
    org, number = kenya.org, kenya.member.phone
    kinds = list(ServiceKind.of(org))
    for kind in kinds:
        Service.objects.create(
            organisation=org, name=f"Place {kind.key}", kind=kind, area=kenya.central
        )
    screen = Phone(kenya.channel, number, session_id="ATUid_kinds")
    screen.dial()
    lines = screen.press("3").split("\n")[1:]
    with translation.override("sw"):
        by_label = {cut(kind.display_name): kind for kind in kinds}
    listed = {line.split(" ", 1)[0]: by_label[line.split(" ", 1)[1]] for line in lines}
    assert len(listed) > 2
    for choice in ["1", "2", str(len(listed))]:  # the first, the second, the last shown
        phone = Phone(kenya.channel, number, session_id=f"ATUid_kind{choice}")
        phone.dial()
        phone.press("3")
        assert phone.press(choice) == "END " + said(screens.SMS_SENT, "sw")
        sent = Msg.objects.filter(template="referral.services").latest("pk")
        assert [k for k in kinds if f"Place {k.key}," in sent.text] == [listed[choice]]


@pytest.mark.parametrize(
    "choice, reports, police", [("1", True, True), ("2", True, False), ("3", False, False)]
)
def test_the_consent_chosen_in_the_menu_is_kept_with_the_report(kenya, choice, reports, police):
    """Who may see the report is asked of this report: kept on its case as chosen, and
    the member's standing consents (her number to responders, police referral) are
    neither widened nor narrowed by it."""
    member = kenya.member
    member.share_number_with_responders, member.allow_police_referral = False, True
    member.save()
    phone = Phone(kenya.channel, member.phone)
    for answer in ["2", "1", "1", "1", choice]:
        phone.press(answer)
    assert phone.press("1").startswith("END ")
    case = Case.objects.get(source="ussd")
    assert (case.consent_reports, case.consent_police) == (reports, police)
    member.refresh_from_db()
    assert (member.share_number_with_responders, member.allow_police_referral) == (False, True)


def test_a_replayed_request_or_a_late_one_after_the_act_does_nothing_again(kenya):
    """After the alert, the network's copy of the request and a request for any other
    act in the same session get the alert's last screen: no second alert, no case."""
    stranger = Phone(kenya.channel, "+254190555778", session_id="ATUid_stranger")
    stranger.dial()
    ended = stranger.press("1")
    assert ended == "END " + said(screens.HELP_SENT, "en")
    for text in ["1", "1", "2", "3*1"]:  # help again, the rights text, registering
        assert stranger.screen(text) == ended
    assert Alert.objects.filter(source="ussd").count() == 1  # an unknown number joins none
    assert not Msg.objects.filter(template__in=["info", "join.welcome"]).exists()
    assert not kenya.org.members.with_phone(kenya.org, "+254190555778").exists()
    member = Phone(kenya.channel, kenya.member.phone, session_id="ATUid_member")
    member.dial()
    ended = member.press("1")
    alert = Alert.objects.get(source="ussd", member=kenya.member)
    events = alert.events.count()
    assert member.screen("1") == ended
    assert member.screen("2*1*1*1*2*1") == ended
    assert not Case.objects.filter(source="ussd").exists()
    assert alert.events.count() == events  # the copy did not join the alert either


def test_caseworkers_find_reports_to_review_and_accept_them(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    for answer in ["2", "1", "1", "1", "2", "1"]:
        phone.press(answer)
    case = Case.objects.get(source="ussd")
    caseworker = verified_client(kenya.users["caseworker"])
    listed = caseworker.get("/cases/?status=to_review").content.decode()
    assert f"#{case.number}" in listed and f"#{kenya.case.number}<" not in listed
    page = caseworker.get(f"/cases/{case.uuid}/edit/")
    assert page.status_code == 200
    form = {
        "occurred_on": case.occurred_on.isoformat(),
        "area": case.area.pk,
        "place": "",
        "perpetrator": "",
        "people_affected": 1,
        "consent_reports": "on",
    }
    refused = caseworker.post(f"/cases/{case.uuid}/edit/", form)
    assert refused.status_code == 400  # a recorded case says where and who
    threats = ViolationType.objects.get(organisation=kenya.org, key="threats")
    form.update(place="street", perpetrator="regular_police", violations=[threats.pk])
    accepted = caseworker.post(f"/cases/{case.uuid}/edit/", form)
    assert accepted.status_code == 302, accepted.context["form"].errors
    case.refresh_from_db()
    assert case.status == Case.Status.RECORDED and case.consent_reports


def test_a_screen_costs_a_fixed_number_of_queries(kenya, django_assert_max_num_queries):
    """Whatever the organisation holds, a question is answered in a handful of queries."""
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    with django_assert_max_num_queries(7):
        phone.press("2")  # the list of what happened
    with django_assert_max_num_queries(7):
        phone.screen("2")  # a repeat, from the session


def test_a_flood_of_different_answers_in_one_session_is_bounded(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    for n in range(70):
        phone.screen(str(100 + n))
    assert phone.screen("1") == "END " + said(screens.UNREADABLE, "sw")
    assert len(Session.objects.get().replies) <= 60
    assert not Alert.objects.filter(source="ussd").exists()


def test_the_demo_shows_one_report_to_review(kenya):
    from haki.management.commands.demo import demo_report

    assert demo_report(kenya.org, timezone.localdate())
    assert not demo_report(kenya.org, timezone.localdate())  # once only
    case = Case.objects.get(organisation=kenya.org, status=Case.Status.TO_REVIEW)
    assert case.source == Case.Source.USSD and case.member is not None


def test_a_coordinator_marks_one_information_text_as_the_rights_text(kenya):
    first = InfoText.objects.create(
        organisation=kenya.org, keyword="HAKI", text={"sw": "Haki zako"}, is_rights=True
    )
    coordinator = verified_client(kenya.users["coordinator"])
    form = {"keyword": "SHERIA", "is_rights": "on", "text_sw": "Sheria: una haki ya wakili."}
    assert coordinator.post("/pulse/info/add/", form).status_code == 302
    first.refresh_from_db()
    assert not first.is_rights  # one rights text: the new one replaced it
    assert InfoText.rights_of(kenya.org).keyword == "SHERIA"
    phone = Phone(kenya.channel, kenya.member.phone)
    phone.dial()
    phone.press("4")
    assert Msg.objects.get(template="info").text == "Sheria: una haki ya wakili."


def test_sessions_the_network_has_closed_are_forgotten(kenya):
    from haki.ussd import tasks

    Phone(kenya.channel, kenya.member.phone, session_id="old").dial()
    Phone(kenya.channel, kenya.member.phone, session_id="new").dial()
    Session.objects.filter(session_id="old").update(expires_on=timezone.now())
    assert tasks.forget_sessions.call_local() == 1
    assert list(Session.objects.values_list("session_id", flat=True)) == ["new"]


@writes_from_two_connections
def test_two_copies_of_the_send_request_at_once_write_one_case(transactional_db, kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    for answer in ["2", "1", "1", "1", "2"]:
        phone.press(answer)
    answers: list[str] = []

    def send() -> None:
        try:
            answers.append(Phone(kenya.channel, kenya.member.phone).screen("2*1*1*1*2*1"))
        finally:
            connection.close()

    twins = [threading.Thread(target=send) for _ in range(4)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join()
    assert len(set(answers)) == 1 and answers[0].startswith("END ")
    assert Case.objects.filter(source="ussd").count() == 1


def test_the_patterns_page_counts_an_unreviewed_report_as_not_known_yet(kenya):
    phone = Phone(kenya.channel, kenya.member.phone)
    for answer in ["2", "1", "1", "1", "2", "1"]:
        phone.press(answer)
    coordinator = verified_client(kenya.users["coordinator"])
    page = coordinator.get("/cases/patterns/")
    assert page.status_code == 200
    rows = page.context["patterns"]["by_place"]
    assert {"label": "Not known yet", "n": 1} in [{**r, "label": str(r["label"])} for r in rows]


def test_an_owner_sets_the_neutral_name_the_first_screen_shows(kenya):
    owner = verified_client(kenya.users["owner"])
    form = {
        "timezone": "Africa/Nairobi",
        "default_language": "en",
        "languages": ["sw"],
        "ack_timeout_minutes": 10,
        "tiers": ", ".join(kenya.org.tiers),
        "suppression_k": 5,
        "neutral_name": "  Jamii   Wellness ",
    }
    assert owner.post(reverse("core:settings"), form).status_code == 302
    kenya.org.refresh_from_db()
    assert kenya.org.settings["neutral_name"] == "Jamii Wellness"
    assert Phone(kenya.channel, kenya.member.phone).dial().startswith("CON Jamii Wellness\n")
