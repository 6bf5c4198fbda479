from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.messaging.models import Msg
from haki.surveys.forms import BroadcastForm, CloseFollowUpForm, InfoTextForm, PollForm
from haki.surveys.models import Broadcast, FollowUp, InfoText, Poll
from haki.surveys.results import results_of
from haki.surveys.sending import send_broadcast, send_poll


def get_poll_for_user(request: HttpRequest, poll_uuid: UUID) -> Poll:
    return get_object_or_404(Poll, organisation=request.organisation, uuid=poll_uuid)


def get_info_for_user(request: HttpRequest, info_uuid: UUID) -> InfoText:
    return get_object_or_404(InfoText, organisation=request.organisation, uuid=info_uuid)


def get_broadcast_for_user(request: HttpRequest, broadcast_uuid: UUID) -> Broadcast:
    return get_object_or_404(Broadcast, organisation=request.organisation, uuid=broadcast_uuid)


class PollListView(OrganisationPermissionMixin, ListView):
    permission_required = "surveys.manage"
    template_name = "surveys/poll_list.html"

    def get_queryset(self) -> QuerySet[Poll]:
        return Poll.objects.filter(organisation=self.request.organisation)


class PollDetailView(OrganisationPermissionMixin, DetailView):
    """Results per sending, newest first: recipients, delivered, replies, rate, answers
    by area, and the trend across sendings."""

    permission_required = "surveys.manage"
    template_name = "surveys/poll_detail.html"
    context_object_name = "poll"

    def get_object(self, queryset: Any = None) -> Poll:
        return get_poll_for_user(self.request, self.kwargs["poll"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(results=results_of(self.object.sends.all()[:12]), **kwargs)


class SendPollView(OrganisationPermissionMixin, View):
    permission_required = "surveys.manage"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, poll: UUID) -> HttpResponse:
        target = get_poll_for_user(request, poll)
        send = send_poll(target)
        AuditEvent.record(
            request.user, AuditEvent.Action.CREATE, send, organisation=target.organisation
        )
        messages.success(request, _("Sent to %(count)s members.") % {"count": send.recipients})
        return redirect("surveys:poll", poll=target.uuid)


class BroadcastListView(OrganisationPermissionMixin, TemplateView):
    permission_required = "surveys.manage"
    template_name = "surveys/broadcast_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        return super().get_context_data(
            broadcasts=Broadcast.objects.filter(organisation=org)[:30],
            form=kwargs.pop("form", None) or BroadcastForm(organisation=org),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        org = request.organisation
        form = BroadcastForm(request.POST, organisation=org)
        if not form.is_valid():
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 400
            return response
        broadcast = Broadcast(organisation=org, created_by=request.user)
        save_broadcast(broadcast, form)
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, broadcast)
        return redirect("surveys:broadcast", broadcast=broadcast.uuid)


def save_broadcast(broadcast: Broadcast, form: BroadcastForm) -> None:
    """Write the form's texts, targets and time; without a time, send at once."""
    broadcast.text = form.texts()
    broadcast.send_on = form.cleaned_data["send_on"]
    broadcast.save()
    broadcast.areas.set(form.cleaned_data["areas"])
    broadcast.groups.set(form.cleaned_data["groups"])
    if broadcast.send_on is None:
        send_broadcast(broadcast)


class BroadcastEditView(OrganisationPermissionMixin, TemplateView):
    """A scheduled broadcast, until it goes: its texts per language, targets and time."""

    permission_required = "surveys.manage"
    template_name = "surveys/broadcast_edit.html"

    def waiting(self) -> Broadcast:
        broadcast = get_broadcast_for_user(self.request, self.kwargs["broadcast"])
        if not broadcast.is_waiting:
            raise Http404
        return broadcast

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("broadcast", None)  # the URL's uuid; the broadcast itself goes in below
        broadcast = kwargs.pop("target", None) or self.waiting()
        form = kwargs.pop("form", None) or BroadcastForm(
            organisation=broadcast.organisation, initial=BroadcastForm.initial_of(broadcast)
        )
        return super().get_context_data(broadcast=broadcast, form=form, **kwargs)

    def post(self, request: HttpRequest, broadcast: UUID) -> HttpResponse:
        target = self.waiting()
        form = BroadcastForm(request.POST, organisation=request.organisation)
        if not form.is_valid():
            context = self.get_context_data(target=target, form=form)
            return self.render_to_response(context, status=400)
        with transaction.atomic():
            # Locked and read again: the scheduler may be sending it this very minute.
            if (
                not Broadcast.objects.select_for_update()
                .filter(pk=target.pk, sent_on__isnull=True)
                .exists()
            ):
                raise Http404
            save_broadcast(target, form)
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        messages.success(request, _("Saved."))
        return redirect("surveys:broadcast", broadcast=target.uuid)


class BroadcastDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "surveys.manage"
    template_name = "surveys/broadcast_detail.html"
    context_object_name = "broadcast"

    def get_object(self, queryset: Any = None) -> Broadcast:
        return get_broadcast_for_user(self.request, self.kwargs["broadcast"])

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["surveys/broadcast_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        statuses = Msg.objects.filter(batch=self.object.uuid).status_counts()
        progress = {
            "queued": statuses[Msg.Status.QUEUED] + statuses[Msg.Status.SENDING],
            "sent": statuses[Msg.Status.WIRED] + statuses[Msg.Status.SENT],
            "delivered": statuses[Msg.Status.DELIVERED],
            "failed": statuses[Msg.Status.FAILED],
        }
        progress["done"] = progress["sent"] + progress["delivered"] + progress["failed"]
        return super().get_context_data(progress=progress, **kwargs)


class FollowUpListView(OrganisationPermissionMixin, ListView):
    permission_required = "surveys.follow_up"
    template_name = "surveys/followup_list.html"
    # A national poll can leave thousands of calls open; a phone gets them in pages.
    paginate_by = 30

    def get_queryset(self) -> QuerySet[FollowUp]:
        return (
            FollowUp.objects.filter(organisation=self.request.organisation, closed_on__isnull=True)
            .select_related("reply__member", "reply__poll_send__poll", "responder")
            .order_by("-created_on", "-pk")  # the newest first, each call on one page only
        )


class CloseFollowUpView(OrganisationPermissionMixin, View):
    permission_required = "surveys.follow_up"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, follow_up: UUID) -> HttpResponse:
        target = get_object_or_404(FollowUp, organisation=request.organisation, uuid=follow_up)
        form = CloseFollowUpForm(request.POST, instance=target)
        if form.is_valid():
            target.note = form.cleaned_data["note"]
            target.closed_on, target.closed_by = timezone.now(), request.user
            target.save()
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        else:
            messages.error(request, _("Write what came of the call before closing it."))
        return redirect("surveys:follow_ups")


class PollCreateView(ManageFormMixin, CreateView):
    permission_required = "surveys.manage"
    form_class = PollForm
    page_title = gettext_lazy("New poll")

    def get_success_url(self) -> str:
        return reverse("surveys:poll", kwargs={"poll": self.object.uuid})


class PollUpdateView(PollCreateView, UpdateView):
    page_title = gettext_lazy("Edit poll")

    def get_object(self, queryset: Any = None) -> Poll:
        return get_poll_for_user(self.request, self.kwargs["poll"])


class InfoListView(OrganisationPermissionMixin, ListView):
    """Information keywords: a member texts RIGHTS and gets the stored text back."""

    permission_required = "surveys.manage"
    template_name = "surveys/info_list.html"

    def get_queryset(self) -> QuerySet[InfoText]:
        return InfoText.objects.filter(organisation=self.request.organisation).order_by("keyword")


class InfoCreateView(ManageFormMixin, CreateView):
    permission_required = "surveys.manage"
    form_class = InfoTextForm
    page_title = gettext_lazy("New information keyword")
    success_url = reverse_lazy("surveys:info")


class InfoUpdateView(InfoCreateView, UpdateView):
    page_title = gettext_lazy("Edit information keyword")

    def get_object(self, queryset: Any = None) -> InfoText:
        return get_info_for_user(self.request, self.kwargs["info"])
