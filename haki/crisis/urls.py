from django.urls import path

from haki.crisis import views

app_name = "crisis"
urlpatterns = [
    path("responders/", views.ResponderListView.as_view(), name="responders"),
    path("responders/<uuid:responder>/duty/", views.ResponderDutyView.as_view(), name="duty"),
]
