from django.urls import path

from haki.reports import views

app_name = "reports"
urlpatterns = [
    path("brief/", views.BriefView.as_view(), name="brief"),
    path("brief/download/", views.BriefDownloadView.as_view(), name="brief_download"),
    path("programme/", views.ProgrammeView.as_view(), name="programme"),
    path("programme/download/", views.ProgrammeDownloadView.as_view(), name="programme_download"),
    path("donor/", views.DonorReportView.as_view(), name="donor"),
    path("donor/pdf/", views.DonorReportPdfView.as_view(), name="donor_pdf"),
]
