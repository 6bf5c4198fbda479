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
        return plausible(day)


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
        return ally_by_number(self.organisation, self.cleaned_data["service_number"])


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
        return ally_by_number(self.organisation, self.cleaned_data[name])

    def clean_keep(self) -> Ally:
        return self._ally("keep")

    def clean_other(self) -> Ally:
        return self._ally("other")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("keep") and data.get("other") and data["keep"].pk == data["other"].pk:
            raise forms.ValidationError(_("Give the service numbers of two different records."))
        return data


# Joint action plans and review meetings -------------------------------------------


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


def plausible(day: datetime.date | None) -> datetime.date | None:
    """The one bound on a typed date: far-off years are typing mistakes."""
    if day is not None and not 1950 <= day.year <= 2200:
        raise forms.ValidationError(_("Choose a date between 1950 and 2200."))
    return day


def ally_by_number(organisation: Organisation, number: str) -> Ally:
    """An ally of ``organisation`` by service number; another organisation's numbers
    are not found."""
    found = Ally.find(organisation, number)
    if found is None:
        raise forms.ValidationError(_("No officer has this service number."))
    return found


def members_with_alias(organisation: Organisation, alias: str) -> list[Any]:
    """At most two members of ``organisation`` (not erased) with ``alias``, whatever its
    case: one is the member meant, two mean the alias does not say who."""
    from haki.members.models import Member

    found = Member.objects.filter(
        organisation=organisation, alias__iexact=alias.strip(), erased_on__isnull=True
    )
    return list(found[:2])


def member_by_alias(organisation: Organisation, alias: str):
    found = members_with_alias(organisation, alias)
    if len(found) != 1:
        raise forms.ValidationError(
            _("No member has this alias.") if not found else _("Several members have this alias.")
        )
    return found[0]


def staff_users(organisation: Organisation):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organisation=organisation, memberships__deactivated_on__isnull=True
        )
        .order_by("username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class PlanForm(forms.Form):
    """A plan for an area or a station, with its parties; dates in order."""

    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False)
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Area.objects.none(), required=False
    )
    focal_point = forms.CharField(
        label=_("Focal point (service number)"), max_length=64, required=False
    )
    leader_alias = forms.CharField(
        label=_("Community leader (member's alias)"), max_length=64, required=False
    )
    leader_user = StaffChoiceField(
        label=_("or a staff member"), queryset=Area.objects.none(), required=False
    )
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"))

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        from haki.partnership.models import Station

        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["area"].queryset = organisation.areas.all()
        self.fields["station"].queryset = Station.objects.filter(organisation=organisation)
        self.fields["leader_user"].queryset = staff_users(organisation)

    def clean_focal_point(self) -> Ally | None:
        number = self.cleaned_data["focal_point"]
        return ally_by_number(self.organisation, number) if number.strip() else None

    def clean_leader_alias(self):
        alias = self.cleaned_data["leader_alias"]
        return member_by_alias(self.organisation, alias) if alias.strip() else None

    def clean_starts_on(self) -> datetime.date:
        return plausible(self.cleaned_data["starts_on"])

    def clean_ends_on(self) -> datetime.date:
        return plausible(self.cleaned_data["ends_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("area")) == bool(data.get("station")):
            self.add_error("area", _("Choose an area or a station, not both."))
        if data.get("leader_alias") and data.get("leader_user"):
            self.add_error("leader_user", _("Choose a member or a staff member, not both."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A plan ends on or after the day it starts."))
        return data


class ActionForm(forms.Form):
    """An action with one owner of the organisation: an officer by service number, a
    member by alias or a staff member; its due date inside the plan's dates (on or
    after a meeting's day)."""

    title = forms.CharField(label=_("Action"), max_length=200)
    owner_number = forms.CharField(
        label=_("Owner: officer's service number"), max_length=64, required=False
    )
    owner_alias = forms.CharField(label=_("or a member's alias"), max_length=64, required=False)
    owner_user = StaffChoiceField(
        label=_("or a staff member"), queryset=Area.objects.none(), required=False
    )
    due_on = date_field(_("Due on"))

    def __init__(
        self,
        organisation: Organisation,
        *args: Any,
        earliest: datetime.date | None = None,
        latest: datetime.date | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.organisation, self.earliest, self.latest = organisation, earliest, latest
        self.fields["owner_user"].queryset = staff_users(organisation)

    def clean_owner_number(self) -> Ally | None:
        number = self.cleaned_data["owner_number"]
        return ally_by_number(self.organisation, number) if number.strip() else None

    def clean_owner_alias(self):
        alias = self.cleaned_data["owner_alias"]
        return member_by_alias(self.organisation, alias) if alias.strip() else None

    def clean_due_on(self) -> datetime.date:
        due = plausible(self.cleaned_data["due_on"])
        if self.earliest and due < self.earliest:
            raise forms.ValidationError(
                _("The due date cannot be before %(day)s.") % {"day": self.earliest.isoformat()}
            )
        if self.latest and due > self.latest:
            raise forms.ValidationError(
                _("The due date cannot be after %(day)s.") % {"day": self.latest.isoformat()}
            )
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        owners = [data.get(f) for f in ("owner_number", "owner_alias", "owner_user")]
        given = [o for o in owners if o]
        fields_ok = not any(f in self.errors for f in ("owner_number", "owner_alias"))
        if fields_ok and len(given) != 1:
            self.add_error(None, _("Give one owner: an officer, a member or a staff member."))
        return data

    def owner_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "owner_ally": data.get("owner_number"),
            "owner_member": data.get("owner_alias"),
            "owner_user": data.get("owner_user"),
        }


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args: Any, **kwargs: Any):
        from haki.partnership.models import Action

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Action.Status.choices


class CheckInForm(forms.Form):
    """A site visit or a call, on a day within the plan and not in the future."""

    kind = forms.ChoiceField(label=_("Kind"))
    on = date_field(_("On"))
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, plan: Any, *args: Any, **kwargs: Any):
        from haki.partnership.models import CheckIn

        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["kind"].choices = CheckIn.Kind.choices

    def clean_on(self) -> datetime.date:
        day = plausible(self.cleaned_data["on"])
        today = timezone.localdate(timezone=self.plan.organisation.tzinfo)
        if day < self.plan.starts_on:
            raise forms.ValidationError(_("A check-in cannot be before the plan starts."))
        if day > today:
            raise forms.ValidationError(_("A check-in cannot be in the future."))
        return day


class MeetingForm(forms.Form):
    held_on = date_field(_("Held on"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    attended_community = forms.IntegerField(
        label=_("Community members"), min_value=0, max_value=10000, initial=0
    )
    attended_police = forms.IntegerField(
        label=_("Police officers"), min_value=0, max_value=10000, initial=0
    )
    attended_staff = forms.IntegerField(label=_("Staff"), min_value=0, max_value=10000, initial=0)
    attended_other = forms.IntegerField(label=_("Others"), min_value=0, max_value=10000, initial=0)

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_held_on(self) -> datetime.date:
        return plausible(self.cleaned_data["held_on"])
