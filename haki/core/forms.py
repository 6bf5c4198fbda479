from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


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
