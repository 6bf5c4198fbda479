from django.urls import path

from haki.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.ReferralListView.as_view(), name="list"),
    path("new/", views.ReferralCreateView.as_view(), name="create"),
    path("<uuid:referral>/", views.ReferralDetailView.as_view(), name="detail"),
    path("<uuid:referral>/cancel/", views.ReferralCancelView.as_view(), name="cancel"),
    path("services/", views.ServiceListView.as_view(), name="services"),
    path("services/add/", views.ServiceCreateView.as_view(), name="service_add"),
    path("services/<uuid:service>/", views.ServiceUpdateView.as_view(), name="service_edit"),
    path("confirm/", views.ProviderView.as_view(), name="provider"),
    path("entitlements/", views.ApplicationListView.as_view(), name="applications"),
    path("entitlements/add/", views.ApplicationCreateView.as_view(), name="application_add"),
    path(
        "entitlements/<uuid:application>/",
        views.ApplicationDetailView.as_view(),
        name="application",
    ),
    path("forums/", views.ForumListView.as_view(), name="forums"),
    path("forums/add/", views.ForumCreateView.as_view(), name="forum_add"),
]
