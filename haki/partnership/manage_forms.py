"""Forms coordinators use to keep stations, allies, postings and trainings. Each
refuses what the imports and provisioning refuse, with the same rules: the model's
field limits, ``Ally.find`` (the service number's HMAC index), ``Posting.refusal``
(dates in order) and the training's own constraint (last day after the first)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm
from haki.members.models import Member
from haki.partnership.forms import DATE, member_by_alias, plausible
from haki.partnership.models import (
    Ally,
    CoTrainer,
    Facilitator,
    ForceSize,
    Module,
    Posting,
    Station,
    Training,
)
from haki.partnership.provisioning import CODE

MODULES_SHOWN = 3  # empty module rows under those a training has
MODULES_MAX = 50


class StationForm(OrganisationModelForm):
    """A station, and optionally a new count of its force (the history is kept)."""

    force_size = ForceSize._meta.get_field("size").formfield(required=False)
    force_size_on = forms.DateField(label=_("Counted on"), required=False, widget=DATE)

    class Meta:
        model = Station
        fields = ["code", "name", "kind", "area"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.organisation.areas.all()
        self.fields["code"].validators.append(
            RegexValidator(CODE, _("Letters, digits, dots, dashes and underscores only."))
        )
        self.fields["force_size"].help_text = _("Officers posted there; leave empty to keep.")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        others = Station.objects.filter(organisation=self.organisation, code__iexact=code)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another station already has this code."))
        return code

    def clean_force_size_on(self) -> datetime.date | None:
        return plausible(self.cleaned_data.get("force_size_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        size, on = data.get("force_size"), data.get("force_size_on")
        if (size is None) != (on is None) and not self.errors:
            raise forms.ValidationError(_("A force size needs the date it holds for."))
        return data

    def save(self, commit: bool = True) -> Station:
        station = super().save()
        if self.cleaned_data.get("force_size") is not None:
            station.record_force_size(
                self.cleaned_data["force_size"], self.cleaned_data["force_size_on"]
            )
        return station


class AllyForm(OrganisationModelForm):
    """An ally; the name and service number are sealed, the number indexed."""

    name = forms.CharField(label=_("Name"), max_length=200)
    service_number = forms.CharField(
        label=_("Service number"),
        max_length=64,
        help_text=_("For allies outside the police, a registration number of their own."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Ally.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Ally
        fields = ["name", "service_number", "kind", "rank", "roles", "consent_listed"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.instance.organisation = self.organisation
            self.initial.update(
                name=self.instance.name,
                service_number=self.instance.service_number,
                roles=self.instance.roles,
            )

    def clean_service_number(self) -> str:
        number = self.cleaned_data["service_number"]
        if Ally.find(self.organisation, number, exclude=self.instance.pk) is not None:
            raise forms.ValidationError(_("Another ally already has this service number."))
        return number

    def save(self, commit: bool = True) -> Ally:
        ally = super().save(commit=False)
        ally.name = self.cleaned_data["name"]
        ally.service_number = self.cleaned_data["service_number"]
        ally.roles = self.cleaned_data["roles"]
        if not ally.consent_listed:
            ally.consent_listed_on = None
        elif ally.consent_listed_on is None:
            ally.consent_listed_on = timezone.localdate(timezone=self.organisation.tzinfo)
        ally.save()
        ally.link_responder()
        return ally


class PostingForm(forms.Form):
    """A transfer to a station, or the officer leaving the force, from a date."""

    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False
    )
    left = forms.BooleanField(label=_("Left the force"), required=False)
    started_on = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, ally: Ally, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ally = ally
        self.fields["station"].queryset = Station.objects.filter(
            organisation_id=ally.organisation_id
        )

    def clean_started_on(self) -> datetime.date | None:
        return plausible(self.cleaned_data["started_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        station, on = data.get("station"), data.get("started_on")
        if (station is None) == (not data.get("left")):
            raise forms.ValidationError(_("Choose a station, or tick that the officer left."))
        current = self.ally.postings.order_by("-started_on", "-pk").first()
        station_id = station.pk if station else None
        if current is not None and current.station_id == station_id:
            raise forms.ValidationError(_("The officer is already posted there."))
        if on is not None and (refusal := Posting.refusal(current, station_id, on)):
            self.add_error("started_on", capfirst(refusal))
        return data

    def save(self) -> Posting:
        data = self.cleaned_data
        return self.ally.move(data["station"], data["started_on"])


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Module"), max_length=200, required=False)
    hours = forms.DecimalField(
        label=_("Hours"), max_digits=4, decimal_places=1, min_value=0.5, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and bool(data.get("title")) != (data.get("hours") is not None):
            raise forms.ValidationError(_("A module needs a title and its hours."))
        return data


ModuleFormSet = forms.formset_factory(
    ModuleForm, extra=MODULES_SHOWN, max_num=MODULES_MAX, validate_max=True
)


class TrainingForm(OrganisationModelForm):
    """A training and its modules (the modules become what the form gives)."""

    class Meta:
        model = Training
        fields = ["name", "kind", "starts_on", "ends_on", "place", "area"]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.organisation.areas.all()
        initial = []
        if self.instance.pk and not self.is_bound:
            initial = [{"title": m.title, "hours": m.hours} for m in self.instance.modules.all()]
        # Bound, every row is read as typed: a row left as it was is kept, not skipped.
        self.modules = ModuleFormSet(self.data or None, initial=initial, prefix="modules")

    def is_valid(self) -> bool:
        return all([super().is_valid(), self.modules.is_valid()])

    def clean_starts_on(self) -> datetime.date | None:
        return plausible(self.cleaned_data.get("starts_on"))

    def clean_ends_on(self) -> datetime.date | None:
        return plausible(self.cleaned_data.get("ends_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        same = Training.objects.filter(
            organisation=self.organisation, name=data.get("name"), starts_on=data.get("starts_on")
        )
        if same.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A training of this name already starts that day."))
        return data

    @transaction.atomic
    def save(self, commit: bool = True) -> Training:
        training = super().save()
        wanted = [f.cleaned_data for f in self.modules if f.cleaned_data.get("title")]
        training.modules.all().delete()
        Module.objects.bulk_create(
            Module(training=training, title=m["title"], hours=m["hours"], position=n)
            for n, m in enumerate(wanted)
        )
        return training


class FacilitatorForm(forms.Form):
    """An ally who taught the training, by service number."""

    service_number = forms.CharField(label=_("Service number of the facilitator"), max_length=64)

    def __init__(self, training: Training, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.training = training

    def clean_service_number(self) -> Ally:
        found = Ally.find(self.training.organisation, self.cleaned_data["service_number"])
        if found is None:
            raise forms.ValidationError(_("No ally has this service number."))
        return found

    def save(self) -> Facilitator:
        ally = self.cleaned_data["service_number"]
        found, _created = Facilitator.objects.get_or_create(training=self.training, ally=ally)
        return found


class CoTrainerForm(forms.Form):
    """A member as a community co-trainer, by alias, only with her consent."""

    alias = forms.CharField(label=_("Alias of the member"), max_length=64)
    agreed = forms.BooleanField(
        label=_("She agreed to be named as a co-trainer"),
        required=False,
        help_text=_("Asked once: a member who agreed can be named on other trainings."),
    )

    def __init__(self, training: Training, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.training = training

    def clean_alias(self) -> Member:
        return member_by_alias(self.training.organisation, self.cleaned_data["alias"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        member = data.get("alias")
        if member is not None and not hasattr(member, "co_trainer") and not data.get("agreed"):
            self.add_error("agreed", _("A member is named only with her consent."))
        return data

    @transaction.atomic
    def save(self) -> Facilitator:
        member, org = self.cleaned_data["alias"], self.training.organisation
        CoTrainer.objects.get_or_create(
            member=member,
            defaults={"organisation": org, "agreed_on": timezone.localdate(timezone=org.tzinfo)},
        )
        found, _created = Facilitator.objects.get_or_create(
            training=self.training, member=member, defaults={"member_consented": True}
        )
        return found
