from django.urls import path

from haki.partnership import monitoring_views, views

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

# Station monitoring rounds and recognition.
urlpatterns += [
    path("checklists/", monitoring_views.ChecklistListView.as_view(), name="checklists"),
    path("rounds/", monitoring_views.RoundListView.as_view(), name="rounds"),
    path("rounds/add/", monitoring_views.AddRoundView.as_view(), name="round_add"),
    path("rounds/<uuid:round>/", monitoring_views.RoundView.as_view(), name="round"),
    path("rounds/<uuid:round>/visit/", monitoring_views.RecordVisitView.as_view(), name="visit"),
    path("nominations/", monitoring_views.NominationListView.as_view(), name="nominations"),
    path("allies/<uuid:ally>/nominate/", monitoring_views.NominateView.as_view(), name="nominate"),
    path(
        "nominations/<uuid:nomination>/",
        monitoring_views.NominationView.as_view(),
        name="nomination",
    ),
    path(
        "nominations/<uuid:nomination>/letter/",
        monitoring_views.LetterView.as_view(),
        name="letter",
    ),
    path(
        "nominations/<uuid:nomination>/letter.pdf",
        monitoring_views.LetterView.as_view(pdf=True),
        name="letter_pdf",
    ),
]
