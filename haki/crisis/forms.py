from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haki.core.forms import DateRangeForm, OrganisationModelForm, language_choices, phone_for
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.crisis.models import Responder, RosterShift
from haki.members.models import Member


class RaiseAlertForm(forms.Form):
    """A hotline call, logged as an alert: a known member by alias, or an unknown caller."""

    alias = forms.CharField(
        label=_("Member's alias"),
        required=False,
        max_length=64,
        help_text=_("Leave empty for a caller who is not registered."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, required=False, empty_label=_("The member's own area")
    )
    words = forms.CharField(
        label=_("What is happening"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    caller = forms.CharField(
        label=_("Number to call back"),
        required=False,
        max_length=32,
        help_text=_("Only for a caller who is not registered."),
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["area"].queryset = organisation.areas.all()
        self.member: Member | None = None

    def clean_caller(self) -> str:
        caller = self.cleaned_data["caller"].strip()
        if not caller:
            return ""
        try:
            return normalise_phone(caller, self.organisation.country)
        except InvalidPhoneNumber:
            raise forms.ValidationError(_("This is not a phone number.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        alias = (data.get("alias") or "").strip()
        if alias:
            found = list(
                Member.objects.filter(
                    organisation=self.organisation, alias__iexact=alias, erased_on__isnull=True
                )[:2]
            )
            if not found:
                self.add_error("alias", _("No member has this alias."))
            elif len(found) > 1:
                self.add_error(
                    "alias", _("Several members have this alias; ask for another detail.")
                )
            else:
                self.member = found[0]
        elif not data.get("area"):
            self.add_error("area", _("Choose the area of a caller who is not registered."))
        return data


class CloseAlertForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. released on bond")}),
    )


class AreaFilterForm(forms.Form):
    """One of the organisation's areas, or all of them."""

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = organisation.areas.all()


class ClosedSearchForm(DateRangeForm, AreaFilterForm):
    reference = forms.CharField(label=_("Reference"), required=False, max_length=8)
    field_order = ["since", "until", "reference", "area"]


class ResponderFilterForm(AreaFilterForm):
    def filter(self, responders: Any) -> Any:
        """``responders`` narrowed to those covering the chosen area or any area in it."""
        area = self.cleaned_data["area"] if self.is_valid() else None
        return responders.filter(areas__in=area.subtree()).distinct() if area else responders


class RosterShiftForm(forms.ModelForm):
    class Meta:
        model = RosterShift
        fields = ["weekday", "starts", "ends"]
        labels = {"weekday": _("Day")}
        widgets = {
            "starts": forms.TimeInput(attrs={"type": "time"}),
            "ends": forms.TimeInput(attrs={"type": "time"}),
        }


class ResponderForm(OrganisationModelForm):
    """A responder added or edited by a coordinator: the number only when added."""

    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("In the organisation's country, or with + and the country code."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Responder
        fields = ["tier", "on_duty", "language"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        org = self.organisation
        self.fields["tier"] = forms.ChoiceField(
            label=_("Tier"), choices=[(t, t) for t in org.tiers]
        )
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=language_choices(org)
        )
        self.fields["areas"].queryset = org.areas.all()
        if self.instance.pk:
            del self.fields["phone"]
            self.initial.setdefault("name", self.instance.name)
            self.initial.setdefault("areas", list(self.instance.areas.all()))
        self.order_fields(["name", "phone", "tier", "areas", "language", "on_duty"])

    def clean_phone(self) -> str:
        e164 = phone_for(self.organisation, self.cleaned_data["phone"])
        if Responder.objects.with_phone(self.organisation, e164).exists():
            raise forms.ValidationError(_("A responder with this number already exists."))
        return e164

    @transaction.atomic
    def save(self, commit: bool = True) -> Responder:
        responder = super().save(commit=False)
        responder.name = self.cleaned_data["name"].strip()
        if "phone" in self.cleaned_data:
            responder.phone = self.cleaned_data["phone"]
        responder.save()
        responder.areas.set(self.cleaned_data["areas"])
        return responder


class RetireForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: they are taken off duty and never texted again."),
        error_messages={"required": _("Tick the box to retire the responder.")},
    )
