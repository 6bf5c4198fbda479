from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.forms import OrganisationModelForm, bound, language_choices
from haki.core.words import normalise, word_taken
from haki.surveys.models import FollowUp, InfoText, Poll, valid_schedule

MAX_SCHEDULE_DAYS = 90


class BroadcastForm(forms.Form):
    """One text per organisation language, and optionally some areas."""

    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=None,
        required=False,
        help_text=_("None chosen: every member."),
        widget=forms.CheckboxSelectMultiple,
    )

    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    send_on = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: send now. A time is read in the organisation's time zone."),
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["areas"].queryset = organisation.areas.all()
        self.fields["groups"].queryset = organisation.member_groups.all()
        for code in organisation.languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": code},
                max_length=459,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"text_{code}"].strip()
            for code in self.organisation.languages
            if self.cleaned_data[f"text_{code}"].strip()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any((data.get(f"text_{c}") or "").strip() for c in self.organisation.languages):
            raise forms.ValidationError(_("Write the text in at least one language."))
        return data

    def clean_send_on(self) -> datetime | None:
        """The chosen moment, read as the organisation's local time."""
        moment = self.cleaned_data["send_on"]
        if moment is None:
            return None
        local = timezone.make_naive(moment).replace(tzinfo=self.organisation.tzinfo)
        now = timezone.now()
        if local <= now:
            raise forms.ValidationError(_("Choose a time in the future, or leave it empty."))
        if local > now + timedelta(days=MAX_SCHEDULE_DAYS):
            raise forms.ValidationError(
                _("Choose a time within %(days)s days.") % {"days": MAX_SCHEDULE_DAYS}
            )
        return local

    @classmethod
    def initial_of(cls, broadcast: Any) -> dict[str, Any]:
        """What a waiting broadcast's form starts with."""
        tz = broadcast.organisation.tzinfo
        initial = {f"text_{code}": text for code, text in broadcast.text.items()}
        local = broadcast.send_on.astimezone(tz).replace(tzinfo=None)
        return {
            **initial,
            "areas": list(broadcast.areas.all()),
            "groups": list(broadcast.groups.all()),
            "send_on": local,
        }


class CloseFollowUpForm(forms.ModelForm):
    note = forms.CharField(
        label=_("What came of the call"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []


class TextsPerLanguage:
    """One text field per organisation language (``text_sw``…), at least one filled."""

    TEXT_LABEL = _("Text (%(language)s)")

    def add_text_fields(self, current: dict[str, str], max_length: int = 459) -> None:
        for code, name in language_choices(self.organisation):
            self.fields[f"text_{code}"] = forms.CharField(
                label=self.TEXT_LABEL % {"language": name},
                max_length=max_length,
                required=False,
                initial=current.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"text_{code}"].strip()
            for code in self.organisation.languages
            if (self.cleaned_data.get(f"text_{code}") or "").strip()
        }

    def require_a_text(self) -> None:
        if not self.texts():
            raise forms.ValidationError(_("Write the text in at least one language."))


class InfoTextForm(TextsPerLanguage, OrganisationModelForm):
    """A keyword members text to receive a stored text, e.g. RIGHTS."""

    TEXT_LABEL = _("Answer (%(language)s)")

    class Meta:
        model = InfoText
        fields = ["keyword", "is_rights"]
        help_texts = {"keyword": _("One word members text, e.g. RIGHTS.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_text_fields(self.instance.text or {})

    def clean_keyword(self) -> str:
        keyword = " ".join(self.cleaned_data["keyword"].split()).upper()
        key = normalise(keyword)
        if not key or " " in key:
            raise forms.ValidationError(_("Write one word."))
        reason = word_taken(self.organisation, keyword, ignore=self.instance)
        if reason:
            raise forms.ValidationError(reason)
        return keyword

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.require_a_text()
        return data

    def save(self, commit: bool = True) -> InfoText:
        # Texts in languages the organisation no longer uses are kept, not lost.
        kept = {k: v for k, v in (self.instance.text or {}).items() if k not in self.texts()}
        unused = {k: v for k, v in kept.items() if k not in self.organisation.languages}
        self.instance.text = {**unused, **self.texts()}
        if self.instance.is_rights:  # one rights text: marking this one unmarks the other
            others = InfoText.objects.filter(organisation=self.organisation, is_rights=True)
            others.exclude(pk=self.instance.pk).update(is_rights=False)
        return super().save(commit)


class PollForm(TextsPerLanguage, OrganisationModelForm):
    """A yes/no question per language, who it goes to, and when."""

    TEXT_LABEL = _("Question (%(language)s)")

    class Meta:
        model = Poll
        fields = ["name", "schedule", "window_hours", "follow_up_on", "areas", "groups"]
        labels = {"areas": _("Areas"), "groups": _("Groups")}
        widgets = {
            "areas": forms.CheckboxSelectMultiple,
            "groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = self.organisation.areas.all()
        self.fields["areas"].help_text = _("None chosen: every member.")
        self.fields["groups"].queryset = self.organisation.member_groups.all()
        bound(self.fields["window_hours"], 1, 24 * 14)
        self.add_text_fields(self.instance.question or {})
        texts = [f"text_{code}" for code in self.organisation.languages]
        self.order_fields(["name", *texts, "schedule", "window_hours", "follow_up_on"])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].lower()
        others = Poll.objects.filter(organisation=self.organisation, name=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another poll already has this name."))
        return name

    def clean_schedule(self) -> str:
        schedule = self.cleaned_data["schedule"].strip().lower()
        if not valid_schedule(schedule):
            raise forms.ValidationError(
                _('Write days and a time such as "mon,thu 10:00", or leave empty.')
            )
        return schedule

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.require_a_text()
        return data

    def save(self, commit: bool = True) -> Poll:
        poll = self.instance
        poll.question = self.texts()
        if poll.pk is None or "schedule" in self.changed_data:
            poll.plan_next()
        return super().save(commit)
