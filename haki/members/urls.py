from django.urls import path

from haki.members import views

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("<uuid:member>/", views.MemberDetailView.as_view(), name="detail"),
]
