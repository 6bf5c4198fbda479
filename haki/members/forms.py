from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, language_choices, phone_for
from haki.core.words import normalise, word_taken
from haki.members.models import Member, MemberGroup

SEPARATORS = re.compile(r"[,;\n]")
MAX_CODEWORDS = 5


class MemberForm(OrganisationModelForm):
    """A member added or edited by a coordinator. The number is asked only when the
    member is added; it is never shown again in full."""

    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("In the organisation's country, or with + and the country code."),
    )
    codewords = forms.CharField(
        label=_("Codewords"),
        required=False,
        max_length=200,
        help_text=_("Discreet words that raise an alert, separated by commas."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    new_group = forms.SlugField(
        label=_("Add to a new group"),
        required=False,
        max_length=50,
        help_text=_("Optional: a short lower-case name."),
    )

    class Meta:
        model = Member
        fields = [
            "alias",
            "area",
            "language",
            "share_number_with_responders",
            "allow_police_referral",
        ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        org = self.organisation
        self.fields["area"].queryset = org.areas.all()
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=language_choices(org)
        )
        self.fields["groups"].queryset = org.member_groups.all()
        if self.instance.pk:
            del self.fields["phone"]
            self.initial.setdefault("codewords", ", ".join(self.instance.codewords))
            self.initial.setdefault("groups", list(self.instance.groups.all()))
        self.order_fields(
            ["alias", "phone", "area", "language", "codewords", "groups", "new_group"]
        )

    def clean_phone(self) -> str:
        e164 = phone_for(self.organisation, self.cleaned_data["phone"])
        if Member.objects.with_phone(self.organisation, e164).exists():
            # Says only that the number is taken, never by whom.
            raise forms.ValidationError(_("A member with this number is already registered."))
        return e164

    def clean_codewords(self) -> list[str]:
        words = [w for w in SEPARATORS.split(self.cleaned_data["codewords"]) if normalise(w)]
        if len(words) > MAX_CODEWORDS:
            raise forms.ValidationError(
                _("At most %(count)s codewords.") % {"count": MAX_CODEWORDS}
            )
        # Only new words are checked: each check opens the organisation's codewords.
        own = {normalise(word) for word in self.instance.codewords} if self.instance.pk else set()
        problems = []
        for word in words:
            if normalise(word) in own:
                continue
            reason = word_taken(self.organisation, word, ignore=self.instance)
            if reason:
                problems.append(f"{word.strip()}: {reason}")
        if problems:
            raise forms.ValidationError(problems)
        return words

    def clean_new_group(self) -> str:
        return self.cleaned_data["new_group"].strip().lower()

    @transaction.atomic
    def save(self, commit: bool = True) -> Member:
        member = super().save(commit=False)
        if "phone" in self.cleaned_data:
            member.phone = self.cleaned_data["phone"]
        member.codewords = self.cleaned_data["codewords"]
        member.save()
        groups = list(self.cleaned_data["groups"])
        if self.cleaned_data["new_group"]:
            group, _created = MemberGroup.objects.get_or_create(
                organisation=self.organisation, name=self.cleaned_data["new_group"]
            )
            groups.append(group)
        member.groups.set(groups)
        return member


class NumberSearchForm(forms.Form):
    """Find a member by number: posted, looked up through the HMAC index, and never
    written to a URL or the session."""

    phone = forms.CharField(label=_("Phone number"), max_length=32)

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_phone(self) -> str:
        return phone_for(self.organisation, self.cleaned_data["phone"])


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: the member's number, alias and codewords are erased for good."),
        error_messages={"required": _("Tick the box to erase the member.")},
    )
