from django.urls import path

from haki.credentials import views

app_name = "credentials"
urlpatterns = [
    path("", views.CredentialListView.as_view(), name="list"),
    path("issuer/", views.IssuerView.as_view(), name="issuer"),
    path("new/", views.IssueView.as_view(), name="issue"),
    path("<uuid:credential>/", views.CredentialDetailView.as_view(), name="detail"),
    path("<uuid:credential>/card/", views.CardView.as_view(), name="card"),
    path("<uuid:credential>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("<uuid:credential>/endorse/", views.EndorseView.as_view(), name="endorse"),
    path("<uuid:credential>/photo/", views.PhotoView.as_view(), name="photo"),
]
