from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from haki.core.models import AuditEvent
from haki.core.views import ManageFormMixin, OrganisationPermissionMixin
from haki.referrals import sms
from haki.referrals.forms import (
    ApplicationForm,
    CancelForm,
    ConfirmForm,
    ForumForm,
    ReferralForm,
    ServiceForm,
    StatusForm,
)
from haki.referrals.models import (
    EntitlementApplication,
    ForumMeeting,
    Referral,
    Service,
)


def get_service_for_user(request: HttpRequest, service_uuid: UUID) -> Service:
    """The one way views fetch a service: scoped to the request's organisation."""
    return get_object_or_404(Service, organisation=request.organisation, uuid=service_uuid)


def get_referral_for_user(request: HttpRequest, referral_uuid: UUID) -> Referral:
    """The one way staff views fetch a referral: the organisation's people workers only."""
    if not request.user.has_perm("referrals.refer", request.organisation):
        raise PermissionDenied
    return get_object_or_404(
        Referral.objects.select_related("service", "kind", "member", "area"),
        organisation=request.organisation,
        uuid=referral_uuid,
    )


def referrals_of_provider(request: HttpRequest) -> QuerySet[Referral]:
    """A service provider's referrals: those of the services they confirm for, only."""
    if not request.user.has_perm("referrals.confirm", request.organisation):
        raise PermissionDenied
    return Referral.objects.filter(
        organisation=request.organisation, service__providers=request.user
    ).select_related("service", "member")


def get_application_for_user(request: HttpRequest, uuid: UUID) -> EntitlementApplication:
    if not request.user.has_perm("referrals.view_entitlements", request.organisation):
        raise PermissionDenied
    return get_object_or_404(
        EntitlementApplication.objects.select_related("member"),
        organisation=request.organisation,
        uuid=uuid,
    )


class ServiceListView(OrganisationPermissionMixin, ListView):
    permission_required = "referrals.refer"
    template_name = "referrals/service_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Service]:
        return Service.objects.filter(organisation=self.request.organisation).select_related(
            "kind", "area"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        org = self.request.organisation
        can_manage = self.request.user.has_perm("referrals.manage_services", org)
        return super().get_context_data(can_manage=can_manage, **kwargs)


class ServiceCreateView(ManageFormMixin, CreateView):
    permission_required = "referrals.manage_services"
    form_class = ServiceForm
    page_title = gettext_lazy("New service")
    success_url = reverse_lazy("referrals:services")


class ServiceUpdateView(ManageFormMixin, UpdateView):
    permission_required = "referrals.manage_services"
    form_class = ServiceForm
    page_title = gettext_lazy("Edit service")
    success_url = reverse_lazy("referrals:services")

    def get_object(self, queryset: Any = None) -> Service:
        return get_service_for_user(self.request, self.kwargs["service"])


class ReferralListView(OrganisationPermissionMixin, ListView):
    permission_required = "referrals.refer"
    template_name = "referrals/referral_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Referral]:
        rows = Referral.objects.filter(organisation=self.request.organisation)
        status = self.request.GET.get("status", "")
        if status in Referral.Status.values:
            rows = rows.filter(status=status)
        return rows.select_related("service", "member", "kind")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            statuses=Referral.Status.choices, status=self.request.GET.get("status", ""), **kwargs
        )


class ReferralCreateView(OrganisationPermissionMixin, FormView):
    """Refer a member; started from a member, a case's "referral" action or an alert."""

    permission_required = "referrals.refer"
    template_name = "referrals/referral_form.html"
    form_class = ReferralForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organisation": self.request.organisation}

    def origin(self) -> dict[str, Any]:
        """The case or alert the referral starts from, if any, in this organisation."""
        from haki.cases.views import get_case_for_user
        from haki.crisis.views import get_alert_for_user

        found: dict[str, Any] = {}
        try:
            if self.request.GET.get("case"):
                found["case"] = get_case_for_user(self.request, UUID(self.request.GET["case"]))
            if self.request.GET.get("alert"):
                found["alert"] = get_alert_for_user(self.request, UUID(self.request.GET["alert"]))
        except (ValueError, PermissionDenied):
            return {}
        return found

    def get_initial(self) -> dict[str, Any]:
        origin = self.origin()
        source = origin.get("case") or origin.get("alert")
        member = source.member if source is not None else None
        given = self.request.GET.get("member", "")
        return {"member": member.uuid if member else given, "send_slip": True}

    def form_invalid(self, form: ReferralForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: ReferralForm) -> HttpResponse:
        data, user = form.cleaned_data, self.request.user
        responder = user.responder_profiles.filter(organisation=self.request.organisation).first()
        referral = Referral.make(
            self.request.organisation,
            data["service"],
            member=data["member"],
            reason=data["reason"],
            language=data["member"].language,
            referrer_type=Referral.Referrer.RESPONDER if responder else Referral.Referrer.STAFF,
            referred_by_user=user,
            referred_by_responder=responder,
            **self.origin(),
        )
        AuditEvent.record(user, AuditEvent.Action.CREATE, referral)
        if data["send_slip"] and sms.send_slip(referral):
            messages.success(self.request, _("Referral made; the slip is on its way."))
        else:
            messages.success(self.request, _("Referral made; no slip was texted."))
        return redirect("referrals:detail", referral=referral.uuid)


class ReferralDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = "referrals.refer"
    template_name = "referrals/referral_detail.html"
    context_object_name = "referral"

    def get_object(self, queryset: Any = None) -> Referral:
        referral = get_referral_for_user(self.request, self.kwargs["referral"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, referral)
        return referral

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(cancel_form=CancelForm(), **kwargs)


class ReferralCancelView(OrganisationPermissionMixin, FormView):
    permission_required = "referrals.refer"
    form_class = CancelForm
    template_name = "referrals/referral_detail.html"
    http_method_names = ["post"]

    def form_invalid(self, form: CancelForm) -> HttpResponse:
        referral = get_referral_for_user(self.request, self.kwargs["referral"])
        context = {"referral": referral, "cancel_form": form}
        return render(self.request, self.template_name, context, status=400)

    def form_valid(self, form: CancelForm) -> HttpResponse:
        referral = get_referral_for_user(self.request, self.kwargs["referral"])
        if referral.move(Referral.Status.CANCELLED, self.request.user, "withdrawn"):
            messages.success(self.request, _("The referral is cancelled."))
        else:
            messages.error(self.request, _("This referral is closed already."))
        return redirect("referrals:detail", referral=referral.uuid)


class ProviderView(OrganisationPermissionMixin, FormView):
    """A service provider's page: confirm a code, see its own referrals by code and
    alias; never a number, never the reason."""

    permission_required = "referrals.confirm"
    template_name = "referrals/provider.html"
    form_class = ConfirmForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rows = referrals_of_provider(self.request)
        return super().get_context_data(
            open_referrals=rows.filter(status__in=Referral.OPEN)[:50],
            recent=rows.exclude(status__in=Referral.OPEN).order_by("-modified_on")[:20],
            **kwargs,
        )

    def form_invalid(self, form: ConfirmForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: ConfirmForm) -> HttpResponse:
        code, action = form.cleaned_data["code"], form.cleaned_data["action"]
        referral = referrals_of_provider(self.request).filter(code=code).first()
        if referral is None or not referral.move(action, self.request.user):
            form.add_error("code", _("This code is not one of your open referrals."))
            return self.form_invalid(form)
        if action == Referral.Status.COMPLETED:
            referral.confirmed_by_user = self.request.user
            referral.save(update_fields=["confirmed_by_user", "modified_on"])
            messages.success(self.request, _("Code %(code)s: confirmed.") % {"code": code})
        else:
            messages.success(self.request, _("Code %(code)s: expected.") % {"code": code})
        return redirect("referrals:provider")


class ApplicationListView(OrganisationPermissionMixin, ListView):
    permission_required = "referrals.view_entitlements"
    template_name = "referrals/application_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[EntitlementApplication]:
        return EntitlementApplication.objects.filter(
            organisation=self.request.organisation
        ).select_related("member")


class ApplicationCreateView(ManageFormMixin, CreateView):
    permission_required = "referrals.view_entitlements"
    form_class = ApplicationForm
    page_title = gettext_lazy("New entitlement application")

    def get_initial(self) -> dict[str, Any]:
        return {"member": self.request.GET.get("member", "")}

    def get_success_url(self) -> str:
        return reverse("referrals:application", kwargs={"application": self.object.uuid})


class ApplicationDetailView(OrganisationPermissionMixin, FormView):
    """An application, its status history and the change of status."""

    permission_required = "referrals.view_entitlements"
    template_name = "referrals/application_detail.html"
    form_class = StatusForm

    def application(self) -> EntitlementApplication:
        return get_application_for_user(self.request, self.kwargs["application"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application = self.application()
        if self.request.method == "GET":
            AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, application)
        return super().get_context_data(
            application=application,
            history=application.history.all(),
            forums=application.forums.all(),
            **kwargs,
        )

    def form_invalid(self, form: StatusForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: StatusForm) -> HttpResponse:
        application = self.application()
        application.change_status(form.cleaned_data["status"], self.request.user)
        messages.success(self.request, _("Saved."))
        return redirect("referrals:application", application=application.uuid)


class ForumListView(OrganisationPermissionMixin, ListView):
    permission_required = "referrals.view_entitlements"
    template_name = "referrals/forum_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[ForumMeeting]:
        return ForumMeeting.objects.filter(organisation=self.request.organisation)


class ForumCreateView(ManageFormMixin, CreateView):
    permission_required = "referrals.view_entitlements"
    form_class = ForumForm
    page_title = gettext_lazy("New forum meeting")
    success_url = reverse_lazy("referrals:forums")

    def form_valid(self, form: ForumForm) -> HttpResponse:
        response = super().form_valid(form)
        if getattr(self, "object", None) is not None and self.object.pk:
            self.object.raise_applications(self.request.user)
        return response
