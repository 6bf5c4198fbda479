from django.urls import path

from haki.partnership import views

app_name = "partnership"
urlpatterns = [
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("trainings/", views.TrainingListView.as_view(), name="trainings"),
    path("trainings/<uuid:training>/", views.TrainingView.as_view(), name="training"),
    path(
        "trainings/<uuid:training>/attendance/",
        views.RecordAttendanceView.as_view(),
        name="record_attendance",
    ),
    path("allies/", views.AllyListView.as_view(), name="allies"),
    path("allies/export/", views.AllyExportView.as_view(), name="allies_export"),
    path("allies/merge/", views.MergeAlliesView.as_view(), name="merge"),
    path("does-training-work/", views.EvaluationView.as_view(), name="evaluation"),
    path("me/", views.OwnRecordView.as_view(), name="me"),
    path("does-training-work/link-units/", views.LinkUnitsView.as_view(), name="link_units"),
    path("cases/<uuid:case>/officers/", views.CaseOfficersView.as_view(), name="case_officers"),
]
