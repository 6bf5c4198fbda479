"""Every URL of the project, walked as every kind of user who must be refused.

ACCESS is the specification: which roles may use which page. A new URL pattern that
is not listed here fails the first test until someone decides who may see it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import verified_client
from haki.api.models import ApiToken
from haki.cases.rules import DOCUMENTERS
from haki.core.roles import MANAGERS, PEOPLE_WORKERS, Role
from haki.crisis.rules import HOTLINE
from haki.partnership.rules import (
    ATTENDANCE_KEEPERS,
    CHECK_IN_RECORDERS,
    PLAN_READERS,
    VISIT_RECORDERS,
)
from haki.referrals.models import EntitlementApplication, Referral, Service, ServiceKind
from haki.surveys.models import Broadcast, InfoText

EVERYONE = tuple(Role.values)
ACCESS = {
    "core:home": ("get", EVERYONE),
    "core:audit": ("get", (Role.OWNER,)),
    "members:list": ("get", PEOPLE_WORKERS),
    "members:detail": ("get", PEOPLE_WORKERS),
    "members:import": ("get", MANAGERS),
    "members:import_map": ("get", MANAGERS),
    "crisis:responders": ("get", PEOPLE_WORKERS),
    "crisis:duty": ("post", MANAGERS),
    "crisis:roster": ("get", MANAGERS),
    "messaging:log": ("get", MANAGERS),
    "messaging:inbox": ("get", PEOPLE_WORKERS),
    "messaging:inbox_done": ("post", PEOPLE_WORKERS),
    "crisis:board": ("get", HOTLINE),
    "crisis:board_alerts": ("get", HOTLINE),
    "crisis:raise": ("post", HOTLINE),
    "crisis:closed": ("get", HOTLINE),
    "crisis:alert": ("get", HOTLINE),
    "crisis:acknowledge": ("post", HOTLINE),
    "crisis:close": ("post", HOTLINE),
    "surveys:polls": ("get", MANAGERS),
    "surveys:poll": ("get", MANAGERS),
    "surveys:send_poll": ("post", MANAGERS),
    "surveys:broadcasts": ("get", MANAGERS),
    "surveys:broadcast": ("get", MANAGERS),
    "surveys:follow_ups": ("get", PEOPLE_WORKERS),
    "surveys:close_follow_up": ("post", PEOPLE_WORKERS),
    "cases:list": ("get", DOCUMENTERS),
    "cases:create": ("get", DOCUMENTERS),
    "cases:from_alert": ("get", DOCUMENTERS),
    "cases:detail": ("get", DOCUMENTERS),
    "cases:edit": ("get", DOCUMENTERS),
    "cases:attach": ("post", DOCUMENTERS),
    "cases:attachment": ("get", DOCUMENTERS),
    "cases:patterns": ("get", MANAGERS),
    "cases:taxonomy": ("get", MANAGERS),
    "cases:export": ("get", MANAGERS),
    "cases:import": ("get", MANAGERS),
    "reports:brief": ("get", (*MANAGERS, Role.ANALYST)),
    "reports:brief_download": ("get", (*MANAGERS, Role.ANALYST)),
    "reports:programme": ("get", (*MANAGERS, Role.ANALYST)),
    "reports:programme_download": ("get", (*MANAGERS, Role.ANALYST)),
    "reports:donor": ("get", (*MANAGERS, Role.ANALYST)),
    "api:tokens": ("get", (Role.OWNER,)),
    "api:revoke": ("post", (Role.OWNER,)),
    "reports:donor_pdf": ("get", (*MANAGERS, Role.ANALYST)),
    # Managing the network from the web (issue 15).
    "core:areas": ("get", MANAGERS),
    "core:area_add": ("get", MANAGERS),
    "core:area_edit": ("get", MANAGERS),
    "core:settings": ("get", MANAGERS),
    "members:add": ("get", MANAGERS),
    "members:edit": ("get", MANAGERS),
    "members:erase": ("get", MANAGERS),
    "crisis:responder_add": ("get", MANAGERS),
    "crisis:responder_edit": ("get", MANAGERS),
    "crisis:responder_retire": ("post", MANAGERS),
    "messaging:channels": ("get", MANAGERS),
    "messaging:channel_add": ("get", MANAGERS),
    "messaging:channel_edit": ("get", MANAGERS),
    "surveys:poll_add": ("get", MANAGERS),
    "surveys:poll_edit": ("get", MANAGERS),
    "surveys:info": ("get", MANAGERS),
    "surveys:info_add": ("get", MANAGERS),
    "surveys:info_edit": ("get", MANAGERS),
    "surveys:broadcast_edit": ("get", MANAGERS),
    # Referrals and entitlement applications (issue 17).
    "referrals:list": ("get", PEOPLE_WORKERS),
    "referrals:create": ("get", PEOPLE_WORKERS),
    "referrals:detail": ("get", PEOPLE_WORKERS),
    "referrals:cancel": ("post", PEOPLE_WORKERS),
    "referrals:services": ("get", PEOPLE_WORKERS),
    "referrals:service_add": ("get", MANAGERS),
    "referrals:service_edit": ("get", MANAGERS),
    "referrals:provider": ("get", (Role.SERVICE_PROVIDER,)),
    "referrals:applications": ("get", PEOPLE_WORKERS),
    "referrals:application_add": ("get", PEOPLE_WORKERS),
    "referrals:application": ("get", PEOPLE_WORKERS),
    "referrals:forums": ("get", PEOPLE_WORKERS),
    "referrals:forum_add": ("get", PEOPLE_WORKERS),
    "core:staff": ("get", MANAGERS),
    "core:invite": ("get", MANAGERS),
    "core:staff_member": ("get", MANAGERS),
    "core:staff_role": ("post", MANAGERS),
    "core:staff_end_sessions": ("post", MANAGERS),
    "core:staff_deactivate": ("post", MANAGERS),
    "core:staff_reset_password": ("post", (Role.OWNER,)),
    "core:staff_reset_authenticator": ("post", (Role.OWNER,)),
    "simulator:phones": ("get", PEOPLE_WORKERS),
    "simulator:phone": ("get", PEOPLE_WORKERS),
    "simulator:texts": ("get", PEOPLE_WORKERS),
    "credentials:list": ("get", MANAGERS),
    "credentials:issuer": ("post", MANAGERS),
    "credentials:issue": ("get", MANAGERS),
    "credentials:detail": ("get", MANAGERS),
    "credentials:card": ("get", MANAGERS),
    "credentials:revoke": ("post", MANAGERS),
    "credentials:endorse": ("post", MANAGERS),
    "credentials:photo": ("post", MANAGERS),
    "partnership:coverage": ("get", MANAGERS),
    "partnership:trainings": ("get", ATTENDANCE_KEEPERS),
    "partnership:training": ("get", ATTENDANCE_KEEPERS),
    "partnership:record_attendance": ("post", ATTENDANCE_KEEPERS),
    "partnership:allies": ("get", MANAGERS),
    "partnership:allies_export": ("get", MANAGERS),
    "partnership:evaluation": ("get", MANAGERS),
    "partnership:me": ("get", (Role.POLICE_ALLY,)),
    "partnership:link_units": ("post", MANAGERS),
    "partnership:merge": ("get", MANAGERS),
    "partnership:case_officers": ("get", DOCUMENTERS),
    "partnership:stations": ("get", MANAGERS),
    "partnership:station_create": ("get", MANAGERS),
    "partnership:station_edit": ("get", MANAGERS),
    "partnership:ally_create": ("get", MANAGERS),
    "partnership:ally_edit": ("get", MANAGERS),
    "partnership:posting": ("get", MANAGERS),
    "partnership:training_create": ("get", MANAGERS),
    "partnership:training_edit": ("get", MANAGERS),
    "partnership:add_facilitator": ("post", MANAGERS),
    "partnership:add_co_trainer": ("post", MANAGERS),
    "partnership:remove_facilitator": ("post", MANAGERS),
    "partnership:plans": ("get", PLAN_READERS),
    "partnership:plan_create": ("get", MANAGERS),
    "partnership:plan": ("get", PLAN_READERS),  # a police ally: a plan they are party to
    "partnership:plan_action": ("post", MANAGERS),
    "partnership:plan_check_in": ("post", CHECK_IN_RECORDERS),
    "partnership:action_status": ("post", MANAGERS),
    "partnership:meetings": ("get", MANAGERS),
    "partnership:meeting": ("get", MANAGERS),
    "partnership:meeting_action": ("post", MANAGERS),
    "partnership:meeting_export": ("get", MANAGERS),
    # Station monitoring rounds and recognition (issue 19).
    "partnership:checklists": ("get", MANAGERS),
    "partnership:rounds": ("get", VISIT_RECORDERS),
    "partnership:round_add": ("post", MANAGERS),
    "partnership:round": ("get", VISIT_RECORDERS),
    "partnership:visit": ("get", VISIT_RECORDERS),
    "partnership:nominations": ("get", MANAGERS),
    "partnership:nominate": ("get", MANAGERS),
    "partnership:nomination": ("get", MANAGERS),
    "partnership:letter": ("get", MANAGERS),
    "partnership:letter_pdf": ("get", MANAGERS),
}
# What each POST sends: enough to act, nothing naming another organisation's people.
POST_DATA = {
    "crisis:duty": {"on_duty": "0"},
    "crisis:raise": {"words": "access check"},  # no area: refused by the form (400) if allowed
    "crisis:close": {"outcome": "access check"},
    "surveys:close_follow_up": {"note": "access check"},
    "crisis:responder_retire": {},  # not confirmed: refused by the form if allowed
    "referrals:cancel": {},  # not confirmed: refused by the form if allowed
    "core:staff_role": {"role": Role.ANALYST},
    "credentials:endorse": {"endorser": "access check"},
    "partnership:record_attendance": {"service_number": "none"},  # refused by the form
    "partnership:add_facilitator": {"service_number": "none"},  # refused by the form
    "partnership:add_co_trainer": {"alias": "none"},  # refused by the form
    "partnership:action_status": {"status": "none"},  # refused: nothing changes
    "partnership:round_add": {},  # refused by the form if allowed
}
# Reachable before or without an organisation: sign-in, enrolment, language, health.
NOT_ORGANISATION_DATA = {
    "healthz",
    "set_language",
    "logout",
    "core:switch_organisation",
    "core:reauth",  # asks the signed-in user's own password again
    "core:disable_authenticator",  # the signed-in user's own second factor
    "core:accept_invitation",  # the one-time link's token is the key: see test_staff
}
# Gateways authenticate with the channel's own credentials: see messaging's tests.
GATEWAYS = {"gateway", "relayer_sync"}
# Monitoring answers a token or an allowed address, never a session: see test_monitoring.
MONITORING = {"healthz_backlog", "metrics"}
# Public by design, with no sign-in: checking an outreach worker's card and the keys to
# check it offline. They answer only valid, expired or revoked, the organisation's public
# name, the role and the dates (haki/credentials/tests/test_checks.py).
PUBLIC = {
    "credentials_public:check": ("get", 200),
    "credentials_public:verify": ("get", 200),
    "credentials_public:keys": ("get", 200),
}
# The read-only API answers organisation-scoped tokens, not sessions: see haki/api/tests.
API = {"api:schema", "api:docs", "api:indicators", "api:case_aggregates", "api:services"}


def named_patterns(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def info_text_of(target) -> InfoText:
    info, _ = InfoText.objects.get_or_create(
        organisation=target.org, keyword="RIGHTS", defaults={"text": {"en": "Know your rights"}}
    )
    return info


def scheduled_broadcast_of(target) -> Broadcast:
    return Broadcast.objects.create(
        organisation=target.org,
        text={"en": "Clinic on Saturday"},
        send_on=timezone.now() + datetime.timedelta(days=1),
    )


def a_training(target) -> object:
    from haki.partnership.models import Training

    training, _ = Training.objects.get_or_create(
        organisation=target.org,
        name="access check",
        starts_on="2026-01-05",
        defaults={"ends_on": "2026-01-05", "kind": "in_service"},
    )
    return training


def partnership_kwargs(name: str, target) -> dict:
    """A station, an ally and a facilitator of the access-check training."""
    from haki.partnership.models import Facilitator, Station

    station, _ = Station.objects.get_or_create(
        organisation=target.org, code="ACCESS", defaults={"name": "x", "area": target.central}
    )
    ally = an_officer(target)
    training = a_training(target)
    facilitator, _ = Facilitator.objects.get_or_create(training=training, ally=ally)
    return {
        "partnership:station_edit": {"station": station.uuid},
        "partnership:ally_edit": {"ally": ally.uuid},
        "partnership:posting": {"ally": ally.uuid},
        "partnership:remove_facilitator": {
            "training": training.uuid,
            "facilitator": facilitator.pk,
        },
    }.get(name, {"training": training.uuid})


def a_plan(target) -> object:
    """A plan of the organisation whose focal point is its police ally's record, with
    one action and one meeting."""
    from haki.partnership.models import Action, ActionPlan, Ally, Meeting

    plan = ActionPlan.objects.filter(organisation=target.org).first()
    if plan is None:
        ally = Ally(organisation=target.org, user=target.users[Role.POLICE_ALLY])
        ally.name, ally.service_number = "access check officer", f"{target.org.slug}-focal"
        ally.save()
        plan = ActionPlan.objects.create(
            organisation=target.org,
            title="access check plan",
            area=target.central,
            focal_point=ally,
            starts_on="2026-01-01",
            ends_on="2026-12-31",
        )
        Action.objects.create(
            organisation=target.org, plan=plan, title="check", owner_ally=ally, due_on="2026-02-01"
        )
        Meeting.objects.create(organisation=target.org, held_on="2026-03-01")
    return plan


def a_round(target) -> object:
    from haki.partnership.monitoring import ChecklistTemplate, Round

    template, _ = ChecklistTemplate.objects.get_or_create(
        organisation=target.org, key="access-check", defaults={"name": "access check"}
    )
    found, _ = Round.objects.get_or_create(
        organisation=target.org,
        name="access check",
        defaults={"template": template, "starts_on": "2026-01-05", "ends_on": "2026-02-05"},
    )
    return found


def an_officer(target) -> object:
    from haki.partnership.models import Ally

    found = Ally.objects.filter(organisation=target.org).first()
    if found is None:
        found = Ally(organisation=target.org)
        found.name = f"{target.org.slug} officer"
        found.service_number = f"{target.org.slug}-1"
        found.save()
    return found


def a_nomination(target) -> object:
    from haki.partnership.recognition import Nomination

    found, _ = Nomination.objects.get_or_create(
        organisation=target.org,
        ally=an_officer(target),
        defaults={"award": "access check", "nominated_on": "2026-03-01"},
    )
    return found


def referral_of(target) -> Referral:
    """A referral of the organisation's member to a service with a provider."""
    service = Service.objects.filter(organisation=target.org).first()
    if service is None:
        service = Service(
            organisation=target.org,
            name=f"{target.org.slug} clinic",
            kind=ServiceKind.of(target.org).get(key="drop_in"),
            area=target.central,
        )
        service.save()
        service.providers.add(target.users[Role.SERVICE_PROVIDER])
    return Referral.objects.filter(service=service).first() or Referral.make(
        target.org, service, member=target.member, referrer_type="staff"
    )


def application_of(target) -> EntitlementApplication:
    return EntitlementApplication.objects.get_or_create(
        organisation=target.org, member=target.member, kind="voter_id"
    )[0]


def url_for(name: str, world: dict, org_key: str) -> str:
    target = world[org_key]
    if name in ("referrals:detail", "referrals:cancel"):
        return reverse(name, kwargs={"referral": referral_of(target).uuid})
    if name == "referrals:service_edit":
        return reverse(name, kwargs={"service": referral_of(target).service.uuid})
    if name == "referrals:application":
        return reverse(name, kwargs={"application": application_of(target).uuid})
    if name == "surveys:info_edit":
        return reverse(name, kwargs={"info": info_text_of(target).uuid})
    if name == "api:revoke":
        token, _secret = ApiToken.issue(target.org, "access check", "external", None)
        return reverse(name, kwargs={"token": token.pk})
    if name == "surveys:broadcast_edit":
        return reverse(name, kwargs={"broadcast": scheduled_broadcast_of(target).uuid})
    if name in STAFF_PAGES:
        return reverse(name, kwargs={"membership": staff_of(target).uuid})
    if name in ("partnership:plan", "partnership:plan_action", "partnership:plan_check_in"):
        return reverse(name, kwargs={"plan": a_plan(target).uuid})
    if name == "partnership:action_status":
        return reverse(name, kwargs={"action": a_plan(target).actions.get().uuid})
    if name in ("partnership:meeting", "partnership:meeting_action", "partnership:meeting_export"):
        a_plan(target)
        return reverse(name, kwargs={"meeting": target.org.review_meetings.get().uuid})
    if name in ("partnership:training", "partnership:record_attendance"):
        return reverse(name, kwargs={"training": a_training(target).uuid})
    if name in PARTNERSHIP_OBJECT_PAGES:
        return reverse(name, kwargs=partnership_kwargs(name, target))
    if name in ("partnership:round", "partnership:visit"):
        return reverse(name, kwargs={"round": a_round(target).uuid})
    if name == "partnership:nominate":
        return reverse(name, kwargs={"ally": an_officer(target).uuid})
    if name in ("partnership:nomination", "partnership:letter", "partnership:letter_pdf"):
        return reverse(name, kwargs={"nomination": a_nomination(target).uuid})
    kwargs = {
        "members:detail": {"member": target.member.uuid},
        "crisis:duty": {"responder": target.responder.uuid},
        "crisis:roster": {"responder": target.responder.uuid},
        "messaging:inbox_done": {"msg": target.inbox_msg.uuid},
        "crisis:alert": {"alert": target.alert.uuid},
        "crisis:acknowledge": {"alert": target.alert.uuid},
        "crisis:close": {"alert": target.alert.uuid},
        "surveys:poll": {"poll": target.poll.uuid},
        "surveys:send_poll": {"poll": target.poll.uuid},
        "surveys:broadcast": {"broadcast": target.broadcast.uuid},
        "surveys:close_follow_up": {"follow_up": target.follow_up.uuid},
        "cases:from_alert": {"alert": target.alert.uuid},
        "cases:detail": {"case": target.case.uuid},
        "partnership:case_officers": {"case": target.case.uuid},
        "cases:edit": {"case": target.case.uuid},
        "cases:attach": {"case": target.case.uuid},
        "cases:attachment": {"case": target.case.uuid, "attachment": target.attachment.uuid},
        "core:area_edit": {"area": target.central.uuid},
        "members:edit": {"member": target.member.uuid},
        "members:erase": {"member": target.member.uuid},
        "crisis:responder_edit": {"responder": target.responder.uuid},
        "crisis:responder_retire": {"responder": target.responder.uuid},
        "messaging:channel_edit": {"channel": target.channel.pk},
        "surveys:poll_edit": {"poll": target.poll.uuid},
        "simulator:phone": {"kind": "member", "person": target.member.uuid},
        "simulator:texts": {"kind": "member", "person": target.member.uuid},
        "credentials:detail": {"credential": target.credential.uuid},
        "credentials:card": {"credential": target.credential.uuid},
        "credentials:revoke": {"credential": target.credential.uuid},
        "credentials:endorse": {"credential": target.credential.uuid},
        "credentials:photo": {"credential": target.credential.uuid},
        "credentials_public:verify": {
            "organisation": target.org.slug,
            "token": target.credential.token,
        },
        "credentials_public:keys": {"organisation": target.org.slug},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


PARTNERSHIP_OBJECT_PAGES = {
    "partnership:station_edit",
    "partnership:ally_edit",
    "partnership:posting",
    "partnership:training_edit",
    "partnership:add_facilitator",
    "partnership:add_co_trainer",
    "partnership:remove_facilitator",
}
STAFF_PAGES = [
    "core:staff_member",
    "core:staff_role",
    "core:staff_end_sessions",
    "core:staff_deactivate",
    "core:staff_reset_password",
    "core:staff_reset_authenticator",
]


def staff_of(target) -> object:
    """The membership staff pages are walked on: the caseworker's (any manager may act
    on it; a caseworker walking it acts on themselves and is refused anyway)."""
    return target.users[Role.CASEWORKER].memberships.get(organisation=target.org)


def call(client, name: str, url: str):
    method = ACCESS[name][0]
    return client.post(url, POST_DATA.get(name, {})) if method == "post" else client.get(url)


def test_every_url_pattern_has_an_access_rule():
    unlisted = {n for n in named_patterns() if not n.startswith("two_factor:")}
    unlisted -= set(ACCESS) | NOT_ORGANISATION_DATA | GATEWAYS | set(PUBLIC) | API | MONITORING
    assert not unlisted, f"decide who may use these URLs and add them to ACCESS: {unlisted}"


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitors_are_sent_to_sign_in(world, client, name):
    response = call(client, name, url_for(name, world, "a"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_a_user_of_no_organisation_is_refused(world, name):
    response = call(verified_client(world["outsider"]), name, url_for(name, world, "a"))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_the_owner_of_another_organisation_never_sees_this_ones_data(world, name):
    client = verified_client(world["b"].users[Role.OWNER])
    response = call(client, name, url_for(name, world, "a"))
    assert response.status_code in (200, 302, 400, 403, 404)
    body = response.content.decode()
    a = world["a"]
    secrets = (a.member.alias, a.org.name, a.responder.name, a.inbox_msg.text, a.alert.words)
    for secret in (*secrets, a.case.narrative, a.case.officer, a.case.unit, a.attachment.name):
        assert secret not in body
    assert a.credential.holder not in body
    a.credential.refresh_from_db()
    assert a.credential.revoked_on is None and not a.credential.endorsements.exists()
    world["a"].responder.refresh_from_db()
    assert world["a"].responder.on_duty  # a POST never reaches org A's data
    world["a"].inbox_msg.refresh_from_db()
    assert world["a"].inbox_msg.handled_on is None
    world["a"].alert.refresh_from_db()
    assert world["a"].alert.status == "open"
    assert not Referral.objects.filter(organisation=world["a"].org, status="cancelled").exists()
    assert not ApiToken.objects.filter(organisation=a.org, revoked_on__isnull=False).exists()
    world["a"].follow_up.refresh_from_db()
    assert world["a"].follow_up.closed_on is None
    assert not world["a"].poll.sends.exclude(pk=world["a"].follow_up.reply.poll_send_id).exists()
    staff = staff_of(world["a"])
    assert staff.role == Role.CASEWORKER and staff.is_active and staff.sessions_valid_after is None


@pytest.mark.parametrize("name", sorted(ACCESS))
@pytest.mark.parametrize("role", Role.values)
def test_each_role_gets_exactly_the_pages_it_is_allowed(world, name, role):
    allowed = role in ACCESS[name][1]
    response = call(verified_client(world["a"].users[role]), name, url_for(name, world, "a"))
    if allowed:
        assert response.status_code in (200, 302, 400)  # 400: let in, the empty form refused
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("two_factor:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(MONITORING))
def test_monitoring_refuses_signed_in_users_from_other_addresses(world, name):
    for client in (verified_client(world["a"].users[Role.OWNER]), Client()):
        assert client.get(reverse(name), REMOTE_ADDR="203.0.113.9").status_code == 404


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages_answer_anyone_and_name_nobody(world, client, name):
    response = client.get(url_for(name, world, "a"))
    assert response.status_code == PUBLIC[name][1]
    body = response.content.decode()
    a = world["a"]
    # The organisation's name is shown: it is the public name on its cards until changed.
    for secret in (a.credential.holder, a.member.alias, a.responder.name, a.case.narrative):
        assert secret not in body


def test_object_pages_of_another_organisation_are_not_found(world):
    client = verified_client(world["b"].users[Role.OWNER])
    assert client.get(url_for("members:detail", world, "a")).status_code == 404
    assert client.post(url_for("crisis:duty", world, "a"), {"on_duty": "0"}).status_code == 404
    assert client.get(url_for("members:detail", world, "b")).status_code == 200


def test_switching_to_an_organisation_one_does_not_belong_to_is_refused(world):
    client = verified_client(world["a"].users[Role.OWNER])
    response = client.post(
        reverse("core:switch_organisation"), {"organisation": world["b"].org.uuid}
    )
    assert response.status_code == 404
    assert world["b"].org.name not in client.get(reverse("core:home")).content.decode()
    for forged in ("not-a-uuid", ""):  # a clear refusal, never a 500
        assert (
            client.post(reverse("core:switch_organisation"), {"organisation": forged}).status_code
            == 404
        )


def test_a_person_in_two_organisations_sees_the_one_chosen(world):
    from haki.core.models import Membership

    user = world["a"].users[Role.COORDINATOR]
    Membership.objects.create(user=user, organisation=world["b"].org, role=Role.ANALYST)
    client = verified_client(user)
    assert world["a"].member.alias in client.get(reverse("members:list")).content.decode()
    client.post(reverse("core:switch_organisation"), {"organisation": world["b"].org.uuid})
    assert client.get(reverse("members:list")).status_code == 403  # analyst there
    assert world["b"].org.name in client.get(reverse("core:home")).content.decode()


def test_refusals_are_explained_in_the_users_words(world):
    client = verified_client(world["a"].users[Role.ANALYST])
    response = client.get(reverse("members:list"))
    assert response.status_code == 403
    assert b"Your role here, Analyst, does not give access to this page" in response.content
    assert world["a"].member.alias.encode() not in response.content


def test_searching_members_keeps_the_alias_out_of_the_url(world):
    client = verified_client(world["a"].users[Role.OPERATOR])
    response = client.post(reverse("members:list"), {"alias": "org-a"})
    assert response.status_code == 302 and "org-a" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert world["a"].member.alias in page
    client.post(reverse("members:list"), {"alias": "nobody-by-that-name"})
    assert world["a"].member.alias not in client.get(reverse("members:list")).content.decode()
