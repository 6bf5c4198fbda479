from django.urls import path

from haki.core import staff, views
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
    path("account/invitation/", staff.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("audit/", views.AuditLogView.as_view(), name="audit"),
    path("areas/", views.AreaListView.as_view(), name="areas"),
    path("areas/add/", views.AreaCreateView.as_view(), name="area_add"),
    path("areas/<uuid:area>/", views.AreaUpdateView.as_view(), name="area_edit"),
    path("organisation/settings/", views.OrganisationSettingsView.as_view(), name="settings"),
    path("organisation/switch/", views.switch_organisation, name="switch_organisation"),
    path("staff/", staff.StaffListView.as_view(), name="staff"),
    path("staff/invite/", staff.InviteView.as_view(), name="invite"),
    path("staff/<uuid:membership>/", staff.StaffMemberView.as_view(), name="staff_member"),
    path("staff/<uuid:membership>/role/", staff.ChangeRoleView.as_view(), name="staff_role"),
    path(
        "staff/<uuid:membership>/sessions/",
        staff.EndSessionsView.as_view(),
        name="staff_end_sessions",
    ),
    path(
        "staff/<uuid:membership>/deactivate/",
        staff.DeactivateView.as_view(),
        name="staff_deactivate",
    ),
    path(
        "staff/<uuid:membership>/password/",
        staff.ResetPasswordView.as_view(),
        name="staff_reset_password",
    ),
    path(
        "staff/<uuid:membership>/authenticator/",
        staff.ResetAuthenticatorView.as_view(),
        name="staff_reset_authenticator",
    ),
]
