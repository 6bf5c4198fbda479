"""The referral pages: staff refer from a case or an alert, coordinators keep the
directory, a service provider confirms only its own referrals and sees no number."""

from __future__ import annotations

from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.messaging.models import Msg
from haki.referrals.models import EntitlementApplication, Referral, Service, ServiceKind


def clinic_of(target, name="Lake Clinic", provider=True) -> Service:
    service = Service(
        organisation=target.org,
        name=name,
        kind=ServiceKind.of(target.org).get(key="drop_in"),
        area=target.central,
        address="Oginga Odinga Rd",
        hours="Mon-Fri 8-17",
    )
    service.save()
    if provider:
        service.providers.add(target.users[Role.SERVICE_PROVIDER])
    return service


def test_a_caseworker_refers_the_member_of_a_case_and_the_slip_is_texted(world):
    a = world["a"]
    clinic = clinic_of(a)
    a.case.member = a.member
    a.case.save()
    client = verified_client(a.users[Role.CASEWORKER])
    page = client.get(reverse("referrals:create") + f"?case={a.case.uuid}")
    assert page.status_code == 200
    assert page.context["form"].initial["member"] == a.member.uuid
    response = client.post(
        reverse("referrals:create") + f"?case={a.case.uuid}",
        {
            "member": a.member.uuid,
            "service": clinic.uuid,
            "reason": "injury after arrest",
            "send_slip": "on",
        },
    )
    referral = Referral.objects.get(organisation=a.org)
    assert response.status_code == 302
    assert referral.case == a.case and referral.referrer_type == "staff"
    assert referral.reason == "injury after arrest" and "injury" not in referral.reason_sealed
    slip = Msg.objects.get(organisation=a.org, template="referral.slip")
    assert referral.code in slip.text and "injury" not in slip.text
    assert AuditEvent.objects.filter(object_ref=str(referral.uuid), action="create").exists()


def test_a_referral_can_start_from_a_closed_alert(world):
    a = world["a"]
    clinic_of(a)
    a.alert.status = "closed"
    a.alert.save()
    client = verified_client(a.users[Role.CASEWORKER])
    alert_page = client.get(reverse("crisis:alert", kwargs={"alert": a.alert.uuid}))
    assert f"?alert={a.alert.uuid}" in alert_page.content.decode()
    page = client.get(reverse("referrals:create") + f"?alert={a.alert.uuid}")
    assert page.context["form"].initial["member"] == a.member.uuid


def test_a_refused_referral_form_answers_400_with_field_errors(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.post(reverse("referrals:create"), {"member": "not-a-uuid"})
    assert response.status_code == 400
    assert response.context["form"].errors["service"]
    assert not Referral.objects.exists()


def test_a_service_of_another_organisation_cannot_be_chosen(world):
    a, b = world["a"], world["b"]
    other = clinic_of(b)
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.post(
        reverse("referrals:create"), {"member": a.member.uuid, "service": other.uuid}
    )
    assert response.status_code == 400 and not Referral.objects.exists()


def test_a_coordinator_adds_a_service_with_confirming_numbers(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    kind = ServiceKind.of(a.org).get(key="legal_aid")
    response = client.post(
        reverse("referrals:service_add"),
        {
            "name": "Haki Legal",
            "kind": kind.pk,
            "area": a.central.pk,
            "address": "Jomo Kenyatta Ave",
            "hours": "Sat 9-13",
            "confirm_phones": "0190500001\n+254 190 500 002",
            "phone": "0190500009",
            "active": "on",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(organisation=a.org, name="Haki Legal")
    assert sorted(service.confirm_phones()) == ["+254190500001", "+254190500002"]
    assert service.phone == "+254190500009"
    bad = client.post(
        reverse("referrals:service_add"),
        {"name": "Bad", "kind": kind.pk, "area": a.central.pk, "confirm_phones": "not a number"},
    )
    assert bad.status_code == 400 and "confirm_phones" in bad.context["form"].errors


def test_a_service_provider_sees_only_its_own_referrals_by_code_and_alias(world):
    a = world["a"]
    mine, theirs = clinic_of(a), clinic_of(a, "Other Clinic", provider=False)
    own = Referral.make(a.org, mine, member=a.member, referrer_type="staff", reason="secret why")
    other = Referral.make(a.org, theirs, member=a.member, referrer_type="staff")
    client = verified_client(a.users[Role.SERVICE_PROVIDER])
    page = client.get(reverse("referrals:provider")).content.decode()
    assert own.code in page and a.member.alias in page
    assert other.code not in page
    assert "secret why" not in page and a.member.phone[-6:] not in page
    refused = client.post(
        reverse("referrals:provider"), {"code": other.code, "action": "completed"}
    )
    assert refused.status_code == 400
    assert Referral.objects.get(pk=other.pk).status == "requested"
    done = client.post(
        reverse("referrals:provider"), {"code": own.code.lower(), "action": "completed"}
    )
    assert done.status_code == 302
    own.refresh_from_db()
    assert own.status == "completed" and own.confirmed_by_user == a.users[Role.SERVICE_PROVIDER]


def test_a_service_provider_may_first_mark_a_referral_expected(world):
    a = world["a"]
    own = Referral.make(a.org, clinic_of(a), member=a.member, referrer_type="staff")
    client = verified_client(a.users[Role.SERVICE_PROVIDER])
    client.post(reverse("referrals:provider"), {"code": own.code, "action": "accepted"})
    own.refresh_from_db()
    assert own.status == "accepted" and own.accepted_on is not None


def test_cancelling_needs_confirmation_and_closes_the_referral(world):
    a = world["a"]
    referral = Referral.make(a.org, clinic_of(a), member=a.member, referrer_type="staff")
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("referrals:cancel", kwargs={"referral": referral.uuid})
    assert client.post(url, {}).status_code == 400
    client.post(url, {"confirm": "on"})
    referral.refresh_from_db()
    assert referral.status == "cancelled" and referral.cancel_reason == "withdrawn"


def test_an_application_records_its_status_history_and_texts_with_consent(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    response = client.post(
        reverse("referrals:application_add"),
        {
            "member": a.member.uuid,
            "kind": "ration_card",
            "office": "District supply office",
            "documents": "proof of address",
            "documents_from": "voter_id",
            "texts_agreed": "on",
        },
    )
    assert response.status_code == 302
    application = EntitlementApplication.objects.get(organisation=a.org)
    url = reverse("referrals:application", kwargs={"application": application.uuid})
    client.post(url, {"status": "submitted"})
    client.post(url, {"status": "granted"})
    assert [h.status for h in application.history.all()] == ["submitted", "granted"]
    texts = Msg.objects.filter(organisation=a.org, template="entitlement.status")
    assert texts.count() == 2
    assert client.post(url, {"status": "lost"}).status_code == 400


def test_a_forum_meeting_records_departments_and_applications(world):
    a = world["a"]
    application = EntitlementApplication.objects.create(
        organisation=a.org, member=a.member, kind="housing"
    )
    client = verified_client(a.users[Role.COORDINATOR])
    response = client.post(
        reverse("referrals:forum_add"),
        {
            "name": "District convergence forum",
            "held_on": "2026-11-20",
            "departments": "Housing, Civil supplies",
            "applications": [application.pk],
        },
    )
    assert response.status_code == 302
    assert list(application.forums.values_list("name", flat=True)) == ["District convergence forum"]


def test_a_members_page_offers_to_refer_her_and_the_form_starts_with_her(world):
    a = world["a"]
    client = verified_client(a.users[Role.OPERATOR])
    page = client.get(reverse("members:detail", kwargs={"member": a.member.uuid}))
    assert f"?member={a.member.uuid}" in page.content.decode()
    form = client.get(reverse("referrals:create") + f"?member={a.member.uuid}")
    assert form.context["form"].initial["member"] == str(a.member.uuid)
