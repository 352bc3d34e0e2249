"""The staff API for incidents: the same access rules, services and workflow as the pages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.audit import record_event

from . import access, exports, services, workflow
from . import vocabulary as v
from .forms import IncidentFilterForm
from .models import NARRATIVE_MAX, TEXT_MAX, CaseNote, Finding, Incident, IncidentState, Outcome, Person
from .search import filter_incidents
from .workflow import TRANSITIONS, TransitionRefused


def _username(user: User | None) -> str | None:
    return user.get_username() if user else None


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["role", "name", "contact", "preferred_language", "notes"]


class IncidentWriteSerializer(serializers.ModelSerializer):
    agencies = serializers.ListField(child=serializers.ChoiceField(choices=v.AGENCIES), required=False, max_length=len(v.AGENCIES))
    categories = serializers.ListField(child=serializers.ChoiceField(choices=v.CATEGORIES), required=False,
                                       max_length=len(v.CATEGORIES))
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=NARRATIVE_MAX)
    injuries = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    property_damage = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    public_summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    people = PersonSerializer(many=True, required=False, max_length=services.MAX_PEOPLE)
    submit = serializers.BooleanField(required=False, default=False, write_only=True,
                                      help_text="Submit the report now instead of keeping it as a draft.")

    class Meta:
        model = Incident
        fields = [*services.EDITABLE_FIELDS, "people", "submit"]

    def to_internal_value(self, data):
        # State, reference and assignment change only through their own endpoints; saying so
        # beats silently ignoring a client that thinks it can set them here.
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise ValidationError({str(name)[:64]: ["This field cannot be set here."] for name in unknown[:20]})
        return super().to_internal_value(data)


STATE_HELP = "Workflow state: " + ", ".join(IncidentState.values) + "."


class IncidentSummarySerializer(serializers.ModelSerializer):
    # A plain string with its values listed: several apps have a field called `state`, and one
    # shared enum name in the schema would be ambiguous.
    state = serializers.CharField(read_only=True, help_text=STATE_HELP)
    # Blank until the case is closed; the model's blank=True is lost on a read-only field.
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True,
                                      help_text="Empty until the case is closed.")
    reporter = serializers.SerializerMethodField()
    assigned_investigator = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "reference", "state", "outcome", "reporter", "assigned_investigator", "created_at", "updated_at",
                  "submitted_at", "closed_at", "occurred_start", "neighbourhood", "agencies", "categories", "published_at"]

    def get_reporter(self, incident: Incident) -> str:
        return incident.reporter.get_username()

    def get_assigned_investigator(self, incident: Incident) -> str | None:
        return _username(incident.assigned_investigator)


class IncidentSerializer(IncidentSummarySerializer):
    people = PersonSerializer(many=True, read_only=True)
    agency_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    available_actions = serializers.SerializerMethodField()
    public_location_precision = serializers.CharField(read_only=True)

    class Meta:
        model = Incident
        fields = [*IncidentSummarySerializer.Meta.fields, *[f for f in services.EDITABLE_FIELDS if f not in ("neighbourhood", "agencies", "categories", "occurred_start")],
                  "agency_labels", "people", "public_location_precision", "public_latitude", "public_longitude", "available_actions"]

    def get_available_actions(self, incident: Incident) -> list[str]:
        return [t.action for t in workflow.available_transitions(self.context["request"].user, incident)]

    def to_representation(self, incident: Incident) -> dict:
        data = super().to_representation(incident)
        # Empty rather than absent, so the response keeps the schema's shape.
        if not access.can_view_private(self.context["request"].user, incident):
            data["people"], data["narrative"] = [], ""
        return data


class TransitionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=workflow.REASON_MAX)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_null=True, default=None)


class AssignRequestSerializer(serializers.Serializer):
    investigator = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True),
                                                help_text="The investigator's username.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    text = serializers.CharField(max_length=TEXT_MAX)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def get_author(self, note: CaseNote) -> str:
        return note.author.get_username()


class FindingSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    text = serializers.CharField(max_length=NARRATIVE_MAX)
    outcome = serializers.ChoiceField(choices=Outcome.choices, source="proposed_outcome")

    class Meta:
        model = Finding
        fields = ["id", "author", "text", "outcome", "status", "created_at", "decided_by", "decided_at", "decision_reason"]
        read_only_fields = ["id", "author", "status", "created_at", "decided_by", "decided_at", "decision_reason"]

    def get_author(self, finding: Finding) -> str:
        return finding.author.get_username()

    def get_decided_by(self, finding: Finding) -> str | None:
        return _username(finding.decided_by)


class PublishRequestSerializer(serializers.Serializer):
    precision = serializers.ChoiceField(choices=v.PUBLIC_LOCATION_PRECISIONS, default="block")


# The services' refusals (`TransitionRefused`) reach `portal.api.exception_handler`, which answers
# each with its status and the one error body.
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: `errors` names each field at fault with its messages."),
    403: OpenApiResponse(description="You may see the case but may not take this action."),
    404: OpenApiResponse(description="No such case, or not one you may see."),
    409: OpenApiResponse(description="The case is not in a state that allows this action."),
}


class IncidentScopedView(GenericAPIView):
    """Loads the case through `access`; a case the caller may not see is a 404, and on the record."""

    audit_action = "incident.api"

    def get_incident(self, pk) -> Incident:
        try:
            return access.get_visible_incident(self.request.user, pk)
        except Http404:
            raise services.refuse(self.audit_action, actor=self.request.user, incident=None, object_id=pk, status=404,
                                  message="No such incident.", request=self.request._request, via="api") from None


FILTER_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=description)
    for name, description in [
        ("q", "Full-text search over reference, address, narrative, public summary and police report number."),
        ("state", "One of the workflow states."),
        ("agency", "An agency key, e.g. ice_ero."),
        ("category", "A category key, e.g. use_of_force."),
        ("neighbourhood", "A neighbourhood key."),
        ("date_from", "Occurred on or after (YYYY-MM-DD)."),
        ("date_to", "Occurred on or before (YYYY-MM-DD)."),
        ("assignee", "The assigned investigator's user id."),
    ]
]


def _filtered(request) -> "QuerySet[Incident]":
    form = IncidentFilterForm(request.query_params or None)
    incidents = access.visible_incidents(request.user)
    if form.is_bound:
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        incidents = filter_incidents(incidents, form.cleaned_data, include_private=access.may_search_private_text(request.user))
    return incidents


class IncidentListView(IncidentScopedView):
    serializer_class = IncidentSummarySerializer

    @extend_schema(parameters=FILTER_PARAMETERS, responses=IncidentSummarySerializer(many=True), tags=["incidents"])
    def get(self, request):
        """The cases you may see, newest first, filtered and searched."""
        incidents = _filtered(request).select_related("reporter", "assigned_investigator").order_by("-created_at", "-id")
        page = self.paginate_queryset(incidents)
        return self.get_paginated_response(IncidentSummarySerializer(page, many=True).data)

    @extend_schema(request=IncidentWriteSerializer, responses={201: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def post(self, request):
        """File an incident (kept as a draft unless `submit` is true)."""
        serializer = IncidentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        people, submit = data.pop("people", []), data.pop("submit", False)
        incident = services.file_incident(reporter=request.user, data=data, people=people, submit=submit,
                                          request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data, status=status.HTTP_201_CREATED)


class IncidentDetailView(IncidentScopedView):
    serializer_class = IncidentSerializer
    audit_action = "incident.viewed"

    @extend_schema(responses={200: IncidentSerializer, 404: ERROR_RESPONSES[404]}, tags=["incidents"])
    def get(self, request, pk: int):
        """Every field of the case, with the people involved; reading it is audited."""
        incident = self.get_incident(pk)
        services.record_view(incident, actor=request.user, request=request._request, via="api")
        return Response(IncidentSerializer(incident, context={"request": request}).data)

    @extend_schema(request=IncidentWriteSerializer, responses={200: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def patch(self, request, pk: int):
        """Change the record; sending `people` replaces the people involved."""
        self.audit_action = "incident.updated"
        incident = self.get_incident(pk)
        serializer = IncidentWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        people, submit = data.pop("people", None), data.pop("submit", False)
        incident = services.update_incident(incident, actor=request.user, data=data, people=people, submit=submit,
                                            request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data)


class TransitionView(IncidentScopedView):
    serializer_class = TransitionRequestSerializer
    audit_action = "incident.transition"

    @extend_schema(request=TransitionRequestSerializer, responses={200: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"],
                   description="Take one workflow step. For `propose_findings`, `reason` is the findings text.")
    def post(self, request, pk: int):
        incident = self.get_incident(pk)
        action = str(request.data.get("action", "")) if hasattr(request.data, "get") else ""
        # Only a known step names the refused event: the raw value may be any text, NUL included.
        action = action if action in TRANSITIONS else ""
        serializer = TransitionRequestSerializer(data=request.data)
        if not serializer.is_valid():
            raise services.refuse(f"incident.{action or 'transition'}", actor=request.user, incident=incident, status=400,
                                  message="Invalid input.", errors=serializer.errors, request=request._request)
        data = serializer.validated_data
        incident = workflow.apply_transition(incident, data["action"], actor=request.user, reason=data["reason"],
                                             outcome=data["outcome"], request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data)


class AssignView(IncidentScopedView):
    serializer_class = AssignRequestSerializer
    audit_action = "incident.assigned"

    @extend_schema(request=AssignRequestSerializer, responses={200: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def post(self, request, pk: int):
        """Assign or reassign the investigator (supervisors); they are told by email."""
        incident = self.get_incident(pk)
        serializer = AssignRequestSerializer(data=request.data)
        if not serializer.is_valid():
            if not access.can_assign(request.user, incident):
                raise workflow.TransitionRefused("Only a supervisor may assign investigators.", status=403)
            raise ValidationError(serializer.errors)
        incident = workflow.assign_investigator(incident, actor=request.user, investigator=serializer.validated_data["investigator"],
                                                reason=serializer.validated_data["reason"], request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data)


class NotesView(IncidentScopedView):
    serializer_class = NoteSerializer
    pagination_class = None  # every note of the case, as a plain list
    audit_action = "incident.note_added"

    @extend_schema(responses={200: NoteSerializer(many=True), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]}, tags=["incidents"])
    def get(self, request, pk: int):
        """Investigation notes on the case (those who work or oversee it)."""
        incident = self.get_incident(pk)
        if not access.can_read_investigation(request.user, incident):
            raise TransitionRefused("Investigation notes are for those who work or oversee the case.", status=403)
        return Response(NoteSerializer(incident.notes.select_related("author"), many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def post(self, request, pk: int):
        """Add a note (assigned investigator or supervisor)."""
        incident = self.get_incident(pk)
        serializer = NoteSerializer(data=request.data)
        if not serializer.is_valid():
            if not access.can_add_note(request.user, incident):
                raise TransitionRefused("You may not add notes to this case.", status=403)
            raise ValidationError(serializer.errors)
        note = services.add_note(incident, actor=request.user, text=serializer.validated_data["text"], request=request._request)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class FindingsView(IncidentScopedView):
    serializer_class = FindingSerializer
    pagination_class = None  # every finding of the case, as a plain list
    audit_action = "incident.propose_findings"

    @extend_schema(responses={200: FindingSerializer(many=True), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]}, tags=["incidents"])
    def get(self, request, pk: int):
        """Findings proposed on the case and what supervisors decided (those who work or oversee it)."""
        incident = self.get_incident(pk)
        if not access.can_read_investigation(request.user, incident):
            raise TransitionRefused("Findings are for those who work or oversee the case.", status=403)
        return Response(FindingSerializer(incident.findings.select_related("author", "decided_by"), many=True).data)

    @extend_schema(request=FindingSerializer, responses={201: FindingSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def post(self, request, pk: int):
        """Propose findings (the assigned investigator); the case moves to findings proposed."""
        incident = self.get_incident(pk)
        serializer = FindingSerializer(data=request.data)
        if not serializer.is_valid():
            raise services.refuse("incident.propose_findings", actor=request.user, incident=incident, status=400,
                                  message="Invalid input.", errors=serializer.errors, request=request._request)
        incident = workflow.apply_transition(incident, "propose_findings", actor=request.user,
                                             reason=serializer.validated_data["text"],
                                             outcome=serializer.validated_data["proposed_outcome"], request=request._request)
        return Response(FindingSerializer(incident.findings.order_by("-id").first()).data, status=status.HTTP_201_CREATED)


class PublishView(IncidentScopedView):
    serializer_class = PublishRequestSerializer
    audit_action = "incident.published"

    @extend_schema(request=PublishRequestSerializer, responses={200: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def post(self, request, pk: int):
        """Publish the case's public summary and generalised location on the public site."""
        incident = self.get_incident(pk)
        serializer = PublishRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = workflow.publish_incident(incident, actor=request.user, precision=serializer.validated_data["precision"],
                                             request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data)

    @extend_schema(request=None, responses={200: IncidentSerializer, **ERROR_RESPONSES}, tags=["incidents"])
    def delete(self, request, pk: int):
        """Take the case off the public site."""
        self.audit_action = "incident.unpublished"
        incident = self.get_incident(pk)
        incident = workflow.unpublish_incident(incident, actor=request.user, request=request._request)
        return Response(IncidentSerializer(incident, context={"request": request}).data)


class IncidentExportView(APIView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR}, tags=["incidents"])
    def get(self, request):
        """The cases you may see as CSV, without people, narratives or notes; the export is audited."""
        incidents = _filtered(request)
        record_event(actor=request.user, action="incident.exported", object_type="incidents.incident", request=request._request,
                     detail={"count": incidents.count(), "via": "api"})
        response = StreamingHttpResponse(exports.incident_rows(incidents), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
        return response
