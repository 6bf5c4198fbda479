from django.urls import path

from haki.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.MessageLogView.as_view(), name="log"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<uuid:msg>/done/", views.InboxDoneView.as_view(), name="inbox_done"),
]
