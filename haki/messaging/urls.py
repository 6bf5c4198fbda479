from django.urls import path

from haki.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.MessageLogView.as_view(), name="log"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("channels/", views.ChannelListView.as_view(), name="channels"),
    path("channels/add/", views.ChannelCreateView.as_view(), name="channel_add"),
    path("channels/<int:channel>/", views.ChannelUpdateView.as_view(), name="channel_edit"),
    path("inbox/<uuid:msg>/done/", views.InboxDoneView.as_view(), name="inbox_done"),
]
