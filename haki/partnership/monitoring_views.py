"""Pages of station monitoring and recognition. Rounds and nominations are read through
their one access helper (``for_organisation``) with the request's organisation, after
the view has checked the role; officers shown are written in the audit trail, and
evidence letters (printed or as PDF) are written as exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from haki.core.models import AuditEvent
from haki.core.views import OrganisationPermissionMixin
from haki.partnership.monitoring import ChecklistTemplate, Round, record_visit, score_table
from haki.partnership.monitoring_forms import (
    DecisionForm,
    FindOfficerForm,
    NominationForm,
    RoundForm,
    VisitForm,
)
from haki.partnership.recognition import Nomination, acts_of, letter_context, nominate
from haki.partnership.views import audit_viewed, get_ally_for_user

TREND_ROUNDS = 6


def get_round_for_user(request: HttpRequest, round_uuid: UUID) -> Round:
    """A round of the request's organisation (the view has checked the role)."""
    found = get_object_or_404(
        Round.objects.for_organisation(request.organisation).select_related("template", "area"),
        uuid=round_uuid,
    )
    found.organisation = request.organisation
    return found


def get_nomination_for_user(request: HttpRequest, nomination_uuid: UUID) -> Nomination:
    found = get_object_or_404(
        Nomination.objects.for_organisation(request.organisation).select_related("ally", "station"),
        uuid=nomination_uuid,
    )
    found.organisation = found.ally.organisation = request.organisation
    return found


class RoundListView(OrganisationPermissionMixin, TemplateView):
    """Every round, and each station's score over the latest rounds (the trend)."""

    permission_required = "partnership.record_visits"
    template_name = "partnership/rounds.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        rounds = list(Round.objects.for_organisation(org).select_related("template")[:50])
        recent = rounds[:TREND_ROUNDS][::-1]  # oldest first, left to right
        can_manage = self.request.user.has_perm("partnership.manage_monitoring", org)
        if can_manage:
            kwargs.setdefault("form", RoundForm(org))
        return super().get_context_data(
            rounds=rounds, recent=recent, table=score_table(org, recent), **kwargs
        )


class AddRoundView(RoundListView):
    permission_required = "partnership.manage_monitoring"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RoundForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        found = form.save()
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, found, request.organisation)
        messages.success(request, _("Round added."))
        return redirect("partnership:round", round=found.uuid)


class RoundView(OrganisationPermissionMixin, TemplateView):
    """One round: each station's score, the visits, and the stations not visited yet."""

    permission_required = "partnership.record_visits"
    template_name = "partnership/round.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found = get_round_for_user(self.request, kwargs.pop("round"))
        scores = found.station_scores()
        stations = {s.pk: s for s in found.stations().filter(pk__in=scores)}
        return super().get_context_data(
            round=found,
            scores=[
                (stations[pk], scores[pk])
                for pk in sorted(stations, key=lambda p: stations[p].code)
            ],
            visits=found.visits.select_related("station").order_by("-visited_on", "-pk")[:200],
            not_visited=found.not_visited(),
            **kwargs,
        )


class RecordVisitView(OrganisationPermissionMixin, TemplateView):
    """A visit recorded from a phone: station, day, team and one answer per item."""

    permission_required = "partnership.record_visits"
    template_name = "partnership/visit_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found = get_round_for_user(self.request, kwargs.pop("round"))
        kwargs.setdefault("form", VisitForm(found))
        return super().get_context_data(round=found, **kwargs)

    def post(self, request: HttpRequest, round: UUID) -> HttpResponse:
        found = get_round_for_user(request, round)
        form = VisitForm(found, request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("")
            visit = record_visit(form.record(), request.user)
        except ValidationError as refused:
            if refused.messages != [""]:
                form.add_error(None, refused)
            context = self.get_context_data(round=round, form=form)
            return self.render_to_response(context, status=400)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, visit, request.organisation)
        messages.success(request, _("Visit recorded."))
        return redirect("partnership:round", round=found.uuid)


class ChecklistListView(OrganisationPermissionMixin, TemplateView):
    """The organisation's checklists with their items and weights (written through
    the ``checklists:`` section of the provisioning file)."""

    permission_required = "partnership.manage_monitoring"
    template_name = "partnership/checklists.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found = ChecklistTemplate.objects.filter(organisation=self.request.organisation)
        return super().get_context_data(checklists=found.prefetch_related("items"), **kwargs)


class NominationListView(OrganisationPermissionMixin, TemplateView):
    """Every nomination and its decision; find an officer to nominate."""

    permission_required = "partnership.recognise"
    template_name = "partnership/nominations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        nominations = list(Nomination.objects.for_organisation(org).select_related("ally")[:200])
        for nomination in nominations:
            nomination.ally.organisation = org
        audit_viewed(self.request.user, [n.ally for n in nominations])
        kwargs.setdefault("form", FindOfficerForm(org))
        return super().get_context_data(nominations=nominations, **kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FindOfficerForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return redirect("partnership:nominate", ally=form.cleaned_data["service_number"].uuid)


class NominateView(OrganisationPermissionMixin, TemplateView):
    """Nominate an officer, choosing the positive acts that are the evidence."""

    permission_required = "partnership.recognise"
    template_name = "partnership/nominate.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("ally", None)
        officer = get_ally_for_user(self.request, self.kwargs["ally"])
        audit_viewed(self.request.user, [officer])
        kwargs.setdefault("form", NominationForm(officer))
        return super().get_context_data(officer=officer, **kwargs)

    def post(self, request: HttpRequest, ally: UUID) -> HttpResponse:
        officer = get_ally_for_user(request, ally)
        form = NominationForm(officer, request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("")
            data = form.cleaned_data
            found = nominate(
                officer, list(data["cases"]), data["award"], data["nominated_on"], request.user
            )
        except ValidationError as refused:
            if refused.messages != [""]:
                form.add_error(None, refused)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, found, request.organisation)
        messages.success(request, _("Nomination recorded."))
        return redirect("partnership:nomination", nomination=found.uuid)


class NominationView(OrganisationPermissionMixin, TemplateView):
    """The evidence as reviewers see it (no alias, no case number; narratives only with
    consent), and the decision."""

    permission_required = "partnership.recognise"
    template_name = "partnership/nomination.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found = get_nomination_for_user(self.request, kwargs.pop("nomination"))
        audit_viewed(self.request.user, [found.ally])
        if found.decision == Nomination.Decision.PENDING:
            kwargs.setdefault("form", DecisionForm(found))
        return super().get_context_data(nomination=found, acts=acts_of(found.cases.all()), **kwargs)

    def post(self, request: HttpRequest, nomination: UUID) -> HttpResponse:
        found = get_nomination_for_user(request, nomination)
        form = DecisionForm(found, request.POST)
        valid = form.is_valid()
        if found.decision != Nomination.Decision.PENDING:
            form.add_error(None, _("This nomination is already decided."))
            valid = False
        if not valid:
            context = self.get_context_data(nomination=nomination, form=form)
            return self.render_to_response(context, status=400)
        found.decide(form.cleaned_data["decision"], form.cleaned_data["decided_on"], request.user)
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found, request.organisation)
        messages.success(request, _("Decision recorded."))
        return redirect("partnership:nomination", nomination=found.uuid)


class LetterView(OrganisationPermissionMixin, TemplateView):
    """The evidence letter for the officer's promotion file, ready to print (or as a
    PDF): it names no member and carries no number; every copy is in the audit trail."""

    permission_required = "partnership.recognise"
    template_name = "partnership/letter.html"
    pdf = False

    def get(self, request: HttpRequest, nomination: UUID) -> HttpResponse:
        found = get_nomination_for_user(request, nomination)
        context = letter_context(found)
        AuditEvent.record(request.user, AuditEvent.Action.EXPORT, found, request.organisation)
        if not self.pdf:
            return self.render_to_response(self.get_context_data(**context))
        from weasyprint import HTML

        html = render_to_string(self.template_name, {**context, "printing": True}, request)
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="evidence-letter-{found.uuid}.pdf"'
        return response
