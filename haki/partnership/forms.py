from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.models import Area, Organisation
from haki.partnership.models import SCORE_MAX, Ally


class CoverageForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All areas")
    )
    day = forms.DateField(label=_("On"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = organisation.areas.all()
        self.organisation = organisation

    def clean_day(self) -> datetime.date:
        day = self.cleaned_data.get("day") or timezone.localdate(timezone=self.organisation.tzinfo)
        if day.year < 1950 or day.year > 2200:
            raise forms.ValidationError(_("Choose a date between 1950 and 2200."))
        return day


class AttendanceForm(forms.Form):
    service_number = forms.CharField(label=_("Service number"), max_length=64)
    pre_score = forms.IntegerField(
        label=_("Pre-test score"), min_value=0, max_value=SCORE_MAX, required=False
    )
    post_score = forms.IntegerField(
        label=_("Post-test score"), min_value=0, max_value=SCORE_MAX, required=False
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_service_number(self) -> Ally:
        found = Ally.find(self.organisation, self.cleaned_data["service_number"])
        if found is None:
            raise forms.ValidationError(_("No officer has this service number."))
        return found


class OfficerForm(AttendanceForm):
    """An officer by service number, nothing else."""

    pre_score = None
    post_score = None


class MergeForm(forms.Form):
    """Two records of one officer, by service number: the second becomes the first."""

    keep = forms.CharField(label=_("Service number to keep"), max_length=64)
    other = forms.CharField(label=_("Service number of the duplicate"), max_length=64)

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def _ally(self, name: str) -> Ally:
        found = Ally.find(self.organisation, self.cleaned_data[name])
        if found is None:
            raise forms.ValidationError(_("No officer has this service number."))
        return found

    def clean_keep(self) -> Ally:
        return self._ally("keep")

    def clean_other(self) -> Ally:
        return self._ally("other")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("keep") and data.get("other") and data["keep"].pk == data["other"].pk:
            raise forms.ValidationError(_("Give the service numbers of two different records."))
        return data
