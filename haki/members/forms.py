from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haki.core.models import Organisation
from haki.core.spreadsheets import MAX_UPLOAD_BYTES
from haki.members.imports import COLUMNS, Mapping

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
