"""The services directory: the organisation's referral services as members learn them
by SMS (code, name, kind, area, address, hours), and nothing more. A service's contact
number is sealed and never listed: the SMS list and the slip give members the place,
its address and hours, not a number, so neither does the API; nor who confirms
attendance, nor which places the organisation knows to be friendly."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated

from haki.api.views import TEXT_ERRORS
from haki.core.models import Area, Organisation
from haki.referrals.models import Service


def listed_services(organisation: Organisation) -> QuerySet[Service]:
    """The one way the API reads services: the token's organisation's, in use."""
    return (
        Service.objects.active()
        .filter(organisation=organisation)
        .select_related("kind", "area")
        .order_by("name", "pk")
    )


class ServiceSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.key", help_text="The kind's key, e.g. drop_in.")
    kind_name = serializers.CharField(source="kind.display_name")
    area = serializers.CharField(source="area.code", help_text="The area's code.")
    area_name = serializers.CharField(source="area.name")

    class Meta:
        model = Service
        fields = ["code", "name", "kind", "kind_name", "area", "area_name", "address", "hours"]


NO_KIND = gettext_lazy("There is no kind of service with this key.")


class DirectoryFilter(serializers.Serializer):
    kind = serializers.SlugField(
        required=False,
        max_length=64,
        error_messages={**TEXT_ERRORS, "invalid": NO_KIND},
    )
    area = serializers.CharField(required=False, max_length=32, error_messages=TEXT_ERRORS)


class DirectoryPages(PageNumberPagination):
    page_size = 50
    invalid_page_message = gettext_lazy("There is no such page.")


class ServicesView(ListAPIView):
    """The organisation's referral services, filterable by kind and area."""

    permission_classes = [IsAuthenticated]
    serializer_class = ServiceSerializer
    pagination_class = DirectoryPages

    def get_queryset(self) -> QuerySet[Service]:
        checked = DirectoryFilter(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        wanted: dict[str, Any] = checked.validated_data
        organisation = self.request.auth.organisation
        services = listed_services(organisation)
        if wanted.get("kind"):
            if not organisation.service_kinds.filter(key=wanted["kind"]).exists():
                raise ValidationError({"kind": str(NO_KIND)})
            services = services.filter(kind__key=wanted["kind"])
        if wanted.get("area"):
            area = Area.objects.filter(organisation=organisation, code=wanted["area"]).first()
            if area is None:
                raise ValidationError({"area": _("There is no area with this code.")})
            services = services.filter(area_id__in=area.subtree())
        return services

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description="A kind of service's key, e.g. drop_in."),
            OpenApiParameter("area", str, description="An area's code: it and those below it."),
        ]
    )
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
