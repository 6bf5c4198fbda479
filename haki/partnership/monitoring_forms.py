"""Forms of station monitoring and recognition. Each is given the organisation (or the
round, or the officer) and offers nothing of another organisation; what the form
cannot see, the model checks again before anything is written."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.models import Organisation
from haki.partnership.forms import ally_by_number, date_field, members_with_alias, plausible
from haki.partnership.models import Ally
from haki.partnership.monitoring import (
    Answer,
    ChecklistTemplate,
    Round,
    VisitRecord,
    visit_problems,
)
from haki.partnership.recognition import Nomination, positive_cases

MAX_TEAM = 20
ITEM = "item_"


def team(text: str) -> list[str]:
    """The names a team field lists, comma-separated; more than MAX_TEAM is refused,
    never cut short."""
    found = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if len(found) > MAX_TEAM:
        raise ValidationError(
            _("At most %(most)s people can be listed here."), params={"most": MAX_TEAM}
        )
    return found


class RoundForm(forms.ModelForm):
    starts_on = date_field(_("First day"))
    ends_on = date_field(_("Last day"))

    class Meta:
        model = Round
        fields = ["name", "template", "starts_on", "ends_on", "area"]

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["template"].queryset = ChecklistTemplate.objects.filter(
            organisation=organisation
        )
        self.fields["area"].queryset = organisation.areas.all()
        self.fields["area"].empty_label = _("All areas")
        self.instance.organisation = organisation

    def clean_starts_on(self) -> datetime.date:
        return plausible(self.cleaned_data["starts_on"])

    def clean_ends_on(self) -> datetime.date:
        return plausible(self.cleaned_data["ends_on"])


class VisitForm(forms.Form):
    """A visit from a phone: the station, the day, the team and one answer per item."""

    station = forms.ModelChoiceField(label=_("Station"), queryset=None)
    visited_on = date_field(_("Date of the visit"))
    members = forms.CharField(
        label=_("Community members on the team"),
        help_text=_("Their aliases, separated by commas."),
        max_length=600,
        required=False,
    )
    members_consented = forms.BooleanField(
        label=_("These members agreed to be named on this visit"), required=False
    )
    officers = forms.CharField(
        label=_("Police on the team"),
        help_text=_("Service numbers, separated by commas."),
        max_length=600,
        required=False,
    )

    def __init__(self, round: Round, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        self.organisation = round.organisation
        self.fields["station"].queryset = round.stations()
        today = timezone.localdate(timezone=self.organisation.tzinfo)
        self.fields["visited_on"].initial = min(max(today, round.starts_on), round.ends_on)
        self.items = list(round.template.items.all())
        for item in self.items:
            self.fields[f"{ITEM}{item.key}"] = forms.ChoiceField(
                label=item.display_text, choices=Answer.choices, widget=forms.RadioSelect
            )

    def item_fields(self) -> list:
        return [self[f"{ITEM}{item.key}"] for item in self.items]

    def team_fields(self) -> list:
        return [self[name] for name in ("members", "members_consented", "officers")]

    def clean_visited_on(self) -> datetime.date:
        return plausible(self.cleaned_data["visited_on"])

    def clean_members(self) -> list:
        members = []
        for alias in team(self.cleaned_data["members"]):
            found = members_with_alias(self.organisation, alias)
            if not found:
                raise ValidationError(
                    _("No member has the alias %(alias)s."), params={"alias": alias}
                )
            if len(found) > 1:
                raise ValidationError(
                    _("Several members have the alias %(alias)s; ask a coordinator."),
                    params={"alias": alias},
                )
            members.append(found[0])
        return list({m.pk: m for m in members}.values())

    def clean_officers(self) -> list[Ally]:
        allies = []
        for number in team(self.cleaned_data["officers"]):
            ally = Ally.find(self.organisation, number)
            if ally is None:
                raise ValidationError(
                    _("No officer has the service number %(number)s."), params={"number": number}
                )
            allies.append(ally)
        return list({a.pk: a for a in allies}.values())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("members") and not data.get("members_consented"):
            self.add_error("members_consented", _("Members are named only when they agreed to it."))
        keys = {item.key for item in self.items}
        if any(k.startswith(ITEM) and k[len(ITEM) :] not in keys for k in self.data):
            raise ValidationError(_("Some answers are for items that are not on the checklist."))
        if not self.errors:
            problems = visit_problems(self.record())
            if problems:
                raise ValidationError(problems)
        return data

    def record(self) -> VisitRecord:
        data = self.cleaned_data
        return VisitRecord(
            round=self.round,
            station=data["station"],
            visited_on=data["visited_on"],
            answers={item.key: data[f"{ITEM}{item.key}"] for item in self.items},
            allies=data.get("officers", []),
            members=data.get("members", []),
        )


class FindOfficerForm(forms.Form):
    service_number = forms.CharField(label=_("Service number"), max_length=64)

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_service_number(self) -> Ally:
        return ally_by_number(self.organisation, self.cleaned_data["service_number"])


class EvidenceField(forms.ModelMultipleChoiceField):
    """A positive act by its date, area and what happened: no alias, no case number."""

    def label_from_instance(self, case: Any) -> str:
        acts = ", ".join(v.display_label for v in case.violations.all() if v.kind == "positive")
        return f"{case.occurred_on:%Y-%m-%d}, {case.area.name}: {acts}"


class NominationForm(forms.Form):
    award = forms.CharField(label=_("Award"), max_length=200)
    nominated_on = date_field(_("Nominated on"))
    cases = EvidenceField(
        label=_("Positive acts as evidence"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, ally: Ally, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ally = ally
        candidates = positive_cases(ally).select_related("area").prefetch_related("violations")
        self.fields["cases"].queryset = candidates
        self.fields["nominated_on"].initial = timezone.localdate(timezone=ally.organisation.tzinfo)

    def clean_nominated_on(self) -> datetime.date:
        return plausible(self.cleaned_data["nominated_on"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Nomination.Decision.AWARDED, _("awarded")),
            (Nomination.Decision.DECLINED, _("declined")),
        ],
        widget=forms.RadioSelect,
    )
    decided_on = date_field(_("Decided on"))

    def __init__(self, nomination: Nomination, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.nomination = nomination

    def clean_decided_on(self) -> datetime.date:
        day = plausible(self.cleaned_data["decided_on"])
        if day < self.nomination.nominated_on:
            raise ValidationError(_("A decision comes on or after the nomination."))
        return day
