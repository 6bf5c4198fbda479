from django.urls import path

from haki.core import views

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit/", views.AuditLogView.as_view(), name="audit"),
    path("organisation/switch/", views.switch_organisation, name="switch_organisation"),
]
