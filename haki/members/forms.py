from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, language_choices, phone_for
from haki.core.models import Organisation
from haki.core.spreadsheets import MAX_UPLOAD_BYTES
from haki.core.words import normalise, word_taken
from haki.members.imports import COLUMNS, Mapping
from haki.members.models import Member, MemberGroup

LABELS = {
    "alias": _("Alias"),
    "phone": _("Phone number"),
    "area": _("Area code"),
    "language": _("Language"),
    "groups": _("Groups (separated by ;)"),
    "codewords": _("Codewords (separated by ;)"),
    "share_number_with_responders": _("Consent to share the number with responders (yes/no)"),
    "allow_police_referral": _("Consent to referral to police allies (yes/no)"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("At most 20 MB and 200,000 rows."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("A file may be at most 20 MB."))
        return upload


class MappingForm(forms.Form):
    """Which column of the file fills which field of a member. Nothing is chosen for a
    column called Name: such exports often hold legal names."""

    def __init__(
        self,
        *args: Any,
        header: Sequence[str],
        organisation: Organisation,
        suggested: Mapping,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not imported)"))] + [
            (str(i), title or _("column %(number)s") % {"number": i + 1})
            for i, title in enumerate(header)
        ]
        for name in COLUMNS:
            position = suggested.columns.get(name)
            self.fields[name] = forms.ChoiceField(
                label=LABELS[name],
                choices=choices,
                required=name == "phone",
                initial="" if position is None else str(position),
            )
        self.fields["alias"].help_text = _(
            "Choose a column only if it holds the names members chose for the network. "
            "Without one, new members get a pseudonym."
        )
        areas = organisation.areas.values_list("code", "name")
        self.fields["default_area"] = forms.ChoiceField(
            label=_("Area for rows that give none"),
            choices=[("", "—"), *((code, f"{name} ({code})") for code, name in areas)],
            required=False,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [data.get(name) for name in COLUMNS if data.get(name)]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each column of the file may fill one field only."))
        return data

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        return Mapping(
            columns={name: int(data[name]) for name in COLUMNS if data.get(name)},
            area=data.get("default_area") or "",
        )


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
        labels = {"area": _("Area")}

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
