"""Staff API for footage: list per incident, detail, original download, custody log, verify.

Every endpoint finds its object through `footage.access`, so an item the caller may not see is a
404 whatever the endpoint, and an action they may not take on one they can see is a 403 (audited).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.access import get_visible_incident
from portal.audit import record_event
from portal.models import AuditOutcome

from .access import can_download_original, can_verify, get_visible_footage, visible_footage
from .custody import custody_log, record_custody, verify_original
from .downloads import original_response
from .models import CustodyAction, CustodyEvent, FootageItem, ProcessingJob


class ProcessingJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingJob
        fields = ["kind", "state", "progress", "attempts", "last_error", "started_at", "finished_at"]


class FootageSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True)
    jobs = ProcessingJobSerializer(many=True, read_only=True)
    has_proxy = serializers.SerializerMethodField()

    class Meta:
        model = FootageItem
        fields = [
            "id", "incident", "kind", "device_id", "uploaded_by", "uploaded_at", "original_filename", "size", "sha256",
            "media_type", "mime", "container", "video_codec", "audio_codec", "has_audio", "duration", "width",
            "height", "fps", "rotation", "captured_at", "latitude", "longitude", "device_make", "device_model",
            "status", "has_proxy", "proxy_sha256", "last_verified_at", "last_verification_ok", "jobs",
        ]
        read_only_fields = fields

    def get_has_proxy(self, item: FootageItem) -> bool:
        return bool(item.proxy)


class CustodyEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username", read_only=True)

    class Meta:
        model = CustodyEvent
        fields = ["id", "occurred_at", "action", "actor", "ip_address", "original_sha256", "derived_sha256", "detail", "prev_hash", "hash"]
        read_only_fields = fields


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    sha256 = serializers.CharField()
    verified_at = serializers.DateTimeField()


@extend_schema(tags=["footage"])
class IncidentFootageList(generics.ListAPIView):
    """Footage of one incident the caller may see."""

    serializer_class = FootageSerializer

    def get_queryset(self):
        incident = get_visible_incident(self.request.user, self.kwargs["incident_id"])
        return (
            visible_footage(self.request.user).filter(incident=incident)
            .select_related("uploaded_by").prefetch_related("jobs").order_by("-uploaded_at", "-id")
        )


@extend_schema(tags=["footage"])
class FootageDetail(generics.RetrieveAPIView):
    serializer_class = FootageSerializer

    def get_object(self):
        item = get_visible_footage(self.request.user, self.kwargs["pk"])
        record_custody(item, CustodyAction.VIEWED, actor=self.request.user, request=self.request._request, detail={"via": "api"})
        return item


@extend_schema(tags=["footage"], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: OpenApiResponse(description="Not allowed"), 404: OpenApiResponse(description="Not found")})
class FootageOriginalDownload(APIView):
    """The original file, byte for byte as received; every download is in the chain of custody."""

    def get(self, request, pk):
        item = get_visible_footage(request.user, pk)
        if not can_download_original(request.user, item):
            _refuse(request, item, "footage.download_refused", "may not download originals")
        return original_response(item, request=request._request)


@extend_schema(tags=["footage"])
class FootageCustodyLog(generics.ListAPIView):
    serializer_class = CustodyEventSerializer
    pagination_class = None

    def get_queryset(self):
        item = get_visible_footage(self.request.user, self.kwargs["pk"])
        return custody_log(item)


@extend_schema(tags=["footage"], request=None, responses={200: VerificationSerializer})
class FootageVerify(APIView):
    """Re-hash the stored original now and record the result in the chain of custody."""

    def post(self, request, pk):
        item = get_visible_footage(request.user, pk)
        if not can_verify(request.user, item):
            _refuse(request, item, "footage.verify_refused", "may not verify originals")
        ok = verify_original(item, actor=request.user, request=request._request)
        return Response({"ok": ok, "sha256": item.sha256, "verified_at": item.last_verified_at})


def _refuse(request, item: FootageItem, action: str, reason: str):
    record_event(actor=request.user, action=action, target=item, outcome=AuditOutcome.REFUSED, reason=reason, request=request._request)
    raise PermissionDenied("Your role may not do this with footage.")

