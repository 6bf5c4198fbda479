from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, bound
from haki.messaging.channels.external import CONTENT_TYPES, METHODS, variables_in_host
from haki.messaging.models import Channel
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url

PLAIN_SETTINGS = {
    "send_url": _("Sending address (URL)"),
    "username": _("Username"),
    "account_sid": _("Account SID (Twilio)"),
    "send_body": _("Request body (External)"),
    "relayer_id": _("Relayer id (RapidPro Android)"),
}
# External (RapidPro EX) only: how the sending address is called.
CHOICE_SETTINGS = {
    "send_method": (_("Request method (External)"), METHODS),
    "content_type": (_("Content type (External)"), tuple(CONTENT_TYPES)),
}
LONG_SETTINGS = {"send_body": 1000}
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
        if not settings.HAKI_SIMULATOR:
            # Texts sent through it reach no phone, yet show as delivered; production
            # refuses to start with one (haki.messaging.checks), so none is offered.
            self.fields["type"].choices = [
                choice
                for choice in self.fields["type"].choices
                if choice[0] != Channel.Type.SIMULATOR
            ]
        for key, label in PLAIN_SETTINGS.items():
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=LONG_SETTINGS.get(key, 300),
                initial=self.instance.config.get(key),
                widget=forms.Textarea(attrs={"rows": 3}) if key in LONG_SETTINGS else None,
            )
        for key, (label, choices) in CHOICE_SETTINGS.items():
            self.fields[key] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "—"), *((value, value) for value in choices)],
                initial=self.instance.config.get(key),
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
        if variables_in_host(url):
            raise forms.ValidationError(
                _("Variables such as {{to}} may stand in the path or the query, not the host.")
            )
        if url:
            try:
                check_send_url(url, self.organisation.allow_local_gateways)
            except UnsafeSendUrl:
                raise forms.ValidationError(
                    _("Haki does not send to this machine or its link-local addresses.")
                ) from None
        return url

    def clean_relayer_id(self) -> int | None:
        value = self.cleaned_data["relayer_id"].strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**63):
            raise forms.ValidationError(_("Write the number RapidPro gave the phone."))
        others = Channel.objects.filter(config__relayer_id=int(value)).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another channel already has this relayer id."))
        return int(value)

    def clean(self) -> dict[str, Any]:
        """Secrets go wherever the sending address says: a new address takes them typed
        again, or whoever may edit the channel could read them at an address of theirs."""
        data = super().clean()
        old_url = self.instance.config.get("send_url") or ""
        if self.instance.pk and "send_url" in data and data["send_url"] != old_url:
            kept = [key for key in SECRET_SETTINGS if self.instance.secret_is_set(key)]
            if any(not data.get(key) for key in kept):
                self.add_error(
                    "send_url",
                    _("A new sending address needs the secrets typed again below."),
                )
        return data

    def save(self, commit: bool = True) -> Channel:
        data = self.cleaned_data
        plain = {key: data[key] for key in (*PLAIN_SETTINGS, *CHOICE_SETTINGS)}
        self.instance.update_settings(
            {
                key: value.strip() if isinstance(value, str) else value
                for key, value in plain.items()
            },
            {key: data[key] for key in SECRET_SETTINGS},
        )
        return super().save(commit)
