"""The phone simulator's page (demo and development settings only): send a text as
any member or responder of the organisation, and watch what Haki sends each phone.

People are chosen from a list by alias or name; their numbers never appear in a URL
or on the page. Texts go in through the same path as a gateway's (stored, then routed
by the worker) on the organisation's ``sim`` channel, whose sending marks each text
delivered when the simulated phone has it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from haki.core.models import AuditEvent
from haki.core.views import OrganisationPermissionMixin
from haki.crisis.models import Responder
from haki.members.models import Member
from haki.messaging.channels import CALL, Incoming
from haki.messaging.inbound import store_incoming
from haki.messaging.models import Channel, Msg

LISTED = 200  # people per list: a demo organisation, not a network of thousands
SHOWN = 50  # texts per phone
TEXT_LIMIT = 1600  # as long as a gateway may send


@dataclass(frozen=True)
class Phone:
    kind: str
    person: Member | Responder

    @property
    def label(self) -> str:
        return self.person.alias if self.kind == "member" else self.person.name


def get_phone_for_user(request: HttpRequest, kind: str, person: str) -> Phone:
    """A member (not erased) or responder of the request's organisation, or 404."""
    model = Member if kind == "member" else Responder
    found = model.objects.filter(organisation=request.organisation)
    if kind == "member":
        found = found.filter(erased_on__isnull=True)
    try:
        return Phone(kind, get_object_or_404(found, uuid=uuid.UUID(person)))
    except ValueError:
        raise Http404 from None


def sim_channel(organisation: Any) -> Channel | None:
    return (
        organisation.channels.filter(type=Channel.Type.SIMULATOR, is_active=True)
        .order_by("pk")
        .first()
    )


def texts_of(phone: Phone, channel: Channel | None) -> list[Msg]:
    """The phone's last texts on the simulated channel: what it sent, and what Haki
    sent it that the phone has received."""
    if channel is None:
        return []
    received = Q(direction=Msg.Direction.OUT, status=Msg.Status.DELIVERED)
    texts = (
        Msg.objects.filter(channel=channel, phone_index=phone.person.phone_index)
        .filter(Q(direction=Msg.Direction.IN) | received)
        .select_related("organisation")
        .order_by("-created_on", "-pk")[:SHOWN]
    )
    return list(reversed(texts))


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )


class SimulatorMixin(OrganisationPermissionMixin):
    permission_required = "simulator.use"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.HAKI_SIMULATOR:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PhoneListView(SimulatorMixin, TemplateView):
    template_name = "simulator/phones.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        return super().get_context_data(
            channel=sim_channel(org),
            members=Member.objects.filter(organisation=org, erased_on__isnull=True)
            .select_related("area")
            .order_by("alias")[:LISTED],
            responders=sorted(
                Responder.objects.filter(organisation=org).select_related("organisation")[:LISTED],
                key=lambda responder: responder.name,
            ),
            **kwargs,
        )


class PhoneView(SimulatorMixin, TemplateView):
    template_name = "simulator/phone.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        phone = get_phone_for_user(self.request, kwargs["kind"], kwargs["person"])
        channel = sim_channel(self.request.organisation)
        kwargs.setdefault("form", TextForm())
        return super().get_context_data(
            phone=phone, channel=channel, texts=texts_of(phone, channel), **kwargs
        )

    def post(self, request: HttpRequest, kind: str, person: str) -> HttpResponse:
        phone = get_phone_for_user(request, kind, person)
        channel = sim_channel(request.organisation)
        # "Flash" rings Haki's number and hangs up: a missed call, with no text to check.
        flash = "flash" in request.POST
        form = TextForm(request.POST if not flash else {"text": "-"})
        if channel is None:
            form.add_error(None, _("This organisation has no simulated channel."))
        if not form.is_valid():
            context = self.get_context_data(kind=kind, person=person, form=form)
            return self.render_to_response(context, status=400)
        if flash:
            incoming = Incoming(f"sim-{uuid.uuid4()}", phone.person.phone, "", kind=CALL)
        else:
            incoming = Incoming(
                f"sim-{uuid.uuid4()}", phone.person.phone, form.cleaned_data["text"]
            )
        with transaction.atomic():
            msg_id = store_incoming(channel, incoming)
            AuditEvent.record(request.user, AuditEvent.Action.CREATE, Msg.objects.get(pk=msg_id))
        return redirect("simulator:phone", kind=kind, person=person)


class TextsView(SimulatorMixin, TemplateView):
    """The conversation alone, for the page to refresh itself (htmx)."""

    template_name = "simulator/texts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        phone = get_phone_for_user(self.request, kwargs["kind"], kwargs["person"])
        channel = sim_channel(self.request.organisation)
        return super().get_context_data(phone=phone, texts=texts_of(phone, channel), **kwargs)
