"""Staff management: invite, change a role, reset a password or an authenticator,
deactivate, and end every session of a user (a seized phone).

Changing a role, resetting credentials, ending sessions and deactivating ask the
manager for their password and a fresh authenticator code first (``reauth``). No one
acts on themselves here (their own sign-out and 2FA pages do that), and only an owner
acts on an owner, so an organisation never loses its last owner by accident."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView
from django_otp import devices_for_user

from haki.core.models import AuditEvent, Invitation, Membership
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.core.reauth import recently_authenticated
from haki.core.roles import Role
from haki.core.views import OrganisationPermissionMixin

ACCEPT_URL = "core:accept_invitation"


def get_staff_for_user(request: HttpRequest, membership: UUID) -> Membership:
    """A membership of the request's organisation that this manager may act on: 404
    outside the organisation, 403 for themselves or, unless they are an owner, for an
    owner."""
    target = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        organisation=request.organisation,
        uuid=membership,
    )
    if target.user_id == request.user.pk:
        raise PermissionDenied
    if target.role == Role.OWNER and request.membership.role != Role.OWNER:
        raise PermissionDenied
    return target


def roles_for(request: HttpRequest) -> list[tuple[str, Any]]:
    """The roles this manager may give: an owner any, a coordinator any but owner."""
    if request.membership.role == Role.OWNER:
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.OWNER]


def accept_link(request: HttpRequest, token: str) -> str:
    # The token goes in the query string, which the access log leaves out.
    return request.build_absolute_uri(f"{reverse(ACCEPT_URL)}?{urlencode({'t': token})}")


def text_link(request: HttpRequest, phone: str, link: str) -> bool:
    """Text the link through the outbox, in the organisation's first language."""
    from haki.messaging import outbox

    organisation = request.organisation
    with translation.override(organisation.default_language):
        text = gettext(
            "You are invited to %(site)s. Set your password within 48 hours: %(link)s"
        ) % {
            "site": request.get_host(),
            "link": link,
        }
    return outbox.queue(organisation, phone, text, template="staff.invitation") is not None


class PhoneField(forms.CharField):
    """A number read in the organisation's country; used once, never stored."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("Text the link to this number (optional)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel"}))
        super().__init__(**kwargs)


def clean_phone(form: forms.Form, country: str) -> str:
    raw = form.cleaned_data.get("phone") or ""
    if not raw:
        return ""
    try:
        return normalise_phone(raw, country)
    except InvalidPhoneNumber:
        raise forms.ValidationError(_("This is not a phone number we can text.")) from None


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and . @ + - _ only. Not their real name."),
    )
    role = forms.ChoiceField(label=_("Role"))
    phone = PhoneField()

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["role"].choices = roles_for(request)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken; choose another."))
        return username

    def clean_phone(self) -> str:
        return clean_phone(self, self.request.organisation.country)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles_for(request)


class LinkForm(forms.Form):
    phone = PhoneField()

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_phone(self) -> str:
        return clean_phone(self, self.request.organisation.country)


class StaffListView(OrganisationPermissionMixin, ListView):
    permission_required = "core.manage_staff"
    template_name = "core/staff_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            Membership.objects.filter(organisation=self.request.organisation)
            .select_related("user")
            .order_by("deactivated_on", "user__username")
        )


def show_link(request: HttpRequest, membership: Membership, token: str, texted: bool | None):
    """The page that shows a new link, once: only its hash is kept. ``texted`` is None
    when no number was given, False when the text could not be queued."""
    return render(
        request,
        "core/staff_link.html",
        {
            "target": membership,
            "link": accept_link(request, token),
            "texted": None if texted == "" else texted,
        },
    )


class InviteView(OrganisationPermissionMixin, TemplateView):
    permission_required = "core.manage_staff"
    template_name = "core/staff_invite.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", InviteForm(request=self.request))
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InviteForm(request.POST, request=request)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        with transaction.atomic():
            user = get_user_model()(username=data["username"])
            user.set_unusable_password()
            user.save()
            membership = Membership.objects.create(
                user=user, organisation=request.organisation, role=data["role"]
            )
            invitation, token = Invitation.issue(membership, by=request.user)
            AuditEvent.record(request.user, AuditEvent.Action.CREATE, membership)
            AuditEvent.record(request.user, AuditEvent.Action.CREATE, invitation)
            texted = data["phone"] and text_link(
                request, data["phone"], accept_link(request, token)
            )
        return show_link(request, membership, token, texted)


class StaffMemberView(OrganisationPermissionMixin, TemplateView):
    """One member of staff and what may be done about them."""

    permission_required = "core.manage_staff"
    template_name = "core/staff_member.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        target = get_staff_for_user(self.request, self.kwargs["membership"])
        return super().get_context_data(
            target=target,
            role_form=RoleForm(request=self.request, initial={"role": target.role}),
            link_form=LinkForm(request=self.request),
            may_reset=self.request.user.has_perm(
                "core.reset_credentials", self.request.organisation
            ),
            confirmed=recently_authenticated(self.request),
            **kwargs,
        )


class StaffActionView(OrganisationPermissionMixin, View):
    """A POST about one member of staff, after a fresh password and code."""

    permission_required = "core.manage_staff"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, membership: UUID) -> HttpResponse:
        target = get_staff_for_user(request, membership)
        page = reverse("core:staff_member", kwargs={"membership": target.uuid})
        if not target.is_active:
            messages.error(request, _("This person's access was already removed."))
            return redirect(page)
        if not recently_authenticated(request):
            return redirect(f"{reverse('core:reauth')}?{urlencode({'next': page})}")
        with transaction.atomic():
            response = self.act(request, target)
        return response or redirect(page)

    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        raise NotImplementedError


class ChangeRoleView(StaffActionView):
    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        form = RoleForm(request.POST, request=request)
        if not form.is_valid():
            messages.error(request, _("Choose one of the roles offered."))
            return None
        if form.cleaned_data["role"] != target.role:
            target.role = form.cleaned_data["role"]
            target.save(update_fields=["role", "modified_on"])
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        messages.success(request, _("The role is changed."))
        return None


class EndSessionsView(StaffActionView):
    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        Membership.end_sessions(target.user)
        AuditEvent.record(request.user, AuditEvent.Action.SIGNOUT, target)
        messages.success(request, _("Every session of this person is ended."))
        return None


class DeactivateView(StaffActionView):
    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        target.deactivate()
        AuditEvent.record(request.user, AuditEvent.Action.DISABLE, target)
        messages.success(request, _("This person no longer has access; their sessions ended."))
        return None


class ResetPasswordView(StaffActionView):
    """The password stops working now; a one-time link lets its owner set a new one."""

    permission_required = "core.reset_credentials"

    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        form = LinkForm(request.POST, request=request)
        if not form.is_valid():
            messages.error(request, form.errors["phone"][0])
            return None
        user = target.user
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Membership.end_sessions(user)
        invitation, token = Invitation.issue(target, by=request.user)
        AuditEvent.record(
            request.user, AuditEvent.Action.RESET, user, organisation=request.organisation
        )
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, invitation)
        phone = form.cleaned_data["phone"]
        texted = phone and text_link(request, phone, accept_link(request, token))
        return show_link(request, target, token, texted)


class ResetAuthenticatorView(StaffActionView):
    """The authenticator is removed and sessions end; the person enrols a new one at
    their next sign-in."""

    permission_required = "core.reset_credentials"

    def act(self, request: HttpRequest, target: Membership) -> HttpResponse | None:
        for device in devices_for_user(target.user, confirmed=None):
            AuditEvent.record(
                request.user, AuditEvent.Action.RESET, device, organisation=request.organisation
            )
            device.delete()
        Membership.end_sessions(target.user)
        messages.success(
            request, _("The authenticator is removed; a new one is set up at the next sign-in.")
        )
        return None


class AcceptInvitationView(View):
    """Reached from the link: set a password, then (new staff) enrol an authenticator."""

    template_name = "core/accept_invitation.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, request.GET.get("t", ""))

    def post(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, request.POST.get("t", ""), request.POST)

    def page(self, request: HttpRequest, token: str, data: Any = None) -> HttpResponse:
        invitation = Invitation.valid(token)
        if invitation is None:
            return render(request, self.template_name, {"invalid": True}, status=404)
        user = invitation.membership.user
        form = SetPasswordForm(user, data)
        if data is None or not form.is_valid():
            context = {"form": form, "token": token, "username": user.get_username()}
            return render(request, self.template_name, context, status=400 if data else 200)
        with transaction.atomic():
            form.save()
            invitation.used_on = timezone.now()
            invitation.save(update_fields=["used_on"])
            AuditEvent.record(user, AuditEvent.Action.CHANGE, invitation)
        if any(devices_for_user(user)):
            messages.success(request, _("Your password is set. Sign in with it now."))
            return redirect("two_factor:login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("two_factor:setup")
