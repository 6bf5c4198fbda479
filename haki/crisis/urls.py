from django.urls import path

from haki.crisis import views

app_name = "crisis"
urlpatterns = [
    path("responders/", views.ResponderListView.as_view(), name="responders"),
    path("responders/add/", views.ResponderCreateView.as_view(), name="responder_add"),
    path(
        "responders/<uuid:responder>/", views.ResponderUpdateView.as_view(), name="responder_edit"
    ),
    path(
        "responders/<uuid:responder>/retire/",
        views.ResponderRetireView.as_view(),
        name="responder_retire",
    ),
    path("responders/<uuid:responder>/duty/", views.ResponderDutyView.as_view(), name="duty"),
    path("responders/<uuid:responder>/roster/", views.RosterView.as_view(), name="roster"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("board/alerts/", views.BoardAlertsView.as_view(), name="board_alerts"),
    path("alerts/raise/", views.RaiseAlertView.as_view(), name="raise"),
    path("alerts/closed/", views.ClosedAlertsView.as_view(), name="closed"),
    path("alerts/<uuid:alert>/", views.AlertDetailView.as_view(), name="alert"),
    path("alerts/<uuid:alert>/take/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("alerts/<uuid:alert>/close/", views.CloseView.as_view(), name="close"),
]
