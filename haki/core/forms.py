from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.forms import AuthenticationTokenForm


class DateRangeForm(forms.Form):
    """From and until dates for a list; subclass it and add the other filters."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter_dates(self, queryset: QuerySet, field: str) -> QuerySet:
        """``queryset`` limited to the chosen days of its datetime ``field``."""
        if self.cleaned_data.get("since"):
            queryset = queryset.filter(**{f"{field}__date__gte": self.cleaned_data["since"]})
        if self.cleaned_data.get("until"):
            queryset = queryset.filter(**{f"{field}__date__lte": self.cleaned_data["until"]})
        return queryset


class TokenForm(AuthenticationTokenForm):
    """The sign-in's code step. A code is good once: the second sign-in within the same
    30 seconds is refused, and says why rather than "Invalid token"."""

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            if self.code_was_used():
                raise forms.ValidationError(
                    _(
                        "This code was already used. Wait for the next code in your "
                        "authenticator app (a new one every 30 seconds) and enter that."
                    ),
                    code="used",
                ) from None
            raise

    def code_was_used(self) -> bool:
        token = self.cleaned_data.get("otp_token") or ""
        device = TOTPDevice.objects.filter(user=self.user, confirmed=True).first()
        if device is None or not token.isdigit() or device.last_t < 0:
            return False
        return hotp(device.bin_key, device.last_t, device.digits) == int(token)
