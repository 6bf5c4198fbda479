from django.urls import path

from haki.surveys import views

app_name = "surveys"
urlpatterns = [
    path("polls/", views.PollListView.as_view(), name="polls"),
    path("polls/add/", views.PollCreateView.as_view(), name="poll_add"),
    path("polls/<uuid:poll>/", views.PollDetailView.as_view(), name="poll"),
    path("polls/<uuid:poll>/edit/", views.PollUpdateView.as_view(), name="poll_edit"),
    path("info/", views.InfoListView.as_view(), name="info"),
    path("info/add/", views.InfoCreateView.as_view(), name="info_add"),
    path("info/<uuid:info>/", views.InfoUpdateView.as_view(), name="info_edit"),
    path("polls/<uuid:poll>/send/", views.SendPollView.as_view(), name="send_poll"),
    path("broadcasts/", views.BroadcastListView.as_view(), name="broadcasts"),
    path("broadcasts/<uuid:broadcast>/", views.BroadcastDetailView.as_view(), name="broadcast"),
    path(
        "broadcasts/<uuid:broadcast>/edit/",
        views.BroadcastEditView.as_view(),
        name="broadcast_edit",
    ),
    path("follow-ups/", views.FollowUpListView.as_view(), name="follow_ups"),
    path(
        "follow-ups/<uuid:follow_up>/close/",
        views.CloseFollowUpView.as_view(),
        name="close_follow_up",
    ),
]
