"""The audit trail in the staff API (auditors only), filtered as the auditor's page filters it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from .audit import record_event
from .audit_trail import filter_events, require_auditor
from .forms import AuditFilterForm
from .models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    outcome = serializers.CharField(read_only=True, help_text="success, refused or failed")
    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "actor_username", "action", "object_type", "object_id", "outcome", "from_state",
                  "to_state", "reason", "ip_address", "detail", "prev_hash", "hash"]


class AuditEventListView(GenericAPIView):
    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[OpenApiParameter(name, OpenApiTypes.STR) for name in AuditFilterForm.base_fields],
        responses=AuditEventSerializer(many=True),
        tags=["audit"],
    )
    def get(self, request):
        """The audit trail, newest first (auditors only)."""
        require_auditor(request.user, action="audit.viewed", request=request._request, via="api")
        form = AuditFilterForm(request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        criteria = form.cleaned_data if form.is_bound else {}
        record_event(actor=request.user, action="audit.viewed", object_type="portal.auditevent", request=request._request,
                     detail={"via": "api", "filters": {k: str(val) for k, val in criteria.items() if val}})
        page = self.paginate_queryset(filter_events(criteria))
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)
