from django.urls import path

from haki.partnership import manage_views as manage
from haki.partnership import monitoring_views, plan_views, views

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
    # Joint action plans and review meetings
    path("plans/", plan_views.PlanListView.as_view(), name="plans"),
    path("plans/new/", plan_views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<uuid:plan>/", plan_views.PlanView.as_view(), name="plan"),
    path("plans/<uuid:plan>/actions/", plan_views.AddPlanActionView.as_view(), name="plan_action"),
    path("plans/<uuid:plan>/check-ins/", plan_views.CheckInView.as_view(), name="plan_check_in"),
    path(
        "actions/<uuid:action>/status/", plan_views.ActionStatusView.as_view(), name="action_status"
    ),
    path("meetings/", plan_views.MeetingListView.as_view(), name="meetings"),
    path("meetings/<uuid:meeting>/", plan_views.MeetingView.as_view(), name="meeting"),
    path(
        "meetings/<uuid:meeting>/actions/",
        plan_views.AddMeetingActionView.as_view(),
        name="meeting_action",
    ),
    path(
        "meetings/<uuid:meeting>/export/",
        plan_views.MeetingExportView.as_view(),
        name="meeting_export",
    ),
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
