from django.urls import path

from haki.partnership import manage_views as manage
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
    # Coordinators keep stations, allies, postings and trainings.
    path("stations/", manage.StationListView.as_view(), name="stations"),
    path("stations/new/", manage.StationCreateView.as_view(), name="station_create"),
    path("stations/<uuid:station>/", manage.StationUpdateView.as_view(), name="station_edit"),
    path("allies/new/", manage.AllyCreateView.as_view(), name="ally_create"),
    path("allies/<uuid:ally>/", manage.AllyUpdateView.as_view(), name="ally_edit"),
    path("allies/<uuid:ally>/posting/", manage.PostingView.as_view(), name="posting"),
    path("trainings/new/", manage.TrainingCreateView.as_view(), name="training_create"),
    path(
        "trainings/<uuid:training>/edit/",
        manage.TrainingUpdateView.as_view(),
        name="training_edit",
    ),
    path(
        "trainings/<uuid:training>/facilitators/",
        manage.AddFacilitatorView.as_view(),
        name="add_facilitator",
    ),
    path(
        "trainings/<uuid:training>/co-trainers/",
        manage.AddCoTrainerView.as_view(),
        name="add_co_trainer",
    ),
    path(
        "trainings/<uuid:training>/facilitators/<int:facilitator>/remove/",
        manage.RemoveFacilitatorView.as_view(),
        name="remove_facilitator",
    ),
]
