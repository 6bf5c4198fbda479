"""Re-authentication before sensitive acts (exports): the password and a fresh
authenticator code, valid for a few minutes in this session only."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_otp.plugins.otp_totp.models import TOTPDevice

REAUTH_SESSION_KEY = "haki_reauthenticated_at"
REAUTH_SECONDS = 300


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return at is not None and time.time() - at < REAUTH_SECONDS


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = self.request.user
        good_password = (
            authenticate(self.request, username=user.get_username(), password=data.get("password"))
            == user
        )
        # The code is checked only after the password, so that a mistyped password does
        # not use up the code (each one is accepted once).
        device = TOTPDevice.objects.filter(user=user, name="default", confirmed=True).first()
        good_token = (
            good_password and device is not None and device.verify_token(data.get("token", ""))
        )
        if not good_token:
            raise forms.ValidationError(_("The password or the code is not right."))
        return data


class ReauthView(FormView):
    form_class = ReauthForm
    template_name = "core/reauth.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def next_url(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(wanted, {self.request.get_host()}):
            return wanted
        return reverse("core:home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form: ReauthForm) -> HttpResponse:
        self.request.session[REAUTH_SESSION_KEY] = time.time()
        return redirect(self.next_url())


class RecentAuthenticationRequiredMixin:
    """For views that hand data out: asks for the password and a code again unless
    the user gave them in the last few minutes."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not recently_authenticated(request):
            # The permission check still comes first, so no one learns more by asking.
            if hasattr(self, "has_permission") and not self.has_permission():
                return self.handle_no_permission()
            return redirect(
                f"{reverse('core:reauth')}?{urlencode({'next': request.get_full_path()})}"
            )
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
