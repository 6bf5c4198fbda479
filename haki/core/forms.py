from __future__ import annotations

import json
import re
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.forms import AuthenticationTokenForm

from haki.core.models import MINIMUM_K, Area, Organisation
from haki.core.phones import InvalidPhoneNumber, normalise_phone

TIER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


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


# What the web accepts as an area's outline file: a few hundred kilobytes of GeoJSON.
OUTLINE_MAX_BYTES = 512 * 1024


def language_choices(organisation: Any) -> list[tuple[str, str]]:
    """The organisation's languages, by name, its default first."""
    names = dict(settings.LANGUAGES)
    return [(code, str(names.get(code, code))) for code in organisation.languages]


def bound(field: forms.Field, low: int, high: int) -> None:
    """Limit a number field of a model form to ``low``..``high``, on the server and in
    the phone's keyboard."""
    field.validators += [MinValueValidator(low), MaxValueValidator(high)]
    field.widget.attrs.update(min=low, max=high)


def phone_for(organisation: Any, raw: str) -> str:
    """``raw`` in E.164, read in the organisation's country, or a field error that
    never repeats the number."""
    try:
        return normalise_phone(raw.strip(), organisation.country)
    except InvalidPhoneNumber:
        raise forms.ValidationError(
            _("This is not a phone number in %(country)s or in international form.")
            % {"country": organisation.country}
        ) from None


class OrganisationModelForm(forms.ModelForm):
    """A form for one record of the request's organisation: the organisation is given
    by the view, never chosen in the form."""

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        if hasattr(self.instance, "organisation_id") and self.instance.organisation_id is None:
            self.instance.organisation = organisation


class AreaForm(OrganisationModelForm):
    outline = forms.FileField(
        label=_("Outline (GeoJSON)"),
        required=False,
        help_text=_("Optional: a Polygon or MultiPolygon, for the patterns map."),
    )
    remove_outline = forms.BooleanField(label=_("Remove the outline"), required=False)

    class Meta:
        model = Area
        fields = ["code", "name", "parent"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = self.organisation.areas.all()
        self.fields["parent"].empty_label = _("None: a top-level area")
        self.fields["parent"].label = _("Inside")
        if not self.instance.geometry:
            del self.fields["remove_outline"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        # Members text codes in any case (JOIN ksm-c): two may not differ only by it.
        others = self.organisation.areas.filter(code__iexact=code).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another area already has this code."))
        return code

    def clean_parent(self) -> Area | None:
        parent = self.cleaned_data["parent"]
        if not self.instance.can_move_under(parent):
            raise forms.ValidationError(_("An area cannot be inside itself or one of its own."))
        return parent

    def clean_outline(self) -> dict[str, Any] | None:
        upload = self.cleaned_data.get("outline")
        if not upload:
            return None
        if upload.size > OUTLINE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s kB.") % {"size": OUTLINE_MAX_BYTES // 1024}
            )
        try:
            return Area.outline_from(json.loads(upload.read(OUTLINE_MAX_BYTES + 1)))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            message = str(error) if isinstance(error, ValueError) and error.args else ""
            if not message or isinstance(error, json.JSONDecodeError):
                message = _("The file is not GeoJSON.")
            raise forms.ValidationError(message) from None

    def save(self, commit: bool = True) -> Area:
        if self.cleaned_data.get("outline"):
            self.instance.geometry = self.cleaned_data["outline"]
        elif self.cleaned_data.get("remove_outline"):
            self.instance.geometry = None
        return super().save(commit)


class OrganisationSettingsForm(forms.ModelForm):
    """Time zone, languages, acknowledgement timeout, escalation tiers and k."""

    timezone = forms.ChoiceField(label=_("Time zone"))
    default_language = forms.ChoiceField(label=_("Default language"))
    languages = forms.MultipleChoiceField(
        label=_("Other languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    ack_timeout_minutes = forms.IntegerField(
        label=_("Minutes before an alert nobody took goes to the next tier"),
        min_value=1,
        max_value=24 * 60,
    )
    tiers = forms.CharField(
        label=_("Escalation tiers, in order"),
        max_length=400,
        help_text=_("Short lower-case words separated by commas."),
    )
    neutral_name = forms.CharField(
        label=_("Neutral name"),
        max_length=40,
        required=False,
        help_text=_(
            "Heads the first screen of the USSD menu, which others may see on a shared "
            "phone: a name that says nothing of what the organisation does."
        ),
    )

    class Meta:
        model = Organisation
        fields = ["suppression_k"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        org = self.instance
        choices = [(code, str(name)) for code, name in settings.LANGUAGES]
        self.fields["timezone"].choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        self.fields["default_language"].choices = choices
        self.fields["languages"].choices = choices
        bound(self.fields["suppression_k"], 0, 1000)  # below MINIMUM_K: clean_suppression_k
        self.fields["suppression_k"].widget.attrs["min"] = MINIMUM_K
        self.fields["suppression_k"].help_text = _(
            "Counts below this are hidden in briefs for the police; never below %(k)s."
        ) % {"k": MINIMUM_K}
        if not self.is_bound:
            self.initial.update(
                timezone=org.timezone,
                default_language=org.default_language,
                languages=org.languages[1:],
                ack_timeout_minutes=max(1, org.ack_timeout_seconds // 60),
                tiers=", ".join(org.tiers),
                neutral_name=org.settings.get("neutral_name", ""),
            )

    def clean_suppression_k(self) -> int:
        k = self.cleaned_data["suppression_k"]
        if k < MINIMUM_K:
            raise forms.ValidationError(
                _("May be raised but never set below %(k)s.") % {"k": MINIMUM_K}
            )
        return k

    def clean_tiers(self) -> list[str]:
        tiers = [t.strip().lower() for t in self.cleaned_data["tiers"].split(",") if t.strip()]
        if not tiers or any(not TIER.match(t) for t in tiers):
            raise forms.ValidationError(_("Write short lower-case words separated by commas."))
        if len(set(tiers)) != len(tiers):
            raise forms.ValidationError(_("Each tier may appear only once."))
        held = self.instance.tiers_in_use() - set(tiers)
        if held:
            raise forms.ValidationError(
                _("Responders still hold these tiers: %(tiers)s. Change them first.")
                % {"tiers": ", ".join(sorted(held))}
            )
        return tiers

    def save(self, commit: bool = True) -> Organisation:
        data, org = self.cleaned_data, self.instance
        org.timezone = data["timezone"]
        others = [code for code in data["languages"] if code != data["default_language"]]
        org.languages = [data["default_language"], *others]
        org.ack_timeout_seconds = data["ack_timeout_minutes"] * 60
        org.escalation_tiers = data["tiers"]
        neutral = " ".join(data.get("neutral_name", "").split())
        org.settings = {k: v for k, v in org.settings.items() if k != "neutral_name"}
        if neutral:
            org.settings["neutral_name"] = neutral
        return super().save(commit)


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
