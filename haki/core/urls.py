from django.urls import path

from haki.core import views
from haki.core.reauth import ReauthView

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("account/confirm/", ReauthView.as_view(), name="reauth"),
    # Takes the place of two_factor's page of the same address, which asks for nothing.
    path(
        "account/two_factor/disable/",
        views.DisableAuthenticatorView.as_view(),
        name="disable_authenticator",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit"),
    path("areas/", views.AreaListView.as_view(), name="areas"),
    path("areas/add/", views.AreaCreateView.as_view(), name="area_add"),
    path("areas/<uuid:area>/", views.AreaUpdateView.as_view(), name="area_edit"),
    path("organisation/settings/", views.OrganisationSettingsView.as_view(), name="settings"),
    path("organisation/switch/", views.switch_organisation, name="switch_organisation"),
]
