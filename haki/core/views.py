from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from haki.core import authenticators, home
from haki.core.models import AuditEvent, Membership
from haki.core.reauth import ReauthForm


class OrganisationPermissionMixin(PermissionRequiredMixin):
    """Checks ``permission_required`` against the request's organisation; a signed-in
    user without it gets 403, never another organisation's data."""

    raise_exception = True

    def get_permission_object(self) -> Any:
        return self.request.organisation


class HomeView(OrganisationPermissionMixin, TemplateView):
    permission_required = "core.view_home"
    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(panels=home.panels_for(self.request), **kwargs)


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
    membership = get_object_or_404(
        Membership, user=request.user, organisation__uuid=request.POST.get("organisation")
    )
    request.session["organisation"] = membership.organisation.uuid.hex
    return redirect("core:home")


def browser_probe(request: HttpRequest) -> HttpResponse:
    """Icons and robots.txt that browsers ask for unprompted: nothing to see, nothing
    to index."""
    if request.path == "/robots.txt":
        return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
    return HttpResponse(status=204)


def healthz(request: HttpRequest) -> HttpResponse:
    connection.ensure_connection()
    return JsonResponse({"status": "ok"})
