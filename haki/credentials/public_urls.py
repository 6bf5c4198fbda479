"""Pages anyone may open without signing in: checking a card and its organisation's
published keys. Listed as public in ``haki/core/middleware.py``."""

from django.urls import path

from haki.credentials import views

app_name = "credentials_public"
urlpatterns = [
    path("v/", views.check, name="check"),
    path("v/<slug:organisation>/<str:token>", views.verify, name="verify"),
    path(
        ".well-known/haki/credentials/<slug:organisation>.json",
        views.published_keys,
        name="keys",
    ),
]
