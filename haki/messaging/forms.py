from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, bound
from haki.messaging.models import Channel
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url

PLAIN_SETTINGS = {
    "send_url": _("Sending address (URL)"),
    "username": _("Username"),
    "account_sid": _("Account SID (Twilio)"),
}
SECRET_SETTINGS = {
    "password": _("Password"),
    "api_key": _("API key"),
    "auth_token": _("Auth token (Twilio)"),
    "secret": _("Shared secret"),
}


class ChannelForm(OrganisationModelForm):
    """A gateway connection. Secrets are write-only: the form says whether each is
    set, and a new value replaces it; an empty field keeps it."""

    class Meta:
        model = Channel
        fields = ["type", "name", "address", "tps"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        bound(self.fields["tps"], 1, 1000)
        for key, label in PLAIN_SETTINGS.items():
            self.fields[key] = forms.CharField(
                label=label, required=False, max_length=300, initial=self.instance.config.get(key)
            )
        for key, label in SECRET_SETTINGS.items():
            state = _("set") if self.instance.secret_is_set(key) else _("not set")
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=300,
                strip=False,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=_("Now: %(state)s. A new value replaces it; empty keeps it.")
                % {"state": state},
            )

    def clean_send_url(self) -> str:
        url = self.cleaned_data["send_url"].strip()
        if url and not re.match(r"^https?://[^\s/]+", url):
            raise forms.ValidationError(_("Write an address starting with http:// or https://."))
        if url:
            try:
                check_send_url(url, self.organisation.allow_local_gateways)
            except UnsafeSendUrl:
                raise forms.ValidationError(
                    _("Haki does not send to this machine or its link-local addresses.")
                ) from None
        return url

    def save(self, commit: bool = True) -> Channel:
        data = self.cleaned_data
        self.instance.update_settings(
            {key: data[key].strip() for key in PLAIN_SETTINGS},
            {key: data[key] for key in SECRET_SETTINGS},
        )
        return super().save(commit)
