from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.members.forms import EraseForm, MemberForm, NumberSearchForm
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
        if "phone" in request.POST:
            return self.find_by_number(request)
        request.session[self.SEARCH_KEY] = request.POST.get("alias", "").strip()[:64]
        return redirect("members:list")

    def find_by_number(self, request: HttpRequest) -> HttpResponse:
        """The answer to a posted number, rendered at once: the number goes nowhere."""
        org = request.organisation
        form = NumberSearchForm(request.POST, organisation=org)
        found = Member.objects.none()
        if form.is_valid():
            found = Member.objects.with_phone(org, form.cleaned_data["phone"])
        context = {
            "object_list": found.select_related("area"),
            "number_form": NumberSearchForm(organisation=org),
            "number_errors": form.errors.get("phone"),
            "by_number": True,
            "can_manage": request.user.has_perm("core.manage_people", org),
        }
        return render(request, self.template_name, context, status=200 if form.is_valid() else 400)

    def get_queryset(self) -> QuerySet[Member]:
        members = Member.objects.filter(organisation=self.request.organisation).select_related(
            "area"
        )
        alias = self.request.session.get(self.SEARCH_KEY, "")
        if alias:
            members = members.filter(alias__icontains=alias)
        return members

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        return super().get_context_data(
            alias=self.request.session.get(self.SEARCH_KEY, ""),
            number_form=NumberSearchForm(organisation=org),
            can_manage=self.request.user.has_perm("core.manage_people", org),
            **kwargs,
        )


class MemberDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "core.view_people"
    template_name = "members/member_detail.html"
    context_object_name = "member"

    def get_object(self, queryset: Any = None) -> Member:
        member = get_member_for_user(self.request, self.kwargs["member"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, member)
        return member

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        can_manage = self.request.user.has_perm("core.manage_people", self.request.organisation)
        return super().get_context_data(
            can_manage=can_manage and not self.object.erased_on,
            groups=self.object.groups.all(),
            **kwargs,
        )


class MemberCreateView(ManageFormMixin, CreateView):
    permission_required = "core.manage_people"
    form_class = MemberForm
    page_title = gettext_lazy("New member")

    def get_success_url(self) -> str:
        return reverse("members:detail", kwargs={"member": self.object.uuid})


class MemberUpdateView(MemberCreateView, UpdateView):
    page_title = gettext_lazy("Edit member")

    def get_object(self, queryset: Any = None) -> Member:
        member = get_member_for_user(self.request, self.kwargs["member"])
        if member.erased_on:
            raise Http404
        return member

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        # The form shows the member's codewords: opening it is a view of their data.
        AuditEvent.record(request.user, AuditEvent.Action.VIEW, self.object)
        return response


class MemberEraseView(OrganisationPermissionMixin, FormView):
    """Erase a member on their behalf: the same erasure as their DELETE text."""

    permission_required = "core.manage_people"
    template_name = "members/member_erase.html"
    form_class = EraseForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.has_permission():
            return self.handle_no_permission()
        self.member = get_member_for_user(request, kwargs["member"])
        if self.member.erased_on:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(member=self.member, **kwargs)

    def form_invalid(self, form: EraseForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: EraseForm) -> HttpResponse:
        self.member.erase(actor=self.request.user)
        messages.success(self.request, _("The member was erased."))
        return redirect("members:list")
