from django.urls import path

from haki.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("new/", views.CaseCreateView.as_view(), name="create"),
    path("new/from-alert/<uuid:alert>/", views.CaseCreateView.as_view(), name="from_alert"),
    path("patterns/", views.PatternsView.as_view(), name="patterns"),
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("export/", views.ExportCasesView.as_view(), name="export"),
    path("import/", views.ImportCasesView.as_view(), name="import"),
    path("<uuid:case>/", views.CaseDetailView.as_view(), name="detail"),
    path("<uuid:case>/edit/", views.CaseUpdateView.as_view(), name="edit"),
    path("<uuid:case>/attachments/", views.AttachmentUploadView.as_view(), name="attach"),
    path(
        "<uuid:case>/attachments/<uuid:attachment>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
]
