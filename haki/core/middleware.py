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
from two_factor.utils import default_device

# Reachable without a verified second factor. Everything else needs one. Browsers
# fetch icons on their own in the background; sending those to the login page would
# restart a sign-in that is half done.
PUBLIC_PREFIXES = (
    "/account/login/",
    "/healthz",
    "/i18n/",
    "/static/",
    "/c/",
    "/favicon.ico",
    "/apple-touch-icon",
    "/robots.txt",
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
            if request.headers.get("HX-Request"):
                # A refreshing board whose session ended: send the page, not the fragment.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                return response
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not user.is_verified():
            if default_device(user) is not None:
                # Signed in without the second factor: start again from the login.
                logout(request)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not path.startswith(ENROLMENT_PREFIXES):
                return redirect("two_factor:setup")
            return self.get_response(request)
        request.membership = current_membership(request)
        request.organisation = request.membership.organisation if request.membership else None
        return self.get_response(request)


def current_membership(request: HttpRequest):
    memberships = request.user.memberships.select_related("organisation").order_by("pk")
    chosen = request.session.get("organisation")
    if chosen:
        for membership in memberships:
            if membership.organisation.uuid.hex == chosen:
                return membership
    return memberships.first()


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
