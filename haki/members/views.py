from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from haki.core.models import AuditEvent
from haki.core.views import OrganisationPermissionMixin
from haki.members.models import Member


def get_member_for_user(request: HttpRequest, member_uuid: UUID) -> Member:
    """The one way views fetch a member: scoped to the request's organisation."""
    return get_object_or_404(
        Member.objects.select_related("area"), organisation=request.organisation, uuid=member_uuid
    )


class MemberListView(OrganisationPermissionMixin, ListView):
    permission_required = "core.view_people"
    template_name = "members/member_list.html"
    paginate_by = 50

    # The search words are kept in the session, not the URL: an alias in a URL would
    # stay in the browser's history and the proxies' logs.
    SEARCH_KEY = "members.search"

    def post(self, request: HttpRequest) -> HttpResponse:
        request.session[self.SEARCH_KEY] = request.POST.get("alias", "").strip()[:64]
        return redirect("members:list")

    def get_queryset(self) -> QuerySet[Member]:
        members = Member.objects.filter(organisation=self.request.organisation).select_related(
            "area"
        )
        alias = self.request.session.get(self.SEARCH_KEY, "")
        if alias:
            members = members.filter(alias__icontains=alias)
        return members

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        alias = self.request.session.get(self.SEARCH_KEY, "")
        return super().get_context_data(alias=alias, **kwargs)


class MemberDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "core.view_people"
    template_name = "members/member_detail.html"
    context_object_name = "member"

    def get_object(self, queryset: Any = None) -> Member:
        member = get_member_for_user(self.request, self.kwargs["member"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, member)
        return member
