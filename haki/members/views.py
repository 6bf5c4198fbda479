from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from haki.core import uploads
from haki.core.importing import ImportRejected, read
from haki.core.models import AuditEvent
from haki.core.spreadsheets import Table
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.members.forms import EraseForm, MappingForm, MemberForm, NumberSearchForm, UploadForm
from haki.members.imports import import_members, suggest
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
            can_import=self.request.user.has_perm("members.import_members", org),
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


# The session holds only the token of the kept file and whether it is an XLSX file:
# never the file, its name or anything in it.
IMPORT_KEY = "members.import"


def _rejected(view: FormView, form: Any, problems: list[Any]) -> HttpResponse:
    response = view.render_to_response(view.get_context_data(form=form, problems=problems))
    response.status_code = 400
    return response


class ImportMembersView(OrganisationPermissionMixin, FormView):
    """Step one: the file is read within bounds, then kept encrypted for the mapping."""

    permission_required = "members.import_members"
    template_name = "members/import.html"
    form_class = UploadForm

    def form_valid(self, form: UploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        xlsx = (upload.name or "").lower().endswith(".xlsx")
        data = upload.read()
        try:
            read(data, "upload.xlsx" if xlsx else "upload.csv")
        except ImportRejected as rejected:
            return _rejected(self, form, rejected.problems)
        org = self.request.organisation
        previous = self.request.session.get(IMPORT_KEY)
        if previous:
            uploads.discard(org, previous["token"])
        self.request.session[IMPORT_KEY] = {"token": uploads.keep(org, data), "xlsx": xlsx}
        return redirect("members:import_map")


class MapMembersImportView(OrganisationPermissionMixin, FormView):
    """Step two: choose which column fills which field, then import every row or none."""

    permission_required = "members.import_members"
    template_name = "members/import_map.html"
    form_class = MappingForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.table: Table | None = None
        return super().dispatch(request, *args, **kwargs)

    def kept_table(self) -> Table | None:
        kept = self.request.session.get(IMPORT_KEY) or {}
        data = uploads.fetch(self.request.organisation, kept.get("token", ""))
        if data is None:
            return None
        try:
            return read(data, "upload.xlsx" if kept.get("xlsx") else "upload.csv")
        except ImportRejected:
            return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.table = self.kept_table()
        if self.table is None:
            return redirect("members:import")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.table = self.kept_table()
        if self.table is None:
            return redirect("members:import")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        assert self.table is not None
        return {
            **super().get_form_kwargs(),
            "header": self.table.header,
            "organisation": self.request.organisation,
            "suggested": suggest(self.table.header),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rows = len(self.table.rows) if self.table else 0
        return super().get_context_data(rows=rows, **kwargs)

    def form_valid(self, form: MappingForm) -> HttpResponse:
        org = self.request.organisation
        assert self.table is not None
        try:
            with transaction.atomic():
                count = import_members(org, self.table, self.request.user, form.mapping())
        except ImportRejected as rejected:
            return _rejected(self, form, rejected.problems)
        uploads.discard(org, self.request.session.pop(IMPORT_KEY)["token"])
        messages.success(
            self.request,
            ngettext(
                "%(count)s member imported or updated.",
                "%(count)s members imported or updated.",
                count,
            )
            % {"count": count},
        )
        return redirect("members:list")


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
