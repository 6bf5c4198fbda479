from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, FormView, ListView, TemplateView, UpdateView
from rules.contrib.views import PermissionRequiredMixin
from two_factor.forms import AuthenticationTokenForm
from two_factor.views import LoginView

from haki.core import authenticators, home
from haki.core.forms import AreaForm, OrganisationSettingsForm, TokenForm
from haki.core.models import Area, AuditEvent, Membership, Organisation
from haki.core.reauth import ReauthForm
from haki.core.roles import PURPOSE


class OrganisationPermissionMixin(PermissionRequiredMixin):
    """Checks ``permission_required`` against the request's organisation; a signed-in
    user without it gets 403, never another organisation's data."""

    raise_exception = True

    def get_permission_object(self) -> Any:
        return self.request.organisation


class ManageFormMixin(OrganisationPermissionMixin):
    """Adds or edits one record of the request's organisation: the form is given the
    organisation, a refused form answers 400 with its field messages in the user's
    language, and every save is audited (who, what, when; never the values)."""

    permission_required = "core.manage_organisation"
    template_name = "core/manage_form.html"
    page_title = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organisation": self.request.organisation}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(page_title=self.page_title, **kwargs)

    def form_invalid(self, form: BaseForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        created = form.instance.pk is None
        action = AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE
        try:
            with transaction.atomic():
                self.object = form.save()
                AuditEvent.record(
                    self.request.user, action, self.object, organisation=self.request.organisation
                )
        except IntegrityError:
            # Two people saving the same number or code at once: the database decides,
            # the second one is told, never shown a server error.
            if created:
                form.instance.pk = None
            form.add_error(
                None, _("Someone saved the same thing a moment ago; check and save again.")
            )
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.get_success_url())


def get_area_for_user(request: HttpRequest, area_uuid: UUID) -> Area:
    """The one way views fetch an area: scoped to the request's organisation."""
    return get_object_or_404(Area, organisation=request.organisation, uuid=area_uuid)


class AreaListView(OrganisationPermissionMixin, TemplateView):
    permission_required = "core.manage_organisation"
    template_name = "core/area_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(tree=Area.tree(self.request.organisation), **kwargs)


class AreaCreateView(ManageFormMixin, CreateView):
    form_class = AreaForm
    page_title = gettext_lazy("New area")
    success_url = reverse_lazy("core:areas")


class AreaUpdateView(ManageFormMixin, UpdateView):
    form_class = AreaForm
    page_title = gettext_lazy("Edit area")
    success_url = reverse_lazy("core:areas")

    def get_object(self, queryset: Any = None) -> Area:
        return get_area_for_user(self.request, self.kwargs["area"])


class OrganisationSettingsView(ManageFormMixin, UpdateView):
    form_class = OrganisationSettingsForm
    page_title = gettext_lazy("Organisation settings")
    template_name = "core/settings.html"
    success_url = reverse_lazy("core:settings")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("organisation")  # the form edits the organisation itself
        return kwargs

    def get_object(self, queryset: Any = None) -> Organisation:
        return self.request.organisation


class HomeView(OrganisationPermissionMixin, TemplateView):
    permission_required = "core.view_home"
    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        membership = self.request.membership
        return super().get_context_data(
            panels=home.panels_for(self.request),
            purpose=PURPOSE.get(membership.role, "") if membership else "",
            **kwargs,
        )


class AuditLogView(OrganisationPermissionMixin, ListView):
    permission_required = "core.view_audit"
    template_name = "core/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        return AuditEvent.objects.filter(organisation=self.request.organisation).order_by("-seq")


class DisableAuthenticatorView(FormView):
    """Removing one's own authenticator takes the password and a current code, as
    signing in does: a session left open on a shared screen is not enough. Audited,
    and shown to the owners of every organisation the user works in."""

    form_class = ReauthForm
    template_name = "core/disable_authenticator.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: ReauthForm) -> HttpResponse:
        authenticators.remove(self.request.user)
        return redirect("two_factor:setup")


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    try:
        chosen = UUID(request.POST.get("organisation", ""))
    except ValueError:  # not an organisation's id: nothing to switch to, as for another's
        raise Http404 from None
    membership = get_object_or_404(Membership, user=request.user, organisation__uuid=chosen)
    request.session["organisation"] = membership.organisation.uuid.hex
    return redirect("core:home")


def browser_probe(request: HttpRequest) -> HttpResponse:
    """Icons and robots.txt that browsers ask for unprompted: nothing to see, nothing
    to index."""
    if request.path == "/robots.txt":
        return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
    return HttpResponse(status=204)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the database answers a query now. A persistent connection is not
    asked again before it is reused, so only a query shows it has gone."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


class SignInView(LoginView):
    """two_factor's sign-in, whose code step says when a code was already used."""

    def get_form_list(self) -> dict:
        forms = super().get_form_list()
        if forms.get(self.TOKEN_STEP) is AuthenticationTokenForm:
            forms[self.TOKEN_STEP] = TokenForm
        return forms

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "login_view"  # the field names of two_factor's own view, as forms post them
