"""The read-only API: the programme's indicators and the external aggregates of cases.
Figures only: no endpoint ever returns an alias, a phone number or a narrative."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from haki.reports import brief
from haki.reports.catalogue import Audience
from haki.reports.figures import MAX_DAYS, ScopeError, compute, plausible, scope_for

# DRF's own sentences are English only: the ones a caller meets are said in Haki's words,
# translated like every other (the request's Accept-Language chooses the language).
DATE_ERRORS = {
    "required": gettext_lazy("This is required."),
    "invalid": gettext_lazy("Write a date as YYYY-MM-DD."),
}
TEXT_ERRORS = {
    "max_length": gettext_lazy("This is too long."),
    "blank": gettext_lazy("This is empty."),
}


class PeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is renamed in __init__.
    to = serializers.DateField(
        help_text="Last day of the period (YYYY-MM-DD), included.",
        error_messages=DATE_ERRORS,
        validators=[plausible],
    )
    area = serializers.CharField(
        required=False, max_length=32, help_text="An area's code.", error_messages=TEXT_ERRORS
    )
    audience = serializers.ChoiceField(
        choices=[a.value for a in Audience],
        required=False,
        default=Audience.EXTERNAL.value,
        error_messages={"invalid_choice": gettext_lazy("Choose internal or external.")},
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            help_text="First day of the period (YYYY-MM-DD).",
            error_messages=DATE_ERRORS,
            validators=[plausible],
        )
        return fields

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["from"] > data["to"]:
            raise ValidationError({"to": _("The period must not end before it starts.")})
        if (data["to"] - data["from"]).days >= MAX_DAYS:
            raise ValidationError({"to": _("The period may be at most three years long.")})
        return data


CELL_FIELDS = (
    "Cell",
    {
        "by": serializers.CharField(),
        "label": serializers.CharField(),
        "value": serializers.FloatField(allow_null=True),
        "withheld": serializers.BooleanField(),
    },
)
INDICATOR_FIELDS = (
    "Indicator",
    {
        "key": serializers.CharField(),
        "value": serializers.FloatField(allow_null=True),
        "numerator": serializers.IntegerField(allow_null=True),
        "denominator": serializers.IntegerField(allow_null=True),
        "withheld": serializers.BooleanField(),
        "breakdown": inline_serializer(*CELL_FIELDS, many=True),
    },
)
INDICATORS = inline_serializer(
    "Indicators",
    {
        "organisation": serializers.CharField(),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "area": serializers.CharField(allow_null=True),
        "audience": serializers.CharField(),
        "indicators": inline_serializer(*INDICATOR_FIELDS, many=True),
    },
)
PERIOD_PARAMETERS = [
    OpenApiParameter("from", str, required=True, description="YYYY-MM-DD"),
    OpenApiParameter("to", str, required=True, description="YYYY-MM-DD"),
]


def period(request: Request) -> dict[str, Any]:
    checked = PeriodSerializer(data=request.query_params)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


class IndicatorsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("area", str, description="An area's code: it and those below it."),
            OpenApiParameter("audience", str, enum=["internal", "external"]),
        ],
        responses={200: INDICATORS},
    )
    def get(self, request: Request) -> Response:
        """The programme's indicators for a period, as ``haki indicators`` prints them."""
        data, token = period(request), request.auth
        audience = Audience(data["audience"])
        if audience == Audience.INTERNAL and token.audience != Audience.INTERNAL:
            raise PermissionDenied(_("This token may read external figures only."))
        try:
            scope = scope_for(
                token.organisation, data["from"], data["to"], data.get("area"), audience
            )
        except ScopeError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(
            {
                "organisation": token.organisation.slug,
                "from": data["from"],
                "to": data["to"],
                "area": data.get("area"),
                "audience": audience.value,
                "indicators": [f.as_dict() for f in compute(scope)],
            }
        )


TABLE_FIELDS = (
    "Table",
    {
        "title": serializers.CharField(),
        "rows": serializers.ListField(child=serializers.ListField()),
        "total": serializers.IntegerField(allow_null=True),
    },
)


class CaseAggregatesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={
            200: inline_serializer(
                "CaseAggregates",
                {
                    "cases": serializers.IntegerField(allow_null=True),
                    "people": serializers.IntegerField(allow_null=True),
                    "tables": inline_serializer(*TABLE_FIELDS, many=True),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        """The cases of a period as they may leave the organisation: consented cases only,
        areas rolled up, small counts withheld (the police brief's tables)."""
        data, token = period(request), request.auth
        built = brief.build(token.organisation, data["from"], data["to"], brief.Audience.POLICE)
        return Response(
            {
                "cases": built.cases,
                "people": built.people,
                "tables": [
                    {"title": t.title, "rows": [list(r) for r in t.rows], "total": t.total}
                    for t in built.tables
                ],
            }
        )
