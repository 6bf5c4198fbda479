from django.urls import path

from haki.members import views

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("import/", views.ImportMembersView.as_view(), name="import"),
    path("import/columns/", views.MapMembersImportView.as_view(), name="import_map"),
    path("add/", views.MemberCreateView.as_view(), name="add"),
    path("<uuid:member>/", views.MemberDetailView.as_view(), name="detail"),
    path("<uuid:member>/edit/", views.MemberUpdateView.as_view(), name="edit"),
    path("<uuid:member>/erase/", views.MemberEraseView.as_view(), name="erase"),
]
