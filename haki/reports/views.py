from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone, translation
from django.views.generic import TemplateView

from haki.core.models import AuditEvent
from haki.core.reauth import RecentAuthenticationRequiredMixin
from haki.core.spreadsheets import XLSX
from haki.core.views import OrganisationPermissionMixin
from haki.reports import brief, donor, programme, render
from haki.reports.forms import BriefForm, DonorReportForm, ProgrammeForm, default_period
from haki.reports.models import Dhis2Push


def brief_form(request: HttpRequest) -> BriefForm:
    since, until = default_period()
    data = request.GET if "since" in request.GET else None
    internal = request.user.has_perm("reports.view_internal_brief", request.organisation)
    return BriefForm(
        data,
        initial={"since": since, "until": until, "audience": brief.Audience.POLICE.value},
        internal_allowed=internal,
    )


class BriefView(OrganisationPermissionMixin, TemplateView):
    """Choose a period and an audience; the brief shows below, ready to print."""

    permission_required = "reports.view_brief"
    template_name = "reports/brief.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = brief_form(self.request)
        built = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            built = brief.build(
                self.request.organisation,
                data["since"],
                data["until"],
                brief.Audience(data["audience"]),
            )
        return super().get_context_data(form=form, brief=built, **kwargs)


class BriefDownloadView(
    RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, TemplateView
):
    """The brief as a CSV or XLSX file: data leaving Haki, so re-authenticated and
    written in the audit trail."""

    permission_required = "reports.view_brief"
    template_name = "reports/brief.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = brief_form(request)
        file_format = request.GET.get("format", "csv")
        if not form.is_bound or not form.is_valid() or file_format not in ("csv", "xlsx"):
            response = self.render_to_response(self.get_context_data(form=form, brief=None))
            response.status_code = 400
            return response
        data = form.cleaned_data
        built = brief.build(
            request.organisation, data["since"], data["until"], brief.Audience(data["audience"])
        )
        body = render.render(built, file_format)
        content_type = XLSX if file_format == "xlsx" else "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        name = f"brief-{data['audience']}-{data['since']}-{data['until']}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        AuditEvent.record(request.user, AuditEvent.Action.EXPORT, None, request.organisation)
        return response


def programme_form(request: HttpRequest) -> ProgrammeForm:
    """Bound to the query, or to last month (and every figure the user may see)."""
    internal = request.user.has_perm("reports.view_internal_figures", request.organisation)
    data: Any = request.GET
    if "since" not in data:
        until = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        data = QueryDict(mutable=True)
        data.update(
            {
                "since": until.replace(day=1).isoformat(),
                "until": until.isoformat(),
                "audience": "internal" if internal else "external",
            }
        )
    return ProgrammeForm(data, organisation=request.organisation, internal_allowed=internal)


class ProgrammeView(OrganisationPermissionMixin, TemplateView):
    """The programme's indicators for a period and an area, with the period before and
    the same period a year earlier, a chart each, and DHIS2's last answer."""

    permission_required = "reports.view_programme"
    template_name = "reports/programme.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = programme_form(request)
        rows = programme.comparison(form.cleaned_data["scope"]) if form.is_valid() else None
        context = self.get_context_data(
            form=form,
            rows=rows,
            charts=[row.chart for row in rows or []],
            last_push=Dhis2Push.objects.filter(organisation=request.organisation).first(),
            query=form.data.urlencode(),
        )
        response = self.render_to_response(context)
        if form.errors:
            response.status_code = 400
        return response


class ProgrammeDownloadView(
    RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, TemplateView
):
    """The Programme page's figures as CSV or XLSX: re-authenticated and audited."""

    permission_required = "reports.view_programme"
    template_name = "reports/programme.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = programme_form(request)
        file_format = request.GET.get("format", "csv")
        if not form.is_bound or not form.is_valid() or file_format not in ("csv", "xlsx"):
            context = self.get_context_data(form=form, rows=None, charts=[], query="")
            response = self.render_to_response(context)
            response.status_code = 400
            return response
        scope = form.cleaned_data["scope"]
        body = programme.as_file(programme.comparison(scope), file_format)
        content_type = XLSX if file_format == "xlsx" else "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        name = f"indicators-{scope.audience}-{scope.since}-{scope.until}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        AuditEvent.record(request.user, AuditEvent.Action.EXPORT, None, request.organisation)
        return response


def donor_form(request: HttpRequest) -> DonorReportForm:
    data: Any = request.GET
    if "since" not in data:
        until = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        data = {
            "since": until.replace(day=1).isoformat(),
            "until": until.isoformat(),
            "language": request.organisation.default_language,
        }
    return DonorReportForm(data)


class DonorReportView(OrganisationPermissionMixin, TemplateView):
    """The donor report, printable: external figures only, in any shipped language."""

    permission_required = "reports.view_programme"
    template_name = "reports/donor.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = donor_form(request)
        report = None
        if form.is_valid():
            data = form.cleaned_data
            with translation.override(data["language"]):
                report = {
                    "since": data["since"],
                    "until": data["until"],
                    "rows": donor.rows(request.organisation, data["since"], data["until"]),
                }
                response = self.render_to_response(
                    self.get_context_data(form=form, report=report, query=urlencode(form.data))
                )
                response.render()
            return response
        response = self.render_to_response(
            self.get_context_data(form=form, report=report, query=urlencode(form.data))
        )
        if form.errors:
            response.status_code = 400
        return response


class DonorReportPdfView(
    RecentAuthenticationRequiredMixin, OrganisationPermissionMixin, TemplateView
):
    """The donor report as a PDF: re-authenticated and audited."""

    permission_required = "reports.view_programme"
    template_name = "reports/donor.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = donor_form(request)
        if not form.is_valid():
            response = self.render_to_response(self.get_context_data(form=form, report=None))
            response.status_code = 400
            return response
        data = form.cleaned_data
        body = donor.pdf(request.organisation, data["since"], data["until"], data["language"])
        response = HttpResponse(body, content_type="application/pdf")
        name = f"donor-report-{data['since']}-{data['until']}-{data['language']}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        AuditEvent.record(request.user, AuditEvent.Action.EXPORT, None, request.organisation)
        return response
