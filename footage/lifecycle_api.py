"""The evidence lifecycle in the API: retention schedule and what falls due, legal holds,
deletion batches, shares with prosecutors, do-not-disclose, case packages and their verification.

Every endpoint calls the same functions as the staff pages, so the rules and the messages are the
same: a role that may not act gets 403 and an invalid request 400, both as {"detail": message}.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.access import get_visible_incident
from portal.refusals import Refused, error_body
from portal.roles import Role, has_role

from . import deletion, packages, retention, sharing
from .access import get_visible_footage
from .lifecycle_errors import LifecycleError, LifecycleRefused
from .models import DeletionBatch, LegalHold, Share

NOTHING_DUE = inline_serializer("NothingDue", {"detail": serializers.CharField()})
ERRORS = {400: OpenApiResponse(description="Invalid request"), 403: OpenApiResponse(description="Not allowed"),
          404: OpenApiResponse(description="Not found")}
SCHEDULE_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)


class LifecycleAPIView(APIView):
    """Turns the services' refusals into the portal's refusals: 403 and 400 with the one error body."""

    def handle_exception(self, exc):
        if isinstance(exc, LifecycleRefused):
            exc = Refused(str(exc), status=403)
        elif isinstance(exc, LifecycleError):
            exc = Refused(str(exc), status=400)
        return super().handle_exception(exc)

    def require(self, allowed: bool, message: str) -> None:
        if not allowed:
            raise PermissionDenied(message)


# ---- serializers ----------------------------------------------------------------------------

class RetentionRowSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["category", "kind"])
    key = serializers.CharField()
    label = serializers.CharField()
    days = serializers.IntegerField()
    is_default = serializers.BooleanField()


class RetentionSetSerializer(serializers.Serializer):
    days = serializers.IntegerField()


class DueItemSerializer(serializers.Serializer):
    footage = serializers.IntegerField(source="item.pk")
    incident = serializers.CharField(source="item.incident.reference")
    original_filename = serializers.CharField(source="item.original_filename")
    sha256 = serializers.CharField(source="item.sha256")
    retention_ends_at = serializers.DateTimeField(source="ends")


class HoldSerializer(serializers.ModelSerializer):
    placed_by = serializers.CharField(source="placed_by.get_username", read_only=True)
    lifted_by = serializers.CharField(source="lifted_by.get_username", read_only=True, allow_null=True, default=None)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = LegalHold
        fields = ["id", "incident", "footage", "reason", "matter_reference", "placed_by", "placed_at", "active",
                  "lifted_by", "lifted_at", "lift_reason"]
        read_only_fields = fields


class HoldCreateSerializer(serializers.Serializer):
    incident = serializers.IntegerField(required=False, allow_null=True)
    footage = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    matter_reference = serializers.CharField(allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class DeletionItemSerializer(serializers.Serializer):
    footage = serializers.IntegerField(source="footage_id")
    state = serializers.CharField()
    due_at = serializers.DateTimeField()
    last_error = serializers.CharField()


class DeletionBatchSerializer(serializers.ModelSerializer):
    approved_by = serializers.CharField(source="approved_by.get_username", read_only=True, allow_null=True, default=None)
    items = DeletionItemSerializer(many=True, read_only=True)

    class Meta:
        model = DeletionBatch
        fields = ["id", "state", "created_at", "approved_by", "approved_at", "finished_at", "items"]
        read_only_fields = fields


class ShareSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = serializers.CharField(source="incident.reference", read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Share
        fields = ["id", "incident", "items", "recipient_name", "recipient_email", "recipient_organisation", "created_by",
                  "created_at", "expires_at", "revoked_at", "is_open"]
        read_only_fields = fields


class ShareCreateSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    items = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    recipient_name = serializers.CharField(allow_blank=True)
    recipient_email = serializers.CharField(allow_blank=True)
    recipient_organisation = serializers.CharField(allow_blank=True)
    days = serializers.IntegerField(required=False, allow_null=True)


class ShareCreatedSerializer(ShareSerializer):
    link = serializers.CharField(read_only=True)

    class Meta(ShareSerializer.Meta):
        fields = [*ShareSerializer.Meta.fields, "link"]
        read_only_fields = fields


class DoNotDiscloseSerializer(serializers.Serializer):
    value = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class PackageReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    signature_ok = serializers.BooleanField()
    case = serializers.CharField()
    checked = serializers.IntegerField()
    changed = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    unexpected = serializers.ListField(child=serializers.CharField())
    problem = serializers.CharField()


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        first = next(iter(serializer.errors.items()))
        message = first[1][0] if isinstance(first[1], list) else first[1]
        raise Refused(f"{first[0]}: {message}", field=str(first[0]))
    return serializer.validated_data


# ---- retention ------------------------------------------------------------------------------

@extend_schema(tags=["retention"], responses={200: RetentionRowSerializer(many=True), **ERRORS})
class RetentionSchedule(LifecycleAPIView):
    """Every incident category and footage kind with its retention period in days."""

    def get(self, request):
        self.require(has_role(request.user, *SCHEDULE_ROLES), "Your role does not see the retention schedule.")
        return Response(RetentionRowSerializer(retention.schedule(), many=True).data)


@extend_schema(tags=["retention"], request=RetentionSetSerializer, responses={200: RetentionRowSerializer, **ERRORS})
class RetentionPeriod(LifecycleAPIView):
    """Set one period (administrators; audited)."""

    def put(self, request, scope, key):
        data = _valid(RetentionSetSerializer, request.data)
        retention.set_retention_period(actor=request.user, scope=scope, key=key, days=data["days"], request=request._request)
        row = next(r for r in retention.schedule() if (r.scope, r.key) == (scope, key))
        return Response(RetentionRowSerializer(row).data)


@extend_schema(tags=["retention"], responses={200: DueItemSerializer(many=True), **ERRORS})
class RetentionDue(LifecycleAPIView):
    """Footage whose retention ends within 30 days (or has ended), soonest first."""

    def get(self, request):
        due = retention.due_soon(request.user)
        return Response(DueItemSerializer([{"item": item, "ends": ends} for item, ends in due], many=True).data)


# ---- holds ----------------------------------------------------------------------------------

@extend_schema(tags=["holds"])
class Holds(LifecycleAPIView):
    @extend_schema(responses={200: HoldSerializer(many=True), **ERRORS})
    def get(self, request):
        self.require(has_role(request.user, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR), "Your role does not see legal holds.")
        return Response(HoldSerializer(retention.visible_holds(request.user)[:500], many=True).data)

    @extend_schema(request=HoldCreateSerializer, responses={201: HoldSerializer, **ERRORS})
    def post(self, request):
        data = _valid(HoldCreateSerializer, request.data)
        self.require(retention.may_place_holds(request.user), "Only supervisors place legal holds.")
        incident = get_visible_incident(request.user, data["incident"]) if data.get("incident") else None
        footage = get_visible_footage(request.user, data["footage"]) if data.get("footage") else None
        hold = retention.place_hold(actor=request.user, incident=incident, footage=footage, reason=data["reason"],
                                    matter_reference=data["matter_reference"], request=request._request)
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["holds"], request=ReasonSerializer, responses={200: HoldSerializer, **ERRORS})
class HoldLift(LifecycleAPIView):
    def post(self, request, pk):
        data = _valid(ReasonSerializer, request.data)
        hold = retention.visible_holds(request.user).filter(pk=pk).first()
        if hold is None:
            self.require(retention.may_place_holds(request.user), "Only supervisors lift legal holds.")
            return Response(error_body("No such hold.", "not_found"), status=404)
        hold = retention.lift_hold(hold, actor=request.user, reason=data["reason"], request=request._request)
        return Response(HoldSerializer(hold).data)


@extend_schema(tags=["holds"], request=DoNotDiscloseSerializer, responses={200: OpenApiTypes.OBJECT, **ERRORS})
class FootageDoNotDisclose(LifecycleAPIView):
    """Mark footage do-not-disclose (never shared nor packaged) or clear the mark (supervisors)."""

    def post(self, request, pk):
        data = _valid(DoNotDiscloseSerializer, request.data)
        item = get_visible_footage(request.user, pk)
        item = retention.set_do_not_disclose(item, actor=request.user, value=data["value"], reason=data["reason"], request=request._request)
        return Response({"footage": item.pk, "do_not_disclose": item.do_not_disclose})


# ---- deletion -------------------------------------------------------------------------------

@extend_schema(tags=["deletion"])
class DeletionBatches(LifecycleAPIView):
    @extend_schema(responses={200: DeletionBatchSerializer(many=True), **ERRORS})
    def get(self, request):
        self.require(deletion.may_list_deletion(request.user), "Only supervisors and records officers see deletion batches.")
        batches = DeletionBatch.objects.select_related("approved_by").prefetch_related("items")[:100]
        return Response(DeletionBatchSerializer(batches, many=True).data)

    @extend_schema(request=None, responses={201: DeletionBatchSerializer, 200: OpenApiResponse(NOTHING_DUE, description="Nothing is due"),
                                            **ERRORS})
    def post(self, request):
        """List every due item for a records officer's approval."""
        batch = deletion.propose_batch(actor=request.user, request=request._request)
        if batch is None:
            return Response({"detail": "Nothing is due for deletion."})
        return Response(DeletionBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class _DeletionBatchAction(LifecycleAPIView):
    action_name = ""

    def post(self, request, pk):
        self.require(deletion.may_approve_deletion(request.user), "Only a records officer (release officer) approves deletion.")
        batch = DeletionBatch.objects.filter(pk=pk).first()
        if batch is None:
            return Response(error_body("No such batch.", "not_found"), status=404)
        act = deletion.approve_batch if self.action_name == "approve" else deletion.cancel_batch
        return Response(DeletionBatchSerializer(act(batch, actor=request.user, request=request._request)).data)


@extend_schema(tags=["deletion"], request=None, responses={200: DeletionBatchSerializer, **ERRORS})
class DeletionBatchApprove(_DeletionBatchAction):
    """Approve a batch (records officers); its items are then deleted in the background."""

    action_name = "approve"


@extend_schema(tags=["deletion"], request=None, responses={200: DeletionBatchSerializer, **ERRORS})
class DeletionBatchCancel(_DeletionBatchAction):
    """Cancel a batch still waiting for approval (records officers)."""

    action_name = "cancel"


# ---- shares ---------------------------------------------------------------------------------

@extend_schema(tags=["shares"])
class Shares(LifecycleAPIView):
    @extend_schema(responses={200: ShareSerializer(many=True), **ERRORS})
    def get(self, request):
        self.require(has_role(request.user, Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR), "Your role does not see shares.")
        return Response(ShareSerializer(sharing.visible_shares(request.user).prefetch_related("items")[:500], many=True).data)

    @extend_schema(request=ShareCreateSerializer, responses={201: ShareCreatedSerializer, **ERRORS})
    def post(self, request):
        """Share chosen footage of a case; the link is in this response only."""
        data = _valid(ShareCreateSerializer, request.data)
        self.require(has_role(request.user, Role.INVESTIGATOR, Role.SUPERVISOR), "Only the case's investigator or a supervisor shares its footage.")
        incident = get_visible_incident(request.user, data["incident"])
        share, token = sharing.create_share(
            actor=request.user, incident=incident, items=data["items"], recipient_name=data["recipient_name"],
            recipient_email=data["recipient_email"], recipient_organisation=data["recipient_organisation"],
            days=data.get("days"), request=request._request)
        body = ShareSerializer(share).data
        body["link"] = request.build_absolute_uri(f"/share/{token}/")
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["shares"], request=None, responses={200: ShareSerializer, **ERRORS})
class ShareRevoke(LifecycleAPIView):
    def post(self, request, public_id):
        share = sharing.visible_shares(request.user).filter(public_id=public_id).first()
        if share is None:
            return Response(error_body("No such share.", "not_found"), status=404)
        share = sharing.revoke_share(share, actor=request.user, request=request._request)
        return Response(ShareSerializer(share).data)


# ---- packages -------------------------------------------------------------------------------

@extend_schema(tags=["packages"], responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERRORS,
                                             503: OpenApiResponse(description="The portal's signing key is missing or unreadable")})
class CasePackage(LifecycleAPIView):
    """The case package: a signed ZIP, streamed."""

    def get(self, request, incident_id):
        incident = get_visible_incident(request.user, incident_id)
        return package_response(incident, request.user, request._request)


@extend_schema(tags=["packages"], request={"multipart/form-data": inline_serializer("PackageUpload", {"package": serializers.FileField()})},
               responses={200: PackageReportSerializer, **ERRORS})
class PackageVerify(LifecycleAPIView):
    """Check an uploaded case package and name every file that changed."""

    parser_classes = [MultiPartParser]

    def post(self, request):
        self.require(packages.may_verify_packages(request.user), "Only investigators, supervisors and auditors verify case packages.")
        upload = request.FILES.get("package")
        if upload is None:
            raise LifecycleError("Attach the package as the 'package' field.")
        report = packages.verify_package(upload)
        return Response(PackageReportSerializer({**report.__dict__, "ok": report.ok}).data)


def package_response(incident, user, request) -> StreamingHttpResponse:
    stream = packages.start_package(incident, actor=user, request=request)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="case-{incident.reference}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
