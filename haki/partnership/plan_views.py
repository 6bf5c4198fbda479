"""Pages of joint action plans and review meetings. Every plan is fetched through
``ActionPlan.objects.for_user`` (a police ally: only the plans they are party to);
meetings through ``get_meeting``, for coordinators only. A police ally is never shown
a member's alias nor a check-in's note."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from haki.core.models import AuditEvent
from haki.core.reauth import RecentAuthenticationRequiredMixin
from haki.core.spreadsheets import csv_bytes
from haki.core.views import OrganisationPermissionMixin
from haki.partnership.forms import (
    ActionForm,
    ActionStatusForm,
    CheckInForm,
    MeetingForm,
    PlanForm,
)
from haki.partnership.meetings import owner_label, record
from haki.partnership.models import Action, ActionPlan, CheckIn, Meeting, progress
from haki.partnership.views import audit_viewed


def today_of(request: HttpRequest):
    return timezone.localdate(timezone=request.organisation.tzinfo)


def get_plan_for_user(request: HttpRequest, plan_uuid: UUID) -> ActionPlan:
    plans = ActionPlan.objects.for_user(request.user, request.organisation)
    return get_object_or_404(plans, uuid=plan_uuid)


def get_meeting(request: HttpRequest, meeting_uuid: UUID) -> Meeting:
    return get_object_or_404(Meeting, organisation=request.organisation, uuid=meeting_uuid)


def members_named(request: HttpRequest) -> bool:
    return request.user.has_perm("partnership.view_plans", request.organisation)


def labelled(request: HttpRequest, actions: list[Action], named: bool) -> list[Action]:
    for action in actions:
        if action.owner_ally_id:
            action.owner_ally.organisation = request.organisation
        action.owner_shown = owner_label(action, named)
        action.overdue = action.is_overdue(today_of(request))
    return actions


def action_rows(request: HttpRequest, actions, named: bool) -> list[Action]:
    found = actions.select_related("owner_ally", "owner_member", "owner_user", "reminder")
    return labelled(request, list(found), named)


class PlanListView(OrganisationPermissionMixin, TemplateView):
    permission_required = "partnership.open_plans"
    template_name = "partnership/plan_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org, today = self.request.organisation, today_of(self.request)
        plans = list(
            ActionPlan.objects.for_user(self.request.user, org)
            .select_related("area", "station")
            .prefetch_related("actions")
        )
        for plan in plans:
            actions = list(plan.actions.all())
            plan.progress_pct = progress(actions)
            plan.overdue_count = sum(1 for a in actions if a.is_overdue(today))
        can_manage = self.request.user.has_perm("partnership.manage_plans", org)
        return super().get_context_data(plans=plans, can_manage=can_manage, **kwargs)


class PlanCreateView(OrganisationPermissionMixin, TemplateView):
    permission_required = "partnership.manage_plans"
    template_name = "partnership/plan_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", PlanForm(self.request.organisation))
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PlanForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        plan = ActionPlan.objects.create(
            organisation=request.organisation,
            title=data["title"],
            area=data["area"],
            station=data["station"],
            focal_point=data["focal_point"],
            leader_member=data["leader_alias"],
            leader_user=data["leader_user"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, plan)
        messages.success(request, _("The plan is saved."))
        return redirect("partnership:plan", plan=plan.uuid)


class PlanView(OrganisationPermissionMixin, TemplateView):
    """A plan: its parties, progress, actions (coordinators add them and change their
    status) and check-ins (caseworkers record them). A police ally party to the plan
    sees its actions, never a member's alias nor a check-in."""

    permission_required = "partnership.open_plans"
    template_name = "partnership/plan.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        request, org = self.request, self.request.organisation
        plan = get_plan_for_user(request, kwargs.pop("plan"))
        named = members_named(request)
        actions = action_rows(request, plan.actions.all(), named)
        if plan.focal_point_id:
            plan.focal_point.organisation = org
        check_ins = list(plan.check_ins.all()) if named else []
        for check_in in check_ins:
            check_in.organisation = org
        if check_ins:
            AuditEvent.record(request.user, AuditEvent.Action.VIEW, plan)
        kwargs.setdefault(
            "action_form",
            ActionForm(org, earliest=plan.starts_on, latest=plan.ends_on),
        )
        kwargs.setdefault("check_in_form", CheckInForm(plan))
        return super().get_context_data(
            plan=plan,
            actions=actions,
            progress_pct=progress(actions),
            check_ins=check_ins,
            members_named=named,
            can_manage=request.user.has_perm("partnership.manage_plans", org),
            can_check_in=request.user.has_perm("partnership.record_check_in", org),
            statuses=Action.Status.choices,
            **kwargs,
        )


class AddPlanActionView(PlanView):
    permission_required = "partnership.manage_plans"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, plan: UUID) -> HttpResponse:
        found = get_plan_for_user(request, plan)
        form = ActionForm(
            request.organisation, request.POST, earliest=found.starts_on, latest=found.ends_on
        )
        if not form.is_valid():
            context = self.get_context_data(plan=plan, action_form=form)
            return self.render_to_response(context, status=400)
        action = add_action(request, form, plan=found)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, action)
        messages.success(request, _("The action is added."))
        return redirect("partnership:plan", plan=found.uuid)


def add_action(request: HttpRequest, form: ActionForm, **parent: Any) -> Action:
    action = Action(
        organisation=request.organisation,
        title=form.cleaned_data["title"],
        due_on=form.cleaned_data["due_on"],
        **form.owner_fields(),
        **parent,
    )
    action.organisation = request.organisation
    action.schedule_reminder()
    action.save()
    return action


class CheckInView(PlanView):
    permission_required = "partnership.record_check_in"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, plan: UUID) -> HttpResponse:
        found = get_plan_for_user(request, plan)
        form = CheckInForm(found, request.POST)
        if not form.is_valid():
            context = self.get_context_data(plan=plan, check_in_form=form)
            return self.render_to_response(context, status=400)
        check_in = CheckIn(
            organisation=request.organisation,
            plan=found,
            kind=form.cleaned_data["kind"],
            on=form.cleaned_data["on"],
            recorded_by=request.user,
        )
        check_in.note = form.cleaned_data["note"]
        check_in.save()
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, check_in)
        messages.success(request, _("The check-in is recorded."))
        return redirect("partnership:plan", plan=found.uuid)


class ActionStatusView(OrganisationPermissionMixin, View):
    """Coordinators mark an action done, dropped or open again."""

    permission_required = "partnership.manage_plans"

    def post(self, request: HttpRequest, action: UUID) -> HttpResponse:
        found = get_object_or_404(
            Action.objects.select_related("plan", "meeting"),
            organisation=request.organisation,
            uuid=action,
        )
        back = (
            redirect("partnership:plan", plan=found.plan.uuid)
            if found.plan_id
            else redirect("partnership:meeting", meeting=found.meeting.uuid)
        )
        form = ActionStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose open, done or dropped."))
            return back
        with transaction.atomic():
            found.organisation = request.organisation
            found.set_status(form.cleaned_data["status"], today_of(request))
            found.save(update_fields=["status", "closed_on", "remind_on", "modified_on"])
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found)
        messages.success(
            request, _("The action is now %(status)s.") % {"status": found.get_status_display()}
        )
        return back


class MeetingListView(OrganisationPermissionMixin, TemplateView):
    permission_required = "partnership.manage_meetings"
    template_name = "partnership/meeting_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        kwargs.setdefault("form", MeetingForm(org, initial={"held_on": today_of(self.request)}))
        meetings = Meeting.objects.filter(organisation=org)[:100]
        return super().get_context_data(meetings=meetings, **kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MeetingForm(request.organisation, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        meeting = Meeting.objects.create(organisation=request.organisation, **form.cleaned_data)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, meeting)
        messages.success(request, _("The meeting is recorded."))
        return redirect("partnership:meeting", meeting=meeting.uuid)


class MeetingView(OrganisationPermissionMixin, TemplateView):
    """A meeting's record: attendance by group, its sections (the brief since the last
    meeting, overdue actions, officers with repeated reports) and its decisions."""

    permission_required = "partnership.manage_meetings"
    template_name = "partnership/meeting.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        request = self.request
        meeting = get_meeting(request, kwargs.pop("meeting"))
        sections = record(meeting)
        audit_allies(request, sections, AuditEvent.Action.VIEW)
        decisions = action_rows(request, meeting.actions.all(), named=False)
        kwargs.setdefault("action_form", ActionForm(request.organisation, earliest=meeting.held_on))
        return super().get_context_data(
            meeting=meeting,
            period=meeting.period(),
            sections=sections,
            decisions=decisions,
            statuses=Action.Status.choices,
            **kwargs,
        )


def audit_allies(request: HttpRequest, sections: list, action: str) -> None:
    audit_viewed(request.user, [a for section in sections for a in section.shown_allies], action)


class AddMeetingActionView(MeetingView):
    permission_required = "partnership.manage_meetings"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, meeting: UUID) -> HttpResponse:
        found = get_meeting(request, meeting)
        form = ActionForm(request.organisation, request.POST, earliest=found.held_on)
        if not form.is_valid():
            context = self.get_context_data(meeting=meeting, action_form=form)
            return self.render_to_response(context, status=400)
        action = add_action(request, form, meeting=found)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, action)
        messages.success(request, _("The decision is recorded."))
        return redirect("partnership:meeting", meeting=found.uuid)


class MeetingExportView(RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, View):
    """The meeting's record as CSV (it names officers with repeated reports): after
    the password and a fresh code, written in the audit trail."""

    permission_required = "partnership.manage_meetings"

    def get(self, request: HttpRequest, meeting: UUID) -> HttpResponse:
        found = get_meeting(request, meeting)
        sections = record(found)
        rows: list[list[object]] = [[_("Review meeting"), found.held_on.isoformat()]]
        rows += [[label, n] for label, n in found.attendance()]
        for section in sections:
            rows += [[], [section.title], section.headings, *section.rows]
        decisions = action_rows(request, found.actions.all(), named=False)
        rows += [[], [_("Decisions")]]
        rows += [
            [a.title, a.owner_shown, a.due_on.isoformat(), a.get_status_display()]
            for a in decisions
        ]
        AuditEvent.record(request.user, AuditEvent.Action.EXPORT, found)
        audit_allies(request, sections, AuditEvent.Action.EXPORT)
        body = csv_bytes([_("Record"), ""], rows)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="meeting-{found.held_on}.csv"'
        return response
