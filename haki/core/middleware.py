"""Every staff request passes through here: who is it, in which organisation, and
have they proven their second factor. Views can then rely on ``request.organisation``
and ``request.membership``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from two_factor.utils import default_device

from haki.core.models import SIGNED_IN_AT

# Reachable without a verified second factor. Everything else needs one. Browsers
# fetch icons on their own in the background; sending those to the login page would
# restart a sign-in that is half done.
PUBLIC_PREFIXES = (
    "/account/login/",
    "/account/invitation/",
    "/healthz",
    "/metrics",  # a monitoring token or address, checked by haki.monitoring
    "/i18n/",
    "/static/",
    "/c/",
    "/favicon.ico",
    "/apple-touch-icon",
    "/robots.txt",
    "/v/",  # checking an outreach worker's card (haki.credentials)
    "/.well-known/haki/",
    # The read-only API authenticates its own tokens (haki/api); its schema is public.
    "/api/schema/",
    "/api/docs/",
    "/api/v1/",
)
ENROLMENT_PREFIXES = (
    "/account/two_factor/setup/",
    "/account/two_factor/qrcode/",
    "/account/logout/",
)


class StaffAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organisation = None
        request.membership = None
        path = request.path_info
        if path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return to_sign_in(request)
        memberships = list(user.memberships.select_related("organisation").order_by("pk"))
        if session_ended(request, memberships):
            # Ended by a manager (a seized phone, a reset, a deactivation).
            logout(request)
            return to_sign_in(request)
        if not user.is_verified():
            if default_device(user) is not None:
                # Signed in without the second factor: start again from the login.
                logout(request)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not path.startswith(ENROLMENT_PREFIXES):
                return redirect("two_factor:setup")
            return self.get_response(request)
        request.membership = current_membership(request, memberships)
        request.organisation = request.membership.organisation if request.membership else None
        if request.organisation is None:
            return self.get_response(request)
        # Every time a page shows, a form reads or an export writes is the organisation's
        # local time: a case and the alert it came from must name the same hour.
        with timezone.override(request.organisation.tzinfo):
            return self.get_response(request)


def to_sign_in(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request"):
        # A refreshing board whose session ended: send the page, not the fragment.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def session_ended(request: HttpRequest, memberships: list) -> bool:
    cuts = [m.sessions_valid_after for m in memberships if m.sessions_valid_after]
    if not cuts:
        return False
    return request.session.get(SIGNED_IN_AT, 0) < max(cuts).timestamp()


def current_membership(request: HttpRequest, memberships: list | None = None):
    if memberships is None:
        memberships = list(request.user.memberships.select_related("organisation").order_by("pk"))
    memberships = [m for m in memberships if m.deactivated_on is None]
    chosen = request.session.get("organisation")
    if chosen:
        for membership in memberships:
            if membership.organisation.uuid.hex == chosen:
                return membership
    return memberships[0] if memberships else None


class PrivatePageMiddleware:
    """Nothing a signed-in user sees is kept by a browser or a proxy cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(("/static/", "/healthz")):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a page refreshing itself (the hotline board's poll, marked
    ``X-Haki-Poll``) does not count as activity: an unattended screen still times out."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.headers.get("X-Haki-Poll") and not request.session.modified:
            return response
        return super().process_response(request, response)
