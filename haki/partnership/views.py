"""Pages of the partnership. Each fetches through the access helper of its model and
checks the role against the request's organisation; viewing and exporting allies is
written in the audit trail (who and when, never the names)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from haki.core.models import AuditEvent
from haki.core.reauth import RecentAuthenticationRequiredMixin
from haki.core.spreadsheets import csv_bytes
from haki.core.views import OrganisationPermissionMixin
from haki.partnership.cases import evaluation, link_units, name_officer
from haki.partnership.coverage import History, coverage, month_ends, timeline
from haki.partnership.forms import AttendanceForm, CoverageForm, MergeForm, OfficerForm
from haki.partnership.models import Ally, Attendance, Training

INVITE_SHOWN = 100


def get_training_for_user(request: HttpRequest, training_uuid: UUID) -> Training:
    """A training of the request's organisation (the view has checked the role)."""
    return get_object_or_404(Training, organisation=request.organisation, uuid=training_uuid)


def get_ally_for_user(request: HttpRequest, ally_uuid: UUID) -> Ally:
    """An ally of the request's organisation (the view has checked the role)."""
    ally = get_object_or_404(Ally, organisation=request.organisation, uuid=ally_uuid)
    ally.organisation = request.organisation
    return ally


def allies_by_pk(org, pks: list[int]) -> list[Ally]:
    found = {a.pk: a for a in Ally.objects.filter(organisation=org, pk__in=pks)}
    for ally in found.values():
        ally.organisation = org
    return [found[pk] for pk in pks if pk in found]


def audit_viewed(user: Any, allies: list[Ally], action: str = AuditEvent.Action.VIEW) -> None:
    if allies:
        AuditEvent.record_many(user, [(action, ally) for ally in allies], allies[0].organisation)


def _named(facilitators: Any, org: Any) -> list[Any]:
    """A training's facilitators, the allies' names opened without a query each."""
    found = list(facilitators)
    for f in found:
        if f.ally is not None:
            f.ally.organisation = org
    return found


class CoverageView(OrganisationPermissionMixin, TemplateView):
    """Coverage of one area on one day, its history month by month, and whom to invite."""

    permission_required = "partnership.view_coverage"
    template_name = "partnership/coverage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        form = CoverageForm(org, self.request.GET or None)
        area, day = None, timezone.localdate(timezone=org.tzinfo)
        if form.is_valid():
            area, day = form.cleaned_data["area"], form.cleaned_data["day"]
        history = History.load(org)
        figures = coverage(history, area, day)
        points = timeline(history, area, month_ends(day))
        invite = allies_by_pk(org, figures.invite[:INVITE_SHOWN])
        audit_viewed(self.request.user, invite)
        chart = {
            "days": [d.isoformat() for d, _pct in points],
            "pct": [pct for _d, pct in points],
        }
        return super().get_context_data(
            form=form, area=area, figures=figures, chart=chart, invite=invite, **kwargs
        )


class TrainingListView(OrganisationPermissionMixin, ListView):
    permission_required = "partnership.view_trainings"
    template_name = "partnership/training_list.html"
    paginate_by = 30

    def get_queryset(self):
        return Training.objects.filter(organisation=self.request.organisation)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        manage = self.request.user.has_perm("partnership.manage", self.request.organisation)
        return super().get_context_data(perms_manage=manage, **kwargs)


class TrainingView(OrganisationPermissionMixin, TemplateView):
    """A training's modules, facilitators and attendance; caseworkers record who came."""

    permission_required = "partnership.view_trainings"
    template_name = "partnership/training.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        training = get_training_for_user(self.request, kwargs.pop("training"))
        attendances = list(training.attendances.select_related("ally").order_by("pk"))
        for attendance in attendances:
            attendance.ally.organisation = org
        audit_viewed(self.request.user, [a.ally for a in attendances])
        kwargs.setdefault("form", AttendanceForm(org))
        if self.request.user.has_perm("partnership.manage", org):
            from haki.partnership.manage_forms import CoTrainerForm, FacilitatorForm

            kwargs.setdefault("facilitator_form", FacilitatorForm(training))
            kwargs.setdefault("co_trainer_form", CoTrainerForm(training))
        return super().get_context_data(
            training=training,
            modules=training.modules.all(),
            facilitators=_named(training.facilitators.select_related("ally", "member"), org),
            attendances=attendances,
            **kwargs,
        )


class RecordAttendanceView(TrainingView):
    """Caseworkers and coordinators record who came, with their scores."""

    permission_required = "partnership.record_attendance"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, training: UUID) -> HttpResponse:
        found = get_training_for_user(request, training)
        form = AttendanceForm(request.organisation, request.POST)
        if not form.is_valid():
            context = self.get_context_data(training=training, form=form)
            return self.render_to_response(context, status=400)
        attendance, created = Attendance.objects.update_or_create(
            training=found,
            ally=form.cleaned_data["service_number"],
            defaults={
                "organisation": request.organisation,
                "pre_score": form.cleaned_data["pre_score"],
                "post_score": form.cleaned_data["post_score"],
            },
        )
        action = AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE
        AuditEvent.record(request.user, action, attendance)
        messages.success(request, _("Attendance recorded."))
        return redirect("partnership:training", training=found.uuid)


class AllyListView(OrganisationPermissionMixin, ListView):
    permission_required = "partnership.manage"
    template_name = "partnership/ally_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Ally.objects.filter(organisation=self.request.organisation)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        allies = list(context["object_list"])
        for ally in allies:
            ally.organisation = self.request.organisation
        audit_viewed(self.request.user, allies)
        context["object_list"] = allies
        return context


class AllyExportView(RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, View):
    """Every ally as CSV, after the password and a fresh code; written in the trail."""

    permission_required = "partnership.manage"

    def get(self, request: HttpRequest) -> HttpResponse:
        org = request.organisation
        allies = list(Ally.objects.filter(organisation=org))
        today = timezone.localdate(timezone=org.tzinfo)
        latest = {p.ally_id: p for p in _current_postings(org, today)}
        rows = []
        for ally in allies:
            ally.organisation = org
            posting = latest.get(ally.pk)
            station = posting.station.code if posting and posting.station else ""
            rows.append(
                [
                    ally.name,
                    ally.kind,
                    ally.rank,
                    ally.service_number,
                    " ".join(ally.roles),
                    station,
                    "yes" if ally.consent_listed else "no",
                ]
            )
        audit_viewed(request.user, allies, AuditEvent.Action.EXPORT)
        header = ["name", "kind", "rank", "service_number", "roles", "station", "consent_listed"]
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="allies-{today}.csv"'
        return response


def _current_postings(org, day):
    from haki.partnership.models import Posting

    postings = Posting.objects.filter(organisation=org, started_on__lte=day)
    return postings.select_related("station").order_by("ally_id", "started_on", "pk")


class EvaluationView(OrganisationPermissionMixin, TemplateView):
    """Does training work? Cases by whether the officer named had been trained."""

    permission_required = "partnership.manage"
    template_name = "partnership/evaluation.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        figures = evaluation(self.request.organisation)
        shown = [a for a, _n in figures["repeated"] + figures["helpers"]]
        audit_viewed(self.request.user, shown)
        return super().get_context_data(figures=figures, **kwargs)


class OwnRecordView(OrganisationPermissionMixin, TemplateView):
    """A police ally's own trainings, and nothing else."""

    permission_required = "partnership.view_own_record"
    template_name = "partnership/me.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ally = Ally.objects.filter(
            organisation=self.request.organisation, user=self.request.user
        ).first()
        attendances = []
        if ally is not None:
            attendances = ally.attendances.select_related("training").order_by(
                "-training__starts_on"
            )
        return super().get_context_data(ally=ally, attendances=attendances, **kwargs)


class LinkUnitsView(OrganisationPermissionMixin, View):
    """Turn cases' free-text units into stations where they name one."""

    permission_required = "partnership.manage"

    def post(self, request: HttpRequest) -> HttpResponse:
        linked = link_units(request.organisation)
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, None, request.organisation)
        messages.success(request, _("Cases linked to a station: %(n)s.") % {"n": linked})
        return redirect("partnership:evaluation")


class CaseOfficersView(OrganisationPermissionMixin, TemplateView):
    """Name the officers involved in a case, by service number."""

    permission_required = "partnership.name_officers"
    template_name = "partnership/case_officers.html"

    def case(self):
        from haki.cases.views import get_case_for_user

        return get_case_for_user(self.request, self.kwargs["case"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("case", None)  # the URL's uuid; the case itself replaces it
        case = self.case()
        kwargs.setdefault("form", OfficerForm(self.request.organisation))
        return super().get_context_data(case=case, named=case.officer_links.count(), **kwargs)

    def post(self, request: HttpRequest, case: UUID) -> HttpResponse:
        target = self.case()
        form = OfficerForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        name_officer(target, form.cleaned_data["service_number"])
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        messages.success(request, _("The officer is named in this case."))
        return redirect("partnership:case_officers", case=target.uuid)


class MergeAlliesView(OrganisationPermissionMixin, TemplateView):
    """Two records of one officer become one: postings, attendance and case links
    move to the record kept, and the duplicate is deleted."""

    permission_required = "partnership.manage"
    template_name = "partnership/merge.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", MergeForm(self.request.organisation))
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MergeForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        form.cleaned_data["keep"].merge(form.cleaned_data["other"], request.user)
        messages.success(request, _("The two records are now one."))
        return redirect("partnership:allies")
