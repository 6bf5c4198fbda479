from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.crisis import alerts
from haki.crisis.duty import uncovered_areas
from haki.crisis.forms import (
    CloseAlertForm,
    ClosedSearchForm,
    RaiseAlertForm,
    ResponderFilterForm,
    ResponderForm,
    RetireForm,
    RosterShiftForm,
)
from haki.crisis.models import Alert, Responder


def get_responder_for_user(request: HttpRequest, responder_uuid: UUID) -> Responder:
    return get_object_or_404(Responder, organisation=request.organisation, uuid=responder_uuid)


def get_alert_for_user(request: HttpRequest, alert_uuid: UUID) -> Alert:
    """The one way views fetch an alert: in the user's organisation, and only if their
    role (or, for a police ally, a consented referral) lets them see it."""
    alert = get_object_or_404(
        Alert.objects.select_related("organisation", "area", "member", "acknowledged_by"),
        organisation=request.organisation,
        uuid=alert_uuid,
    )
    if not request.user.has_perm("crisis.view_alert", alert):
        raise PermissionDenied
    return alert


class ResponderListView(OrganisationPermissionMixin, ListView):
    """Responders in pages, optionally those of one area: a national programme has
    thousands, and coordinators switch their duty from a phone."""

    permission_required = "core.view_people"
    template_name = "crisis/responder_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Responder]:
        org = self.request.organisation
        self.filter_form = ResponderFilterForm(self.request.GET or None, organisation=org)
        responders = Responder.objects.filter(organisation=org)
        return self.filter_form.filter(responders).prefetch_related("areas")

    def get_context_data(self, **kwargs):
        can_manage = self.request.user.has_perm("core.manage_people", self.request.organisation)
        return super().get_context_data(
            can_manage=can_manage, filter_form=self.filter_form, **kwargs
        )


class ResponderCreateView(ManageFormMixin, CreateView):
    permission_required = "core.manage_people"
    form_class = ResponderForm
    page_title = gettext_lazy("New responder")
    success_url = reverse_lazy("crisis:responders")


class ResponderUpdateView(ResponderCreateView, UpdateView):
    page_title = gettext_lazy("Edit responder")
    template_name = "crisis/responder_form.html"

    def get_object(self, queryset: Any = None) -> Responder:
        responder = get_responder_for_user(self.request, self.kwargs["responder"])
        if responder.retired_on:
            raise Http404
        return responder

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(retire_form=RetireForm(), **kwargs)


class ResponderRetireView(OrganisationPermissionMixin, View):
    """Retire a responder: never texted again, the record kept for the alerts they took."""

    permission_required = "core.manage_people"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, responder: UUID) -> HttpResponse:
        target = get_responder_for_user(request, responder)
        if target.retired_on:
            raise Http404
        form = RetireForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["confirm"][0])
            return redirect("crisis:responder_edit", responder=target.uuid)
        target.retire()
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        messages.success(request, _("The responder was retired."))
        return redirect("crisis:responders")


class ResponderDutyView(OrganisationPermissionMixin, View):
    """Coordinators put a responder on or off duty from the web."""

    permission_required = "core.manage_people"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, responder: UUID) -> HttpResponse:
        target = get_responder_for_user(request, responder)
        if target.retired_on:
            raise Http404
        target.on_duty = request.POST.get("on_duty") == "1"
        target.save(update_fields=["on_duty", "modified_on"])
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        # Back to the same page of the same area: only those two numbers are carried.
        back = {k: v for k in ("area", "page") if (v := request.GET.get(k, "")).isdigit()}
        return redirect(reverse("crisis:responders") + (f"?{urlencode(back)}" if back else ""))


class RosterView(OrganisationPermissionMixin, TemplateView):
    """A responder's weekly shifts: on duty at each start, off at each end."""

    permission_required = "core.manage_people"
    template_name = "crisis/roster.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("responder", None)  # the URL's uuid; the responder itself goes in below
        responder = get_responder_for_user(self.request, self.kwargs["responder"])
        return super().get_context_data(
            responder=responder,
            shifts=responder.shifts.all(),
            form=kwargs.pop("form", None) or RosterShiftForm(),
            **kwargs,
        )

    def post(self, request: HttpRequest, responder: UUID) -> HttpResponse:
        target = get_responder_for_user(request, responder)
        if "remove" in request.POST:
            target.shifts.filter(pk=request.POST.get("remove")).delete()
        else:
            form = RosterShiftForm(request.POST)
            if not form.is_valid():
                response = self.render_to_response(self.get_context_data(form=form))
                response.status_code = 400
                return response
            form.instance.responder = target
            form.save()
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        return redirect("crisis:roster", responder=target.uuid)


def open_alerts(organisation) -> QuerySet[Alert]:
    return (
        Alert.objects.open()
        .filter(organisation=organisation)
        .select_related("area", "member", "acknowledged_by", "acknowledged_by_user")
        .prefetch_related("recipients__responder", "recipients__msg")
        .order_by("raised_on")
    )


class BoardView(OrganisationPermissionMixin, TemplateView):
    """The hotline board: open alerts, refreshed in place every few seconds."""

    permission_required = "crisis.view_board"
    template_name = "crisis/board.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**board_context(self.request), **kwargs)


def board_context(request: HttpRequest, raise_form: RaiseAlertForm | None = None) -> dict:
    org = request.organisation
    return {
        "alerts": open_alerts(org),
        "uncovered": uncovered_areas(org),
        "raise_form": raise_form or RaiseAlertForm(organisation=org),
        "close_form": CloseAlertForm(),
    }


class BoardAlertsView(BoardView):
    """Just the list of open alerts, for the board's periodic refresh."""

    template_name = "crisis/board_alerts.html"


class RaiseAlertView(OrganisationPermissionMixin, View):
    permission_required = "crisis.view_board"
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        # After a refused "Log a call" the address bar shows this URL; reloading it or
        # opening it later lands on the board rather than on a blank 405.
        return redirect("crisis:board")

    def post(self, request: HttpRequest) -> HttpResponse:
        org = request.organisation
        form = RaiseAlertForm(request.POST, organisation=org)
        if not form.is_valid():
            return render(
                request, BoardView.template_name, board_context(request, form), status=400
            )
        alert, opened = alerts.raise_alert(
            org,
            member=form.member,
            area=form.cleaned_data["area"],
            words=form.cleaned_data["words"],
            source=Alert.Source.HOTLINE,
            caller=form.cleaned_data["caller"],
            user=request.user,
        )
        if opened:
            messages.success(request, _("Alert %(ref)s raised.") % {"ref": alert.reference})
        else:
            messages.info(request, _("Added to the open alert %(ref)s.") % {"ref": alert.reference})
        return redirect("crisis:board")


def back_to_board(request: HttpRequest) -> HttpResponse:
    """From the board's own buttons (htmx): the fresh list of open alerts, swapped in
    place. From a plain form post, without JavaScript: the board page again."""
    if request.htmx:
        return render(request, BoardAlertsView.template_name, board_context(request))
    return redirect("crisis:board")


class AcknowledgeView(OrganisationPermissionMixin, View):
    permission_required = "crisis.view_board"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, alert: UUID) -> HttpResponse:
        target = get_alert_for_user(request, alert)
        if alerts.acknowledge(target, user=request.user) != "taken":
            messages.warning(request, _("%(ref)s was already taken.") % {"ref": target.reference})
        return back_to_board(request)


class CloseView(OrganisationPermissionMixin, View):
    permission_required = "crisis.view_board"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, alert: UUID) -> HttpResponse:
        target = get_alert_for_user(request, alert)
        form = CloseAlertForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, _("Write the outcome before closing %(ref)s.") % {"ref": target.reference}
            )
            return back_to_board(request)
        alerts.close(target, form.cleaned_data["outcome"], user=request.user)
        messages.success(request, _("%(ref)s closed.") % {"ref": target.reference})
        return back_to_board(request)


class AlertDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "core.view_home"
    template_name = "crisis/alert_detail.html"
    context_object_name = "alert"

    def get_object(self, queryset: Any = None) -> Alert:
        alert = get_alert_for_user(self.request, self.kwargs["alert"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, alert)
        return alert

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        alert = self.object
        return super().get_context_data(
            events=alert.events.select_related("responder", "user"),
            recipients=alert.recipients.select_related("responder", "msg"),
            to_first_text=alert.seconds_to(alert.first_text_on),
            to_acknowledge=alert.seconds_to(alert.acknowledged_on),
            to_close=alert.seconds_to(alert.closed_on),
            can_document=self.request.user.has_perm("cases.add_case", self.request.organisation),
            **kwargs,
        )


class ClosedAlertsView(OrganisationPermissionMixin, ListView):
    permission_required = "crisis.view_board"
    template_name = "crisis/closed.html"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Alert]:
        org = self.request.organisation
        self.search = ClosedSearchForm(self.request.GET or None, organisation=org)
        closed = (
            Alert.objects.filter(organisation=org, status=Alert.Status.CLOSED)
            .select_related("area", "member")
            .order_by("-closed_on")
        )
        if self.search.is_valid():
            data = self.search.cleaned_data
            if data["reference"]:
                closed = closed.filter(reference__iexact=data["reference"].strip())
            if data["area"]:
                closed = closed.filter(area=data["area"])
            closed = self.search.filter_dates(closed, "raised_on")
        return closed

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(search=self.search, **kwargs)
