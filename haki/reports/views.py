from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from haki.core.models import AuditEvent
from haki.core.reauth import RecentAuthenticationRequiredMixin
from haki.core.spreadsheets import XLSX
from haki.core.views import OrganisationPermissionMixin
from haki.reports import brief, render
from haki.reports.forms import BriefForm, default_period


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
