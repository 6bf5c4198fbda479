from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.models import Area
from haki.reports.brief import Audience
from haki.reports.figures import plausible

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def day_field(label: str) -> forms.DateField:
    """A day of a period, within the years a period may fall in."""
    return forms.DateField(label=label, widget=DATE, validators=[plausible])


def default_period() -> tuple[datetime.date, datetime.date]:
    """The two months before today: review meetings are held every other month."""
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    start = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, first_of_month - datetime.timedelta(days=1)


class BriefForm(forms.Form):
    since = day_field(_("From"))
    until = day_field(_("Until"))
    audience = forms.ChoiceField(
        label=_("For"),
        choices=[
            (Audience.INTERNAL.value, _("The review meeting (internal)")),
            (Audience.POLICE.value, _("Police leadership")),
        ],
    )

    def __init__(self, *args: Any, internal_allowed: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not internal_allowed:
            self.fields["audience"].choices = [
                c for c in self.fields["audience"].choices if c[0] == Audience.POLICE.value
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must end after it starts."))
        if since and until and (until - since).days > 366 * 5:
            raise forms.ValidationError(_("A brief covers at most five years."))
        return data


class ProgrammeForm(forms.Form):
    since = day_field(_("From"))
    until = day_field(_("Until"))
    area = forms.ChoiceField(label=_("Area"), required=False)
    audience = forms.ChoiceField(
        label=_("Figures"),
        choices=[
            ("internal", _("Everything (internal)")),
            ("external", _("As they may leave the organisation")),
        ],
    )

    def __init__(self, *args: Any, organisation: Any, internal_allowed: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["area"].choices = [("", _("All areas"))] + [
            (area.code, f"{'· ' * depth}{area.name}") for area, depth in Area.tree(organisation)
        ]
        if not internal_allowed:
            self.fields["audience"].choices = [
                c for c in self.fields["audience"].choices if c[0] == "external"
            ]

    def clean(self) -> dict[str, Any]:
        from haki.reports.catalogue import Audience
        from haki.reports.figures import ScopeError, scope_for

        data = super().clean()
        if self.errors:
            return data
        try:
            data["scope"] = scope_for(
                self.organisation,
                data["since"],
                data["until"],
                data.get("area") or None,
                Audience(data["audience"]),
            )
        except ScopeError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class DonorReportForm(forms.Form):
    since = day_field(_("From"))
    until = day_field(_("Until"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must end after it starts."))
        if since and until and (until - since).days > 366 * 3:
            raise forms.ValidationError(_("The period may be at most three years long."))
        return data
