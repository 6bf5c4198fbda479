from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import CreateView, ListView, UpdateView

from haki.core.forms import DateRangeForm
from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.messaging import inbound
from haki.messaging.channels import methods_for
from haki.messaging.forms import ChannelForm
from haki.messaging.models import Channel, Msg

# A text is at most 1,600 characters: 64 KB holds it in any encoding, with room to spare.
GATEWAY_REQUEST_BYTES = 64 * 1024


def get_channel_for_user(request: HttpRequest, channel_id: int) -> Channel:
    """The one way views fetch a channel. By its row number, not its uuid: the uuid is
    part of the gateway's address and stays out of browser histories and proxy logs."""
    return get_object_or_404(Channel, organisation=request.organisation, pk=channel_id)


@csrf_exempt
def gateway(
    request: HttpRequest, channel_type: str, channel_uuid: UUID, action: str
) -> HttpResponse:
    """/c/<type>/<channel uuid>/<action>: the courier-compatible gateway URL; each
    gateway says which actions and HTTP methods it accepts (``Gateway.actions``). The
    size is checked from the headers, before a byte of the body is read."""
    allowed = methods_for(action)
    if not allowed:
        return inbound.not_found()
    if request.method not in allowed:
        return inbound.not_allowed(allowed)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # as Django reads it: no body
    if max(length, len(request.META.get("QUERY_STRING", ""))) > GATEWAY_REQUEST_BYTES:
        return HttpResponse("request too large", status=413, content_type="text/plain")
    return inbound.receive(request, channel_type, channel_uuid, action)


@csrf_exempt
def relayer_sync(request: HttpRequest, relayer_id: int) -> HttpResponse:
    """/relayers/relayer/sync/<id>/: where RapidPro's Android app syncs, by the number
    RapidPro gave it (the channel's ``relayer_id``), so a phone moved from RapidPro keeps
    its settings. Otherwise exactly /c/a/<uuid>/sync."""
    found = (
        Channel.objects.filter(type=Channel.Type.RAPIDPRO_ANDROID, is_active=True)
        .filter(config__relayer_id=relayer_id)
        .values_list("uuid", flat=True)[:2]
    )
    if len(found) != 1:  # none, or two organisations claiming the same phone
        return HttpResponse("unknown channel", status=404, content_type="text/plain")
    return gateway(request, Channel.Type.RAPIDPRO_ANDROID, found[0], "sync")


class MessageFilter(DateRangeForm):
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("All")), *Msg.Direction.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Msg.Status.choices]
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        queryset=Channel.objects.none(),
        to_field_name="uuid",
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(organisation=organisation)


class MessageLogView(OrganisationPermissionMixin, ListView):
    """Every text in and out: when, which way, which channel, what became of it. The
    words are not shown here; numbers only in part unless the role may see them."""

    permission_required = "messaging.view_log"
    template_name = "messaging/log.html"
    paginate_by = 20  # a phone screen or two: 50 rows made a page of 4,700 px

    def get_queryset(self) -> QuerySet[Msg]:
        org = self.request.organisation
        self.filter_form = MessageFilter(self.request.GET or None, organisation=org)
        msgs = Msg.objects.filter(organisation=org).select_related("channel", "organisation")
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["direction"]:
                msgs = msgs.filter(direction=data["direction"])
            if data["status"]:
                msgs = msgs.filter(status=data["status"])
            if data["channel"]:
                msgs = msgs.filter(channel=data["channel"])
            msgs = self.filter_form.filter_dates(msgs, "created_on")
        return msgs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        show_numbers = self.request.user.has_perm("messaging.view_numbers", org)
        if show_numbers:
            AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, organisation=org)
        return super().get_context_data(
            filter_form=self.filter_form,
            show_numbers=show_numbers,
            **kwargs,
        )


class InboxView(OrganisationPermissionMixin, ListView):
    """Texts no keyword understood, for an operator to read and follow up."""

    permission_required = "messaging.view_inbox"
    template_name = "messaging/inbox.html"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Msg]:
        return (
            Msg.objects.filter(
                organisation=self.request.organisation,
                status=Msg.Status.INBOX,
                handled_on__isnull=True,
            )
            .select_related("member", "organisation", "channel")
            .order_by("created_on")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, organisation=org)
        # A missed call is a call to return: those who may see numbers see its number.
        show_numbers = self.request.user.has_perm("messaging.view_numbers", org)
        return super().get_context_data(show_numbers=show_numbers, **kwargs)


class InboxDoneView(OrganisationPermissionMixin, View):
    permission_required = "messaging.view_inbox"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, msg: UUID) -> HttpResponse:
        target = get_object_or_404(
            Msg, organisation=request.organisation, uuid=msg, status=Msg.Status.INBOX
        )
        target.handled_on, target.handled_by = timezone.now(), request.user
        target.save(update_fields=["handled_on", "handled_by", "modified_on"])
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        return redirect("messaging:inbox")


class ChannelListView(OrganisationPermissionMixin, ListView):
    permission_required = "core.manage_organisation"
    template_name = "messaging/channel_list.html"

    def get_queryset(self) -> QuerySet[Channel]:
        return Channel.objects.filter(organisation=self.request.organisation)


class ChannelCreateView(ManageFormMixin, CreateView):
    form_class = ChannelForm
    page_title = _("New channel")
    success_url = reverse_lazy("messaging:channels")


class ChannelUpdateView(ManageFormMixin, UpdateView):
    form_class = ChannelForm
    page_title = _("Edit channel")
    template_name = "messaging/channel_form.html"
    success_url = reverse_lazy("messaging:channels")

    def get_object(self, queryset: Any = None) -> Channel:
        return get_channel_for_user(self.request, self.kwargs["channel"])
