from django.urls import path, re_path

from haki.simulator import views

app_name = "simulator"
PHONE = r"^(?P<kind>member|responder)/(?P<person>[0-9a-f-]{36})/"
urlpatterns = [
    path("", views.PhoneListView.as_view(), name="phones"),
    re_path(PHONE + "$", views.PhoneView.as_view(), name="phone"),
    re_path(PHONE + "texts/$", views.TextsView.as_view(), name="texts"),
]
