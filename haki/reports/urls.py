from django.urls import path

from haki.reports import views

app_name = "reports"
urlpatterns = [
    path("brief/", views.BriefView.as_view(), name="brief"),
    path("brief/download/", views.BriefDownloadView.as_view(), name="brief_download"),
]
