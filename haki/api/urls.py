from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from haki.api import directory, views, web

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", web.TokensView.as_view(), name="tokens"),
    path("tokens/<int:token>/revoke/", web.RevokeView.as_view(), name="revoke"),
    path("v1/indicators/", views.IndicatorsView.as_view(), name="indicators"),
    path("v1/cases/aggregates/", views.CaseAggregatesView.as_view(), name="case_aggregates"),
    path("v1/services/", directory.ServicesView.as_view(), name="services"),
]
