from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path
from two_factor.urls import urlpatterns as two_factor_urls

from haki.core.views import SignInView, browser_probe, healthz
from haki.messaging.middleware import GATEWAY_URL, RELAYER_URL
from haki.monitoring import backlog_view, metrics_view

urlpatterns = [
    path("", include("haki.core.urls")),
    path("members/", include("haki.members.urls")),
    path("crisis/", include("haki.crisis.urls")),
    path("", include("haki.messaging.urls")),
    path("pulse/", include("haki.surveys.urls")),
    path("cases/", include("haki.cases.urls")),
    path("reports/", include("haki.reports.urls")),
    path("referrals/", include("haki.referrals.urls")),
    path("api/", include("haki.api.urls")),
    path("simulator/", include("haki.simulator.urls")),
    path("credentials/", include("haki.credentials.urls")),
    path("", include("haki.credentials.public_urls")),
    path("partnership/", include("haki.partnership.urls")),
    GATEWAY_URL,
    RELAYER_URL,
    # Ahead of two_factor's own, which keeps its name for reverse("two_factor:login").
    path("account/login/", SignInView.as_view()),
    path("", include(two_factor_urls)),
    path("account/logout/", LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("healthz/backlog", backlog_view, name="healthz_backlog"),
    path("metrics", metrics_view, name="metrics"),
    re_path(r"^(?:favicon\.ico|apple-touch-icon[\w-]*\.png|robots\.txt)$", browser_probe),
]
