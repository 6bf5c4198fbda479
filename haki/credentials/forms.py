from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.credentials import codes
from haki.credentials.models import Credential, Endorsement, Issuer
from haki.credentials.photos import clean_photo
from haki.credentials.tokens import EPOCH

# The token stores days since 2020 in 16 bits; cards last far less anyway.
LONGEST = datetime.timedelta(days=5 * 366)


class DateInput(forms.DateInput):
    input_type = "date"


def photo_field(required: bool) -> forms.FileField:
    return forms.FileField(
        label=_("Photo"),
        required=required,
        help_text=_("JPEG, PNG or WebP, up to 5 MB; shown only on the printed card."),
    )


class PhotoForm(forms.Form):
    photo = photo_field(required=True)

    def clean_photo(self) -> bytes:
        return clean_photo(self.cleaned_data["photo"])


class IssueForm(forms.ModelForm):
    holder = forms.CharField(
        label=_("Name of the person"),
        max_length=120,
        help_text=_("For your own list only: it is never printed on the card or shown by a check."),
    )
    photo = photo_field(required=False)

    class Meta:
        model = Credential
        fields = ["role", "valid_from", "valid_until"]
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        today = timezone.now().astimezone(organisation.tzinfo).date()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today.replace(
            year=today.year + 1
        ) - datetime.timedelta(days=1)

    def clean_photo(self) -> bytes:
        upload = self.cleaned_data.get("photo")
        return clean_photo(upload) if upload else b""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, until = data.get("valid_from"), data.get("valid_until")
        if start and start < EPOCH:
            self.add_error("valid_from", _("Choose a date from 2020 on."))
        if start and until and until < start:
            self.add_error("valid_until", _("A card cannot end before it starts."))
        elif start and until and until - start > LONGEST:
            self.add_error("valid_until", _("A card can be valid for five years at most."))
        return data


class EndorseForm(forms.ModelForm):
    class Meta:
        model = Endorsement
        fields = ["endorser"]


class IssuerForm(forms.ModelForm):
    class Meta:
        model = Issuer
        fields = ["public_name", "check_number"]


class CheckForm(forms.Form):
    code = forms.CharField(
        label=_("Code on the card"),
        max_length=16,
        help_text=_("Eight letters and digits, for example K7Q2-8XM4."),
    )

    def clean_code(self) -> str:
        code = codes.parse(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A code has eight letters and digits, for example K7Q2-8XM4."), code="format"
            )
        return code
