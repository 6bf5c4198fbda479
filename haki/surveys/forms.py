from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haki.surveys.models import FollowUp


class BroadcastForm(forms.Form):
    """One text per organisation language, and optionally some areas."""

    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=None,
        required=False,
        help_text=_("None chosen: every member."),
        widget=forms.CheckboxSelectMultiple,
    )

    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["areas"].queryset = organisation.areas.all()
        self.fields["groups"].queryset = organisation.member_groups.all()
        for code in organisation.languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": code},
                max_length=459,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"text_{code}"].strip()
            for code in self.organisation.languages
            if self.cleaned_data[f"text_{code}"].strip()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any((data.get(f"text_{c}") or "").strip() for c in self.organisation.languages):
            raise forms.ValidationError(_("Write the text in at least one language."))
        return data


class CloseFollowUpForm(forms.ModelForm):
    note = forms.CharField(
        label=_("What came of the call"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []
