from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haki.cases.attachments import CleanFile, clean_upload
from haki.cases.models import Case, CaseAction, CaseViolation, ViolationType
from haki.cases.taxonomy import Action, Kind, Perpetrator, Place
from haki.core.forms import DateRangeForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(forms.ModelForm):
    """Everything a caseworker records about an incident, in the order it is told.
    Each response action has its own date; the officer and the narrative are encrypted."""

    officer = forms.CharField(
        label=_("Officer's number, name or description"),
        required=False,
        max_length=500,
        help_text=_("Kept encrypted."),
    )
    narrative = forms.CharField(
        label=_("What happened, in the member's words"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Kept encrypted."),
    )

    class Meta:
        model = Case
        fields = [
            "occurred_on",
            "occurred_at",
            "date_is_approximate",
            "area",
            "place",
            "violations",
            "perpetrator",
            "unit",
            "people_affected",
            "outcome",
            "outcome_on",
            "consent_reports",
            "consent_police",
        ]
        labels = {"area": _("Area")}
        widgets = {
            "occurred_on": DATE,
            "occurred_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "outcome_on": DATE,
            "violations": forms.CheckboxSelectMultiple,
            "people_affected": forms.NumberInput(attrs={"min": 1, "max": 10000}),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["area"].queryset = organisation.areas.all()
        types = ViolationType.objects.filter(organisation=organisation)
        if self.instance.pk:  # a retired type stays on the cases that have it
            types = types.filter(
                pk__in=set(types.active().values_list("pk", flat=True))
                | set(self.instance.violations.values_list("pk", flat=True))
            )
        else:
            types = types.active()
        self.fields["violations"].queryset = types
        self.fields["violations"].label_from_instance = lambda t: t.display_label
        self.fields["people_affected"].min_value = 1
        # Unknown only on a member's report waiting for review; a recorded case says.
        self.fields["place"].required = self.fields["perpetrator"].required = True
        for action in Action:
            self.fields[f"action_{action.value}"] = forms.BooleanField(
                label=action.label, required=False
            )
            self.fields[f"action_{action.value}_on"] = forms.DateField(
                label=_("Date"), required=False, widget=DATE
            )
        if self.instance.pk:
            self.initial.setdefault("officer", self.instance.officer)
            self.initial.setdefault("narrative", self.instance.narrative)
            for done in self.instance.actions.all():
                self.initial[f"action_{done.action}"] = True
                self.initial[f"action_{done.action}_on"] = done.done_on

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"action_{a.value}"], self[f"action_{a.value}_on"]) for a in Action]

    def violations_by_kind(self) -> list[tuple[str, list]]:
        """The checkboxes grouped under "Violations" and "Positive acts"."""
        kinds = dict(self.fields["violations"].queryset.values_list("pk", "kind"))
        groups: dict[str, list] = {Kind.ABUSE: [], Kind.POSITIVE: []}
        for box in self["violations"]:
            value = box.data["value"]
            groups[kinds.get(getattr(value, "value", value), Kind.ABUSE)].append(box)
        return [(Kind(kind).label, boxes) for kind, boxes in groups.items() if boxes]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome_on") and not data.get("outcome"):
            self.add_error("outcome", _("Choose the outcome that this date is for."))
        for action in Action:
            if data.get(f"action_{action.value}_on") and not data.get(f"action_{action.value}"):
                self.add_error(
                    f"action_{action.value}", _("Tick the action that this date is for.")
                )
        return data

    @transaction.atomic
    def save(self, commit: bool = True) -> Case:
        case = super().save(commit=False)
        case.organisation = self.organisation
        case.officer = self.cleaned_data.get("officer", "").strip()
        case.narrative = self.cleaned_data.get("narrative", "").strip()
        case.save()
        self.save_m2m()
        wanted = {
            a.value: self.cleaned_data.get(f"action_{a.value}_on")
            for a in Action
            if self.cleaned_data.get(f"action_{a.value}")
        }
        case.actions.exclude(action__in=wanted).delete()
        for action, done_on in wanted.items():
            CaseAction.objects.update_or_create(
                case=case, action=action, defaults={"done_on": done_on}
            )
        return case


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or document"),
        help_text=_("JPEG, PNG or WebP photos, or PDF documents; up to 10 MB."),
    )

    def clean_file(self) -> CleanFile:
        """The upload checked by content, photos stripped of their metadata."""
        return clean_upload(self.cleaned_data["file"])


class CaseFilterForm(DateRangeForm):
    """Filters shared by the case list, the patterns page and the exports."""

    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False)
    violation = forms.ModelChoiceField(label=_("What happened"), queryset=None, required=False)
    perpetrator = forms.ChoiceField(
        label=_("Who did it"), choices=[("", "---------"), *Perpetrator.choices], required=False
    )
    place = forms.ChoiceField(
        label=_("Place"), choices=[("", "---------"), *Place.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("State"), choices=[("", "---------"), *Case.Status.choices], required=False
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = organisation.areas.all()
        self.fields["violation"].queryset = ViolationType.objects.filter(organisation=organisation)
        self.fields["violation"].label_from_instance = lambda t: t.display_label

    def links(self, organisation: Any) -> Any:
        """The chosen cases' CaseViolation rows, when dates alone choose them (the
        links carry their case's date); None when other filters need the cases."""
        data = self.cleaned_data if self.is_valid() else {}  # invalid: every case, as filter()
        if any(data.get(name) for name in ("area", "violation", "perpetrator", "place", "status")):
            return None
        links = CaseViolation.objects.filter(organisation=organisation)
        if data.get("since"):
            links = links.filter(occurred_on__gte=data["since"])
        if data.get("until"):
            links = links.filter(occurred_on__lte=data["until"])
        return links

    def filter(self, cases: Any) -> Any:
        """``cases`` narrowed to the chosen filters (call after is_valid())."""
        data = self.cleaned_data
        if data.get("since"):
            cases = cases.filter(occurred_on__gte=data["since"])
        if data.get("until"):
            cases = cases.filter(occurred_on__lte=data["until"])
        if data.get("area"):
            cases = cases.filter(area__in=data["area"].subtree())
        if data.get("violation"):
            cases = cases.filter(violations=data["violation"])
        if data.get("perpetrator"):
            cases = cases.filter(perpetrator=data["perpetrator"])
        if data.get("place"):
            cases = cases.filter(place=data["place"])
        if data.get("status"):
            cases = cases.filter(status=data["status"])
        return cases


class TaxonomyForm(forms.ModelForm):
    class Meta:
        model = ViolationType
        fields = ["label", "kind"]

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_label(self) -> str:
        label = " ".join(self.cleaned_data["label"].split())
        taken = ViolationType.objects.filter(organisation=self.organisation, label__iexact=label)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This organisation already has this entry."))
        return label


class ExportForm(CaseFilterForm):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX (Excel)")], initial="csv"
    )
    personal = forms.BooleanField(
        label=_("Include narratives and officer descriptions"),
        required=False,
        help_text=_("Only when the file will be kept as safely as Haki keeps them."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns, in this order: date, area, place, violations, perpetrator, unit, "
            "actions, outcome, consent_reports, consent_police, narrative."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("This file is larger than 20 MB."))
        return upload
