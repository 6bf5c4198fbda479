from django.urls import path

from haki.members import views

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("import/", views.ImportMembersView.as_view(), name="import"),
    path("import/columns/", views.MapMembersImportView.as_view(), name="import_map"),
    path("<uuid:member>/", views.MemberDetailView.as_view(), name="detail"),
]
