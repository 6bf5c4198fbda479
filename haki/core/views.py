from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin
from two_factor.forms import AuthenticationTokenForm
from two_factor.views import LoginView

from haki.core import home
from haki.core.forms import TokenForm
from haki.core.models import AuditEvent, Membership
from haki.core.roles import PURPOSE


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


class SignInView(LoginView):
    """two_factor's sign-in, whose code step says when a code was already used."""

    def get_form_list(self) -> dict:
        forms = super().get_form_list()
        if forms.get(self.TOKEN_STEP) is AuthenticationTokenForm:
            forms[self.TOKEN_STEP] = TokenForm
        return forms

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "login_view"  # the field names of two_factor's own view, as forms post them
