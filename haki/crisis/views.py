from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import ListView

from haki.core.models import AuditEvent
from haki.core.views import OrganisationPermissionMixin
from haki.crisis.models import Responder


def get_responder_for_user(request: HttpRequest, responder_uuid: UUID) -> Responder:
    return get_object_or_404(Responder, organisation=request.organisation, uuid=responder_uuid)


class ResponderListView(OrganisationPermissionMixin, ListView):
    permission_required = "core.view_people"
    template_name = "crisis/responder_list.html"

    def get_queryset(self) -> QuerySet[Responder]:
        return Responder.objects.filter(organisation=self.request.organisation).prefetch_related(
            "areas"
        )

    def get_context_data(self, **kwargs):
        can_manage = self.request.user.has_perm("core.manage_people", self.request.organisation)
        return super().get_context_data(can_manage=can_manage, **kwargs)


class ResponderDutyView(OrganisationPermissionMixin, View):
    """Coordinators put a responder on or off duty from the web."""

    permission_required = "core.manage_people"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, responder: UUID) -> HttpResponse:
        target = get_responder_for_user(request, responder)
        target.on_duty = request.POST.get("on_duty") == "1"
        target.save(update_fields=["on_duty", "modified_on"])
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, target)
        return redirect("crisis:responders")
