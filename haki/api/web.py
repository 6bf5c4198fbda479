"""Owners make and revoke the organisation's API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from haki.api.models import ApiToken
from haki.core.models import AuditEvent
from haki.core.views import OrganisationPermissionMixin


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Who or what it is for"), max_length=100)
    audience = forms.ChoiceField(label=_("Figures"), choices=ApiToken.Audience.choices)


class TokensView(OrganisationPermissionMixin, TemplateView):
    permission_required = "api.manage_tokens"
    template_name = "api/tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tokens = ApiToken.objects.filter(organisation=self.request.organisation)
        kwargs.setdefault("form", TokenForm())
        return super().get_context_data(tokens=tokens, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TokenForm(request.POST)
        if not form.is_valid():
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 400
            return response
        token, secret = ApiToken.issue(
            request.organisation,
            form.cleaned_data["name"],
            form.cleaned_data["audience"],
            request.user,
        )
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, token, request.organisation)
        return self.render_to_response(self.get_context_data(secret=secret))


class RevokeView(OrganisationPermissionMixin, TemplateView):
    permission_required = "api.manage_tokens"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, token: int, **kwargs: Any) -> HttpResponse:
        found = get_object_or_404(ApiToken, pk=token, organisation=request.organisation)
        if found.revoked_on is None:
            found.revoked_on = timezone.now()
            found.save(update_fields=["revoked_on"])
            AuditEvent.record(request.user, AuditEvent.Action.DELETE, found, request.organisation)
        return redirect("api:tokens")
