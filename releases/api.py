"""Staff API for releases, and the only JSON door to their changes (the review page's script uses
it). Same rules as the pages: visibility from `access`, every change through `workflow` / `review`;
404 for releases the caller may not see, 403 for refused actions, 409 for a release not in a state
that allows it, 400 with the field at fault for bad input."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from footage.access import get_visible_footage

from . import access, review, signoff, workflow
from .errors import ReleaseError, ReleaseRefused
from .models import RedactionChange, Release, WithholdGround


class SigningStatusSerializer(serializers.Serializer):
    """`releases.signoff.SigningStatus` for the caller: the sign-offs so far, who may still sign,
    and whether the caller may (with the reason when not)."""

    required = serializers.IntegerField()
    complete = serializers.BooleanField()
    signoffs = serializers.ListField(child=serializers.DictField())
    may_sign = serializers.BooleanField()
    reason = serializers.CharField()
    may_publish = serializers.BooleanField()
    eligible = serializers.ListField(child=serializers.CharField())
    who_may_sign = serializers.CharField()


class ReleaseSerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    open_findings = serializers.SerializerMethodField()
    signing = serializers.SerializerMethodField()
    # Blank unless withheld; the model's blank=True is lost on a read-only field.
    withheld_ground = serializers.ChoiceField(choices=WithholdGround.choices, allow_blank=True, read_only=True,
                                              help_text="Empty unless the release was withheld.")

    class Meta:
        model = Release
        fields = [
            "id", "footage", "incident", "incident_reference", "state", "mode", "requested_by", "requested_at", "due_at",
            "release_sha256", "release_size", "original_sha256", "pipeline_version", "model_sha256", "rendered_at",
            "check_completed_at", "open_findings", "approved_by", "approved_at", "published_at", "withheld_ground",
            "withheld_explanation", "withheld_review_on", "signing",
        ]
        read_only_fields = fields

    def get_open_findings(self, obj: Release) -> int:
        return len(obj.open_findings)

    @extend_schema_field(SigningStatusSerializer)
    def get_signing(self, obj: Release) -> dict:
        worked_out = self.context.get("signing")  # a list's page, worked out at once
        if worked_out is not None:
            return worked_out[obj.pk].as_dict()
        request = self.context.get("request")
        return signoff.signing_status(obj, getattr(request, "user", None)).as_dict()


# Request shapes for the API documentation. The services validate every field themselves, so a
# page, the API and a test all meet the same rules and messages.
class RequestReleaseSerializer(serializers.Serializer):
    footage = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=["blur", "fill"], default="blur")
    reason = serializers.CharField(required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["rerender", "approve", "withhold", "publish", "withdraw"])
    reason = serializers.CharField(required=False, allow_blank=True)
    ground = serializers.CharField(required=False, allow_blank=True)
    review_on = serializers.DateField(required=False, help_text="Withhold only: when the decision will be reviewed (default: WITHHELD_REVIEW_DAYS from today).")


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["manual", "suppress", "do_not_redact", "mute", "bleep"])
    reason = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    track_id = serializers.IntegerField(required=False)
    keyframes = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()), required=False)
    start_frame = serializers.IntegerField(required=False)
    end_frame = serializers.IntegerField(required=False)
    start_seconds = serializers.FloatField(required=False)
    end_seconds = serializers.FloatField(required=False)


class BulkMarkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["suppress", "do_not_redact"])
    reason = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    track_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                      help_text="The automatic regions to mark, whole unless a frame range is given too.")
    start_frame = serializers.IntegerField(required=False, help_text="With end_frame: every region seen in this range, only its frames in it.")
    end_frame = serializers.IntegerField(required=False)


class BulkWithdrawSerializer(serializers.Serializer):
    change_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    start_frame = serializers.IntegerField(required=False, help_text="With end_frame: every standing region change touching this range.")
    end_frame = serializers.IntegerField(required=False)


class BulkConfirmSerializer(serializers.Serializer):
    change_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    start_frame = serializers.IntegerField(required=False, help_text="With end_frame: every decision awaiting you that touches this range.")
    end_frame = serializers.IntegerField(required=False)


class BulkResultSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="The changes made or withdrawn.")


class ClearFindingSerializer(serializers.Serializer):
    reason = serializers.CharField()


# What each action answers, field for field.
class ChangeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    reason = serializers.CharField()


class ConfirmResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    confirmed_by = serializers.IntegerField(help_text="The confirming release officer's user id.")


class WithdrawResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    withdrawn = serializers.BooleanField()


class ClearFindingResultSerializer(serializers.Serializer):
    open_findings = serializers.IntegerField(help_text="Findings of the automatic check still open.")


# The services' refusals (`releases.errors`) reach `portal.api.exception_handler`, which answers
# each with its status and the one error body.
REFUSALS = {400: OpenApiResponse(description="Bad input: the field at fault in `errors`"),
            403: OpenApiResponse(description="Not allowed (role or two-person rule)"),
            404: OpenApiResponse(description="No such release visible to you"),
            409: OpenApiResponse(description="The release, its render, check, captions or sign-offs are not in a state "
                                             "that allows this (`code` says which)")}


def _data(request: Request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        try:
            data = data.dict()
        except AttributeError:
            raise ReleaseError("The request body must be a JSON object.", code="bad_json") from None
    # PostgreSQL cannot store a NUL character: refused here, not a 500 when the audit row is written.
    for name, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            raise ReleaseRefused("Text may not contain NUL characters.", code="invalid", field=str(name)[:64])
    return data


@extend_schema(methods=["GET"], tags=["releases"], responses={200: ReleaseSerializer(many=True)})
@extend_schema(methods=["POST"], tags=["releases"], request=RequestReleaseSerializer,
               responses={201: ReleaseSerializer, 400: REFUSALS[400], 403: REFUSALS[403], 409: REFUSALS[409]})
@api_view(["GET", "POST"])
def release_collection(request: Request) -> Response:
    if request.method == "GET":
        releases = list(access.visible_releases(request.user).select_related("incident")[:500])
        signing = signoff.signing_statuses(releases, request.user)
        return Response(ReleaseSerializer(releases, many=True, context={"request": request, "signing": signing}).data)
    data = _data(request)
    try:
        footage = get_visible_footage(request.user, data.get("footage"))
    except Http404:
        raise ReleaseRefused("No such footage.", code="invalid", field="footage") from None
    release = workflow.request_release(
        footage, actor=request.user, mode=str(data.get("mode") or "blur"), reason=str(data.get("reason") or "")[:2000],
        request=request._request,
    )
    return Response(ReleaseSerializer(release, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["releases"], operation_id="releases_item", responses={200: ReleaseSerializer, 404: REFUSALS[404]})
@api_view(["GET"])
def release_item(request: Request, pk: int) -> Response:
    return Response(ReleaseSerializer(access.get_visible_release(request.user, pk), context={"request": request}).data)


@extend_schema(tags=["releases"], request=TransitionSerializer, responses={200: ReleaseSerializer, **REFUSALS})
@api_view(["POST"])
def release_transition(request: Request, pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    data = _data(request)
    workflow.apply_release_transition(
        release, str(data.get("action") or ""), actor=request.user, reason=str(data.get("reason") or "")[:2000],
        ground=data.get("ground") or None, review_on=data.get("review_on") or None, request=request._request,
    )
    release.refresh_from_db()
    return Response(ReleaseSerializer(release, context={"request": request}).data)


@extend_schema(tags=["releases"], request=ChangeSerializer, responses={201: ChangeResultSerializer, **REFUSALS})
@api_view(["POST"])
def release_changes(request: Request, pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    change = review.add_change(release, _data(request), actor=request.user, request=request._request)
    return Response({"id": change.pk, "kind": change.kind, "reason": change.reason}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["releases"], operation_id="releases_changes_bulk_mark", request=BulkMarkSerializer, responses={201: BulkResultSerializer, **REFUSALS})
@api_view(["POST"])
def mark_tracks(request: Request, pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    made = review.mark_tracks(release, _data(request), actor=request.user, request=request._request)
    return Response({"ids": [c.pk for c in made]}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["releases"], operation_id="releases_changes_bulk_withdraw", request=BulkWithdrawSerializer, responses={200: BulkResultSerializer, **REFUSALS})
@api_view(["POST"])
def withdraw_changes(request: Request, pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    withdrawn = review.withdraw_changes(release, _data(request), actor=request.user, request=request._request)
    return Response({"ids": [c.pk for c in withdrawn]})


@extend_schema(tags=["releases"], operation_id="releases_changes_bulk_confirm", request=BulkConfirmSerializer,
               responses={200: BulkResultSerializer, **REFUSALS})
@api_view(["POST"])
def confirm_changes(request: Request, pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    confirmed = review.confirm_many(release, _data(request), actor=request.user, request=request._request)
    return Response({"ids": [c.pk for c in confirmed]})


def _change(release, change_pk) -> RedactionChange:
    change = RedactionChange.objects.filter(pk=change_pk, release=release).first()
    if change is None:
        raise Http404("No such change.")
    return change


@extend_schema(tags=["releases"], request=None, responses={200: ConfirmResultSerializer, **REFUSALS})
@api_view(["POST"])
def confirm_change(request: Request, pk: int, change_pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    change = review.confirm_do_not_redact(_change(release, change_pk), actor=request.user, request=request._request)
    return Response({"id": change.pk, "confirmed_by": change.confirmed_by_id})


@extend_schema(tags=["releases"], request=None, responses={200: WithdrawResultSerializer, **REFUSALS})
@api_view(["POST"])
def withdraw_change(request: Request, pk: int, change_pk: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    change = review.withdraw_change(_change(release, change_pk), actor=request.user, request=request._request)
    return Response({"id": change.pk, "withdrawn": True})


@extend_schema(tags=["releases"], request=ClearFindingSerializer, responses={200: ClearFindingResultSerializer, **REFUSALS})
@api_view(["POST"])
def clear_finding(request: Request, pk: int, index: int) -> Response:
    release = access.get_visible_release(request.user, pk)
    data = _data(request)
    review.clear_finding(release, index, str(data.get("reason") or ""), actor=request.user, request=request._request)
    return Response({"open_findings": len(release.open_findings)})
