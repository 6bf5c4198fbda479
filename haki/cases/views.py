from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from haki.cases import exports, patterns
from haki.cases.forms import (
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    ExportForm,
    ImportForm,
    TaxonomyForm,
)
from haki.cases.importer import ImportRejected, import_cases
from haki.cases.models import Attachment, Case, ViolationType
from haki.core.models import AuditEvent
from haki.core.reauth import RecentAuthenticationRequiredMixin
from haki.core.spreadsheets import XLSX, csv_bytes, xlsx_bytes
from haki.core.views import OrganisationPermissionMixin
from haki.crisis.models import Alert


def get_case_for_user(request: HttpRequest, case_uuid: UUID) -> Case:
    """The one way views fetch a case: in the user's organisation, and only for the
    roles that document cases."""
    if not request.user.has_perm("cases.view_case", request.organisation):
        raise PermissionDenied
    return get_object_or_404(
        Case.objects.select_related("organisation", "area", "alert", "member"),
        organisation=request.organisation,
        uuid=case_uuid,
    )


class CaseListView(OrganisationPermissionMixin, ListView):
    permission_required = "cases.view_case"
    template_name = "cases/case_list.html"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Case]:
        org = self.request.organisation
        self.filters = CaseFilterForm(self.request.GET or None, organisation=org)
        cases = Case.objects.filter(organisation=org).select_related("area")
        if self.filters.is_valid():
            cases = self.filters.filter(cases)
        return cases.prefetch_related("violations")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        return super().get_context_data(
            filters=self.filters,
            to_review=Case.objects.filter(organisation=org, status=Case.Status.TO_REVIEW).count(),
            review_status=Case.Status.TO_REVIEW,
            can_export=self.request.user.has_perm("cases.export_cases", org),
            can_import=self.request.user.has_perm("cases.import_cases", org),
            **kwargs,
        )


class CaseFormMixin(OrganisationPermissionMixin):
    template_name = "cases/case_form.html"
    form_class = CaseForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organisation": self.request.organisation}

    def form_invalid(self, form: CaseForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class CaseCreateView(CaseFormMixin, FormView):
    """A new case, entered directly or, from a closed alert, prefilled with its date,
    time, area, member and words."""

    permission_required = "cases.add_case"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.alert: Alert | None = None
        if "alert" in kwargs and request.user.has_perm("cases.add_case", request.organisation):
            self.alert = get_object_or_404(
                Alert, organisation=request.organisation, uuid=kwargs["alert"]
            )
            existing = Case.objects.filter(alert=self.alert).first()
            if existing is not None:
                return redirect("cases:detail", case=existing.uuid)
            if self.alert.status != Alert.Status.CLOSED:
                messages.warning(request, _("Close the alert before documenting it as a case."))
                return redirect("crisis:alert", alert=self.alert.uuid)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        if self.alert is None:
            return {"people_affected": 1}
        local = self.alert.raised_on.astimezone(self.request.organisation.tzinfo)
        told = [part for part in (self.alert.words, self.alert.outcome) if part]
        return {
            "occurred_on": local.date(),
            "occurred_at": local.time().replace(second=0, microsecond=0),
            "area": self.alert.area,
            "people_affected": 1,
            "narrative": "\n".join(told),
            "consent_police": bool(self.alert.member and self.alert.member.allow_police_referral),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(alert=self.alert, **kwargs)

    def form_valid(self, form: CaseForm) -> HttpResponse:
        form.instance.created_by = self.request.user
        if self.alert is not None:
            form.instance.alert = self.alert
            form.instance.member = self.alert.member
            form.instance.source = Case.Source.ALERT
        case = form.save()
        AuditEvent.record(self.request.user, AuditEvent.Action.CREATE, case)
        messages.success(self.request, _("Case #%(number)s saved.") % {"number": case.number})
        return redirect("cases:detail", case=case.uuid)


class CaseUpdateView(CaseFormMixin, FormView):
    permission_required = "cases.change_case"

    @cached_property
    def case(self) -> Case:
        return get_case_for_user(self.request, self.kwargs["case"])

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.case}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(case=self.case, **kwargs)

    def form_valid(self, form: CaseForm) -> HttpResponse:
        case = form.save()
        AuditEvent.record(self.request.user, AuditEvent.Action.CHANGE, case)
        if case.to_review:  # completed by a caseworker: the member's report is accepted
            case.accept(self.request.user)
            accepted = _("Case #%(number)s accepted.") % {"number": case.number}
            messages.success(self.request, accepted)
        else:
            messages.success(self.request, _("Case #%(number)s saved.") % {"number": case.number})
        return redirect("cases:detail", case=case.uuid)


class CaseDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "cases.view_case"
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_object(self, queryset: Any = None) -> Case:
        case = get_case_for_user(self.request, self.kwargs["case"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, case)
        return case

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            violations=self.object.violations.all(),
            actions=self.object.actions.all(),
            attachments=self.object.attachments.all(),
            attachment_form=kwargs.pop("attachment_form", None) or AttachmentForm(),
            **kwargs,
        )


class AttachmentUploadView(CaseDetailView):
    """Attach a file; a refused one shows the case page again with the reason."""

    permission_required = "cases.change_case"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, case: UUID) -> HttpResponse:
        self.object = target = get_case_for_user(request, case)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(attachment_form=form), status=400)
        clean = form.cleaned_data["file"]
        attachment = Attachment(
            organisation=target.organisation,
            case=target,
            content_type=clean.content_type,
            size=len(clean.content),
            added_by=request.user,
        )
        attachment.content = clean.content
        attachment.name = clean.name
        attachment.save()
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, attachment)
        messages.success(request, _("Attachment added."))
        return redirect("cases:detail", case=target.uuid)


class AttachmentDownloadView(OrganisationPermissionMixin, View):
    permission_required = "cases.view_case"

    def get(self, request: HttpRequest, case: UUID, attachment: UUID) -> HttpResponse:
        target = get_case_for_user(request, case)
        found = get_object_or_404(Attachment, case=target, uuid=attachment)
        AuditEvent.record(request.user, AuditEvent.Action.VIEW, found)
        response = HttpResponse(found.content, content_type=found.content_type)
        # Always a download: the browser never renders an upload inside our pages.
        response["Content-Disposition"] = f'attachment; filename="{found.name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class TaxonomyView(OrganisationPermissionMixin, TemplateView):
    """The organisation's own list of what can happen: add entries, retire them."""

    permission_required = "cases.manage_taxonomy"
    template_name = "cases/taxonomy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        return super().get_context_data(
            types=ViolationType.objects.filter(organisation=org),
            form=kwargs.pop("form", None) or TaxonomyForm(organisation=org),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        org = request.organisation
        if "toggle" in request.POST:
            entry = get_object_or_404(ViolationType, organisation=org, pk=request.POST["toggle"])
            entry.active = not entry.active
            entry.save(update_fields=["active", "modified_on"])
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, entry)
            return redirect("cases:taxonomy")
        form = TaxonomyForm(request.POST, organisation=org)
        if not form.is_valid():
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 400
            return response
        entry = form.save(commit=False)
        entry.organisation = org
        entry.key = ViolationType.new_key(org, entry.label)
        entry.position = 1000
        entry.save()
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, entry)
        return redirect("cases:taxonomy")


class PatternsView(OrganisationPermissionMixin, TemplateView):
    permission_required = "cases.view_patterns"
    template_name = "cases/patterns.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        filters = CaseFilterForm(self.request.GET or None, organisation=org)
        return super().get_context_data(
            filters=filters, patterns=patterns.for_filters(org, filters), **kwargs
        )


class ExportCasesView(RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, FormView):
    """The case list, filtered, as CSV or XLSX: only after the password and a fresh
    code, and written in the audit trail."""

    permission_required = "cases.export_cases"
    template_name = "cases/export.html"
    form_class = ExportForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organisation": self.request.organisation}

    def form_valid(self, form: ExportForm) -> HttpResponse:
        org = self.request.organisation
        cases = form.filter(Case.objects.filter(organisation=org))
        personal = form.cleaned_data["personal"]
        header = exports.header(personal)
        stamp = timezone.localdate().isoformat()
        if form.cleaned_data["format"] == "xlsx":
            body = xlsx_bytes([("Cases", header, exports.rows(cases, personal))])
            response = HttpResponse(body, content_type=XLSX)
            filename = f"cases-{stamp}.xlsx"
        else:
            body = csv_bytes(header, exports.rows(cases, personal))
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            filename = f"cases-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        AuditEvent.record(self.request.user, AuditEvent.Action.EXPORT, None, org)
        return response


class ImportCasesView(OrganisationPermissionMixin, FormView):
    permission_required = "cases.import_cases"
    template_name = "cases/import.html"
    form_class = ImportForm

    def form_valid(self, form: ImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        org = self.request.organisation
        try:
            count = import_cases(org, upload.name or "", upload)
        except ImportRejected as rejected:
            response = self.render_to_response(
                self.get_context_data(form=form, problems=rejected.problems)
            )
            response.status_code = 400
            return response
        AuditEvent.record(self.request.user, AuditEvent.Action.CREATE, None, org)
        messages.success(
            self.request,
            ngettext("%(count)s case imported.", "%(count)s cases imported.", count)
            % {"count": count},
        )
        return redirect("cases:list")
