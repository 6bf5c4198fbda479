from __future__ import annotations

import base64
import io
from typing import Any
from uuid import UUID

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from haki.core.models import AuditEvent, Organisation
from haki.core.views import OrganisationPermissionMixin
from haki.credentials import checks
from haki.credentials.forms import CheckForm, EndorseForm, IssueForm, IssuerForm, PhotoForm
from haki.credentials.models import Credential, Endorsement, Issuer
from haki.credentials.publish import key_document
from haki.credentials.tokens import Verdict
from haki.messaging.channels.base import client_ip

PERMISSION = "credentials.manage"


def get_credential_for_user(request: HttpRequest, credential_uuid: UUID) -> Credential:
    """The one way staff views fetch a card: in the user's organisation, for managers."""
    if not request.user.has_perm(PERMISSION, request.organisation):
        raise PermissionDenied
    return get_object_or_404(
        Credential.objects.select_related("organisation", "signing_key"),
        organisation=request.organisation,
        uuid=credential_uuid,
    )


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` at error-correction level M, as an SVG data URI (the page's
    content policy allows images from data: and nothing else from elsewhere)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


class CredentialListView(OrganisationPermissionMixin, ListView):
    permission_required = PERMISSION
    template_name = "credentials/list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Credential]:
        return Credential.objects.filter(organisation=self.request.organisation).select_related(
            "organisation"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        issuer = Issuer.for_organisation(self.request.organisation)
        form = kwargs.pop("issuer_form", None) or IssuerForm(instance=issuer)
        return super().get_context_data(issuer_form=form, **kwargs)


class IssuerView(CredentialListView):
    """The public name and SMS number printed on cards."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        issuer = Issuer.for_organisation(request.organisation)
        form = IssuerForm(request.POST, instance=issuer)
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(issuer_form=form), status=400)
        form.save()
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, issuer)
        messages.success(request, _("Saved."))
        return redirect("credentials:list")


class IssueView(OrganisationPermissionMixin, FormView):
    permission_required = PERMISSION
    template_name = "credentials/issue.html"
    form_class = IssueForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organisation": self.request.organisation}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        issuer = Issuer.for_organisation(self.request.organisation)
        return super().get_context_data(issuer=issuer, **kwargs)

    def form_invalid(self, form: IssueForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: IssueForm) -> HttpResponse:
        data = form.cleaned_data
        credential = Credential.issue(
            self.request.organisation,
            holder=data["holder"],
            role=data["role"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            created_by=self.request.user.get_username(),
        )
        if data["photo"]:
            credential.photo = data["photo"]
            credential.photo_type = "image/jpeg"
            credential.save(update_fields=["photo_sealed", "photo_type", "modified_on"])
        AuditEvent.record(self.request.user, AuditEvent.Action.CREATE, credential)
        messages.success(self.request, _("Card issued."))
        return redirect("credentials:detail", credential=credential.uuid)


class CredentialDetailView(OrganisationPermissionMixin, DetailView):
    permission_required = PERMISSION
    template_name = "credentials/detail.html"
    context_object_name = "credential"

    def get_object(self, queryset: QuerySet | None = None) -> Credential:
        credential = get_credential_for_user(self.request, self.kwargs["credential"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, credential)
        return credential

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            status=self.object.status(),
            endorsements=self.object.endorsements.all(),
            endorse_form=kwargs.pop("endorse_form", None) or EndorseForm(),
            photo_form=kwargs.pop("photo_form", None) or PhotoForm(),
            **kwargs,
        )


class RevokeView(OrganisationPermissionMixin, View):
    permission_required = PERMISSION

    def post(self, request: HttpRequest, credential: UUID) -> HttpResponse:
        found = get_credential_for_user(request, credential)
        if found.revoked_on is None:
            found.revoke()
            AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found)
            messages.success(
                request, _("Card revoked: every check now answers that it is revoked.")
            )
        return redirect("credentials:detail", credential=found.uuid)


class EndorseView(CredentialDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, credential: UUID) -> HttpResponse:
        self.object = found = get_credential_for_user(request, credential)
        form = EndorseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(endorse_form=form), status=400)
        endorsement = Endorsement.objects.create(
            organisation=found.organisation,
            credential=found,
            endorser=form.cleaned_data["endorser"],
            recorded_by=request.user.get_username(),
        )
        AuditEvent.record(request.user, AuditEvent.Action.CREATE, endorsement)
        messages.success(request, _("Endorsement recorded."))
        return redirect("credentials:detail", credential=found.uuid)


class PhotoView(CredentialDetailView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, credential: UUID) -> HttpResponse:
        self.object = found = get_credential_for_user(request, credential)
        form = PhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(photo_form=form), status=400)
        found.photo = form.cleaned_data["photo"]
        found.photo_type = "image/jpeg"
        found.save(update_fields=["photo_sealed", "photo_type", "modified_on"])
        AuditEvent.record(request.user, AuditEvent.Action.CHANGE, found)
        messages.success(request, _("Photo saved."))
        return redirect("credentials:detail", credential=found.uuid)


class CardView(OrganisationPermissionMixin, DetailView):
    """The printable card: A7 on paper, a phone's width on screen."""

    permission_required = PERMISSION
    template_name = "credentials/card.html"
    context_object_name = "credential"

    def get_object(self, queryset: QuerySet | None = None) -> Credential:
        credential = get_credential_for_user(self.request, self.kwargs["credential"])
        AuditEvent.record(self.request.user, AuditEvent.Action.VIEW, credential)
        return credential

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        credential = self.object
        url = self.request.build_absolute_uri(verification_path(credential))
        photo = ""
        if credential.photo_type:
            photo = "data:image/jpeg;base64," + base64.b64encode(credential.photo).decode()
        return super().get_context_data(
            issuer=Issuer.for_organisation(credential.organisation),
            qr=qr_data_uri(url),
            check_address=self.request.build_absolute_uri(reverse("credentials_public:check")),
            photo=photo,
            **kwargs,
        )


def verification_path(credential: Credential) -> str:
    return reverse(
        "credentials_public:verify",
        kwargs={"organisation": credential.organisation.slug, "token": credential.token},
    )


# Public: no sign-in. They answer only valid, expired or revoked, the organisation's
# public name, the role and the dates; never who carries the card.


def _verdict_page(request: HttpRequest, verdict: Verdict, **context: Any) -> HttpResponse:
    status = 200 if verdict.recognised else 404
    return render(
        request,
        "credentials/verdict.html",
        {"verdict": verdict, "role": _role_label(verdict.role), **context},
        status=status,
    )


def _role_label(role: str) -> str:
    return str(Credential.Role(role).label) if role in Credential.Role.values else ""


def verify(request: HttpRequest, organisation: str, token: str) -> HttpResponse:
    verdict = checks.check_token(token, organisation)
    if not verdict.recognised:
        checks.record_failure(checks.Throttle("web", client_ip(request)), "credential check", None)
    return _verdict_page(request, verdict)


def check(request: HttpRequest) -> HttpResponse:
    """The short code typed in by hand, for a card whose QR code will not scan."""
    form = CheckForm(request.POST or None)
    if request.method != "POST":
        return render(request, "credentials/check.html", {"form": form})
    throttle = checks.Throttle("web", client_ip(request))
    if throttle.blocked():
        return render(
            request, "credentials/check.html", {"form": CheckForm(), "limited": True}, status=429
        )
    if not form.is_valid():
        return render(request, "credentials/check.html", {"form": form}, status=400)
    verdict = checks.check_code(form.cleaned_data["code"])
    if not verdict.recognised:
        checks.record_failure(throttle, "credential check", None)
        return render(
            request, "credentials/check.html", {"form": form, "not_found": True}, status=404
        )
    return _verdict_page(request, verdict)


def published_keys(request: HttpRequest, organisation: str) -> HttpResponse:
    org = Organisation.objects.filter(slug=organisation, shredded_on__isnull=True).first()
    if org is None or not org.signing_keys.exists():
        raise Http404
    response = JsonResponse(key_document(org), json_dumps_params={"indent": 1})
    response["Access-Control-Allow-Origin"] = "*"  # any verifier may fetch it
    return response
