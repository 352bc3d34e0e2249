"""The read-only public JSON API at /api/public/incidents/ (in the OpenAPI schema).

No authentication at all: a token sent by a staff client changes nothing here, so the answer is
the same for everyone. Filters are the list page's search form."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from incidents.vocabulary import WARRANT_TYPES

from .forms import IncidentSearchForm
from .records import public_record
from .selectors import as_public, filter_public_incidents, get_public_incident, public_incidents


class PublicFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    url = serializers.CharField()
    manifest_url = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    redactions = serializers.ListField(child=serializers.CharField(), help_text="What was hidden in the file, in plain words.")
    captions_url = serializers.CharField(allow_null=True, help_text="Reviewed captions (WebVTT); null where the file has no speech.")
    captions_sha256 = serializers.CharField(allow_null=True)
    transcript = serializers.CharField(allow_null=True, help_text="The captions as text, one line per cue.")


class PublicIncidentSerializer(serializers.Serializer):
    """Exactly the fields of the open-data downloads (public_record)."""

    reference = serializers.CharField()
    url = serializers.CharField()
    occurred_start = serializers.DateTimeField(allow_null=True)
    occurred_end = serializers.DateTimeField(allow_null=True)
    neighbourhood = serializers.CharField()
    neighbourhood_label = serializers.CharField()
    agencies = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField(allow_null=True, help_text="Only once the incident is closed.")
    summary = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    location_precision = serializers.CharField(help_text="block, neighbourhood or exact.")
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    agent_count = serializers.IntegerField(allow_null=True, help_text="How many federal agents were there, when known.")
    agents_masked = serializers.BooleanField(help_text="Whether the agents were masked.")
    agents_identified = serializers.BooleanField(help_text="Whether the agents identified themselves.")
    # The model's own choices, so the schema shares the staff API's enum instead of a second one.
    warrant_shown = serializers.ChoiceField(choices=WARRANT_TYPES, help_text="What warrant the agents showed.")
    vehicle_plates_seen = serializers.BooleanField(
        help_text="Whether licence plates were seen on the agents' vehicles (the plates themselves are not published)."
    )
    files = PublicFileSerializer(many=True)

    def to_representation(self, instance):
        base_url = self.context["request"].build_absolute_uri("/").rstrip("/")
        return public_record(instance, base_url=base_url)


class PublicPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


FILTER_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR,
        description="Words to find in the reference, the public summary, or the names of agencies, types and neighbourhoods.",
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Incidents on or after this date."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Incidents on or before this date."),
    OpenApiParameter("neighbourhood", OpenApiTypes.STR),
    OpenApiParameter("agency", OpenApiTypes.STR),
    OpenApiParameter("category", OpenApiTypes.STR),
    OpenApiParameter("has_footage", OpenApiTypes.STR, enum=["yes", "no"]),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["newest", "oldest", "neighbourhood"]),
]


@extend_schema_view(
    list=extend_schema(tags=["public"], parameters=FILTER_PARAMETERS, summary="Released incidents"),
    retrieve=extend_schema(tags=["public"], summary="One released incident"),
)
class PublicIncidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PublicIncidentSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    # JSON only: a shared cache keys the answer on the URL and the language, never on Accept.
    renderer_classes = [JSONRenderer]
    pagination_class = PublicPagination
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9\-]+"

    def get_queryset(self):
        return public_incidents()

    def list(self, request, *args, **kwargs):
        form = IncidentSearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        queryset = filter_public_incidents(self.get_queryset(), **form.filters())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer([as_public(i) for i in page], many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        incident = get_public_incident(kwargs[self.lookup_field])
        if incident is None:
            raise NotFound()
        return Response(self.get_serializer(incident).data)
