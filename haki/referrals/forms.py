from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, language_choices, phone_for
from haki.core.roles import Role
from haki.members.models import Member
from haki.referrals.models import (
    EntitlementApplication,
    ForumMeeting,
    Referral,
    Service,
    ServiceKind,
)

MAX_CONFIRM_PHONES = 10


class ServiceForm(OrganisationModelForm):
    phone = forms.CharField(label=_("Contact number for members"), required=False, max_length=32)
    confirm_phones = forms.CharField(
        label=_("Numbers that confirm attendance"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line. They text SEEN and the code when someone comes."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Service
        fields = ["name", "kind", "area", "address", "hours", "languages", "friendly", "active"]
        fields += ["providers"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        org = self.organisation
        self.fields["kind"].queryset = ServiceKind.of(org)
        self.fields["area"].queryset = org.areas.all()
        self.fields["languages"].choices = language_choices(org)
        self.fields["providers"].queryset = get_user_model().objects.filter(
            memberships__organisation=org, memberships__role=Role.SERVICE_PROVIDER
        )
        self.fields["providers"].label = _("Service providers who confirm on the web")
        self.fields["providers"].required = False
        if self.instance.pk:
            self.fields["phone"].initial = self.instance.phone
            self.fields["confirm_phones"].initial = "\n".join(self.instance.confirm_phones())

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Service.objects.filter(organisation=self.organisation, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another service already has this name."))
        return name

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return phone_for(self.organisation, raw) if raw else ""

    def clean_confirm_phones(self) -> list[str]:
        lines = [line for line in self.cleaned_data["confirm_phones"].splitlines() if line.strip()]
        if len(lines) > MAX_CONFIRM_PHONES:
            raise forms.ValidationError(_("At most %(n)s numbers.") % {"n": MAX_CONFIRM_PHONES})
        return sorted({phone_for(self.organisation, line) for line in lines})

    def save(self, commit: bool = True) -> Service:
        service = super().save(commit=False)
        service.phone = self.cleaned_data["phone"]
        service.save()
        self.save_m2m()
        service.set_confirm_phones(self.cleaned_data["confirm_phones"])
        return service


class ReferralForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    reason = forms.CharField(
        label=_("Reason (never texted)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    send_slip = forms.BooleanField(label=_("Text the slip to the member"), required=False)

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["member"].queryset = Member.objects.filter(
            organisation=organisation, erased_on__isnull=True
        )
        self.fields["member"].to_field_name = "uuid"
        self.fields["service"].queryset = (
            Service.objects.active().filter(organisation=organisation).select_related("kind")
        )
        self.fields["service"].to_field_name = "uuid"


class CancelForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, cancel this referral"))


class ConfirmForm(forms.Form):
    """A service provider's confirmation: the code the person shows."""

    code = forms.CharField(label=_("Code on the slip or card"), max_length=8)
    action = forms.ChoiceField(
        choices=[("completed", _("They came")), ("accepted", _("We expect them"))],
        initial="completed",
        label=_("What happened"),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()


class ApplicationForm(OrganisationModelForm):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    texts_agreed = forms.BooleanField(
        label=_("She agrees to be texted when the status changes"), required=False
    )

    class Meta:
        model = EntitlementApplication
        fields = ["member", "kind", "office", "documents", "documents_from"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            organisation=self.organisation, erased_on__isnull=True
        )
        self.fields["member"].to_field_name = "uuid"

    def save(self, commit: bool = True) -> EntitlementApplication:
        from django.utils import timezone

        application = super().save(commit=False)
        if self.cleaned_data.get("texts_agreed"):
            application.texts_consented_on = timezone.localdate()
        application.save()
        return application


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=EntitlementApplication.Status.choices)


class ForumForm(OrganisationModelForm):
    class Meta:
        model = ForumMeeting
        fields = ["name", "held_on", "departments", "applications"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = EntitlementApplication.objects.filter(
            organisation=self.organisation
        ).select_related("member")
        self.fields["applications"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["applications"].choices
        )
        self.fields["applications"].required = False


__all__ = ["Referral"]
