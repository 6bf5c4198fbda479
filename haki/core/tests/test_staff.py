"""Staff management: invitations, roles, credential resets, deactivation, and ending
every session of a user (a seized phone)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import verified_client
from haki.core.models import AuditEvent, Invitation, Membership
from haki.core.reauth import REAUTH_SESSION_KEY
from haki.core.roles import Role
from haki.messaging.models import Msg

from .test_login import password_step


def confirmed(client: Client) -> Client:
    """As if the password and a fresh code were given a moment ago."""
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def membership(world, role: str, org: str = "a") -> Membership:
    return world[org].users[role].memberships.get(organisation=world[org].org)


def invite(client: Client, **data) -> tuple[int, str]:
    response = client.post(reverse("core:invite"), {"role": Role.CASEWORKER, **data})
    found = re.search(r'value="(http[^"]+)"', response.content.decode())
    return response.status_code, found.group(1).replace("&amp;", "&") if found else ""


def test_an_invited_person_sets_a_password_then_enrols_an_authenticator(world):
    coordinator = verified_client(world["a"].users[Role.COORDINATOR])
    status, link = invite(coordinator, username="new-caseworker")
    assert status == 200 and "/account/invitation/?t=" in link
    token = link.split("t=")[1]
    assert not Invitation.objects.filter(token_hash__contains=token).exists()
    user = get_user_model().objects.get(username="new-caseworker")
    assert not user.has_usable_password()
    assert membership_of(user).role == Role.CASEWORKER

    newcomer = Client()
    path = urlsplit(link)
    page = newcomer.get(f"{path.path}?{path.query}")
    assert page.status_code == 200 and b"new-caseworker" in page.content
    password = "a-long-new-password-2026"
    response = newcomer.post(
        path.path, {"t": token, "new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302 and response["Location"] == reverse("two_factor:setup")
    assert newcomer.get(reverse("members:list"))["Location"] == reverse("two_factor:setup")
    user.refresh_from_db()
    assert user.check_password(password)
    again = Client().post(path.path, {"t": token, "new_password1": "x", "new_password2": "x"})
    assert again.status_code == 404  # used once only
    assert AuditEvent.objects.filter(object_type="core.invitation", actor="new-caseworker")


def membership_of(user) -> Membership:
    return Membership.objects.get(user=user)


def test_an_invitation_expires_after_48_hours(world):
    coordinator = verified_client(world["a"].users[Role.COORDINATOR])
    _, link = invite(coordinator, username="late")
    invitation = Invitation.objects.get()
    assert invitation.expires_on - invitation.created_on == timedelta(hours=48)
    Invitation.objects.update(expires_on=timezone.now() - timedelta(seconds=1))
    page = Client().get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert page.status_code == 404 and b"expired" in page.content


def test_a_bad_password_on_the_invitation_page_is_explained_and_the_link_still_works(world):
    _, link = invite(verified_client(world["a"].users[Role.OWNER]), username="someone")
    token = link.split("t=")[1]
    url = reverse("core:accept_invitation")
    response = Client().post(url, {"t": token, "new_password1": "short", "new_password2": "x"})
    assert response.status_code == 400 and b"errorlist" in response.content
    assert Invitation.valid(token) is not None


def test_an_invitation_can_be_texted_through_the_outbox_without_storing_the_number(world):
    coordinator = verified_client(world["a"].users[Role.COORDINATOR])
    response = coordinator.post(
        reverse("core:invite"),
        {"username": "texted", "role": Role.CASEWORKER, "phone": "0190 555 123"},
    )
    assert b"texted to the number" in response.content
    msg = Msg.objects.get(template="staff.invitation")
    assert msg.phone == "+254190555123"  # read in the organisation's country (Kenya)
    token = re.search(r"t=([\w-]+)", msg.text).group(1)
    assert Invitation.valid(token).membership.user.username == "texted"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "org-a-owner"}, "username", "This username is taken"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
        ({"username": "x", "phone": "not a number"}, "phone", "not a phone number"),
        ({"username": "x", "role": Role.OWNER}, "role", "Select a valid choice"),
    ],
)
def test_a_coordinator_gets_a_clear_error_for_each_bad_invitation(world, data, field, message):
    coordinator = verified_client(world["a"].users[Role.COORDINATOR])
    response = coordinator.post(reverse("core:invite"), {"role": Role.CASEWORKER, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_ending_sessions_signs_the_other_browser_out_at_its_next_request(world):
    caseworker = world["a"].users[Role.CASEWORKER]
    seized_phone = verified_client(caseworker)
    assert seized_phone.get(reverse("members:list")).status_code == 200
    owner = verified_client(world["a"].users[Role.OWNER])
    url = reverse(
        "core:staff_end_sessions", kwargs={"membership": membership(world, "caseworker").uuid}
    )
    unconfirmed = owner.post(url)
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].startswith(
        reverse("core:reauth")
    )
    assert seized_phone.get(reverse("members:list")).status_code == 200  # not yet
    confirmed(owner).post(url)
    response = seized_phone.get(reverse("members:list"))
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert verified_client(caseworker).get(reverse("members:list")).status_code == 200
    assert AuditEvent.objects.filter(action="signout", object_type="core.membership").count() == 1


def test_a_polling_board_whose_session_was_ended_is_sent_to_sign_in(world):
    operator = world["a"].users[Role.OPERATOR]
    board = verified_client(operator)
    Membership.end_sessions(operator)
    response = board.get(reverse("crisis:board_alerts"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("two_factor:login")


def test_the_manager_confirms_with_password_and_a_fresh_code_before_changing_a_role(world):
    owner_user = world["a"].users[Role.OWNER]
    owner = verified_client(owner_user)
    device = TOTPDevice.objects.get(user=owner_user)
    target = membership(world, "caseworker")
    page = reverse("core:staff_member", kwargs={"membership": target.uuid})
    url = reverse("core:staff_role", kwargs={"membership": target.uuid})
    assert owner.post(url, {"role": Role.OPERATOR})["Location"].startswith(reverse("core:reauth"))
    target.refresh_from_db()
    assert target.role == Role.CASEWORKER
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"
    wrong = owner.post(reverse("core:reauth"), {"password": "wrong-password", "token": code})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    done = owner.post(reverse("core:reauth"), {"password": "x" * 16, "token": code, "next": page})
    assert done["Location"] == page
    owner.post(url, {"role": Role.OPERATOR})
    target.refresh_from_db()
    assert target.role == Role.OPERATOR
    assert AuditEvent.objects.filter(action="change", object_ref=str(target.uuid)).exists()


def test_a_coordinator_cannot_act_on_an_owner_nor_anyone_on_themselves(world):
    coordinator = confirmed(verified_client(world["a"].users[Role.COORDINATOR]))
    owner = membership(world, "owner")
    for name in ("core:staff_member", "core:staff_role", "core:staff_deactivate"):
        url = reverse(name, kwargs={"membership": owner.uuid})
        assert coordinator.post(url, {"role": Role.ANALYST}).status_code in (403, 405)
    own = reverse("core:staff_role", kwargs={"membership": membership(world, "coordinator").uuid})
    assert coordinator.post(own, {"role": Role.OWNER}).status_code == 403
    caseworker = reverse(
        "core:staff_role", kwargs={"membership": membership(world, "caseworker").uuid}
    )
    coordinator.post(caseworker, {"role": Role.OWNER})  # not a role a coordinator may give
    assert membership(world, "caseworker").role == Role.CASEWORKER
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active


def test_an_owner_resets_an_authenticator_and_the_user_enrols_again_at_next_sign_in(world):
    caseworker = world["a"].users[Role.CASEWORKER]
    old_session = verified_client(caseworker)
    owner = confirmed(verified_client(world["a"].users[Role.OWNER]))
    url = reverse(
        "core:staff_reset_authenticator",
        kwargs={"membership": membership(world, "caseworker").uuid},
    )
    coordinator = confirmed(verified_client(world["a"].users[Role.COORDINATOR]))
    assert coordinator.post(url).status_code == 403  # owners only
    assert TOTPDevice.objects.filter(user=caseworker).exists()
    owner.post(url)
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    # The old session does not get to enrol an authenticator of its own choosing.
    assert old_session.get(reverse("two_factor:setup"))["Location"].startswith("/account/login/")
    fresh = Client()
    password_step(fresh, caseworker.username)
    assert fresh.get(reverse("members:list"))["Location"] == reverse("two_factor:setup")
    assert AuditEvent.objects.filter(action="reset", object_type="otp_totp.totpdevice").exists()


def test_an_owner_resets_a_password_and_a_one_time_link_sets_the_new_one(world):
    caseworker = world["a"].users[Role.CASEWORKER]
    TOTPDevice.objects.create(user=caseworker, name="default", confirmed=True)
    owner = confirmed(verified_client(world["a"].users[Role.OWNER]))
    url = reverse(
        "core:staff_reset_password", kwargs={"membership": membership(world, "caseworker").uuid}
    )
    response = owner.post(url)
    link = re.search(r'value="(http[^"]+)"', response.content.decode()).group(1)
    caseworker.refresh_from_db()
    assert not caseworker.check_password("x" * 16)
    token = link.split("t=")[1]
    new = "another-long-password-26"
    done = Client().post(
        reverse("core:accept_invitation"),
        {"t": token, "new_password1": new, "new_password2": new},
    )
    assert done["Location"] == reverse("two_factor:login")  # the authenticator is kept
    caseworker.refresh_from_db()
    assert caseworker.check_password(new)
    assert AuditEvent.objects.filter(action="reset", object_type="auth.user").exists()


def test_a_deactivated_person_loses_access_and_cannot_sign_in(world):
    caseworker = world["a"].users[Role.CASEWORKER]
    session = verified_client(caseworker)
    coordinator = confirmed(verified_client(world["a"].users[Role.COORDINATOR]))
    target = membership(world, "caseworker")
    coordinator.post(reverse("core:staff_deactivate", kwargs={"membership": target.uuid}))
    assert session.get(reverse("members:list"))["Location"].startswith("/account/login/")
    caseworker.refresh_from_db()
    assert not caseworker.is_active
    assert password_step(Client(), caseworker.username).status_code == 200  # refused
    assert not caseworker.has_perm("core.view_people", world["a"].org)
    page = coordinator.get(reverse("core:staff")).content.decode()
    assert "access removed" in page
    assert AuditEvent.objects.filter(action="disable", object_ref=str(target.uuid)).exists()


def test_deactivation_in_one_organisation_leaves_the_other(world):
    user = world["a"].users[Role.CASEWORKER]
    Membership.objects.create(user=user, organisation=world["b"].org, role=Role.OPERATOR)
    confirmed(verified_client(world["a"].users[Role.OWNER])).post(
        reverse(
            "core:staff_deactivate", kwargs={"membership": membership(world, "caseworker").uuid}
        )
    )
    user.refresh_from_db()
    assert user.is_active
    client = verified_client(user)
    home = client.get(reverse("core:home")).content.decode()
    assert world["b"].org.name in home and world["a"].org.name not in home


def test_the_staff_list_shows_each_persons_role_and_status(world):
    owner = verified_client(world["a"].users[Role.OWNER])
    invite(owner, username="pending-person")
    page = owner.get(reverse("core:staff")).content.decode()
    assert "pending-person" in page and "invited" in page
    assert "org-b-owner" not in page


def test_a_link_that_cannot_be_texted_says_so_and_is_still_shown(world):
    world["a"].org.channels.update(is_active=False)
    owner = verified_client(world["a"].users[Role.OWNER])
    response = owner.post(
        reverse("core:invite"),
        {"username": "no-channel", "role": Role.OPERATOR, "phone": "+254190555125"},
    )
    assert (
        b"could not be texted" in response.content
        and b"/account/invitation/?t=" in response.content
    )
