"""Staff API for a release's captions (mounted at /api/): read the draft, replace the cues,
mark them reviewed, hide words. The same functions and refusals as the review page."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from . import access, captions
from .api import REFUSALS, _data
from .errors import ReleaseForbidden


class CueSerializer(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(captions.KINDS))


class CaptionsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    problem = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    words = serializers.ListField(child=serializers.ListField(), help_text="[text, start, end] as the recogniser heard them")
    cues = CueSerializer(many=True)
    reviewed = serializers.BooleanField()
    stated_no_speech = serializers.BooleanField()
    reviewed_by = serializers.CharField(allow_null=True)
    suggestions = serializers.ListField(child=serializers.DictField(), help_text="word ranges that may be personal data")


class CuesInSerializer(serializers.Serializer):
    cues = CueSerializer(many=True)


class ReviewInSerializer(serializers.Serializer):
    no_speech = serializers.BooleanField(required=False, default=False)


class HideInSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    last = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["mute", "bleep"])
    reason = serializers.ChoiceField(choices=[r.value for r in captions.HIDE_REASONS])
    note = serializers.CharField(required=False, allow_blank=True)


def _transcript(request, pk):
    release = access.get_visible_release(request.user, pk)
    if not access.can_review(request.user):
        raise ReleaseForbidden("Only release officers review captions.")
    transcript = captions.current_transcript(release)
    if transcript is None:
        raise Http404("This render has no transcript.")
    return transcript


def _out(transcript) -> dict:
    return {
        "id": transcript.pk, "status": transcript.status, "problem": transcript.problem, "language": transcript.language,
        "words": transcript.words, "cues": transcript.cues, "reviewed": transcript.reviewed,
        "stated_no_speech": transcript.stated_no_speech,
        "reviewed_by": transcript.reviewed_by.get_username() if transcript.reviewed_by_id else None,
        "suggestions": captions.suggestions(transcript),
    }


@extend_schema(tags=["releases"], request=CuesInSerializer, responses={200: CaptionsSerializer, **REFUSALS})
@api_view(["GET", "PUT"])
def release_captions(request: Request, pk: int) -> Response:
    transcript = _transcript(request, pk)
    if request.method == "PUT":
        captions.save_cues(transcript, _data(request).get("cues"), actor=request.user, request=request._request)
    return Response(_out(transcript))


@extend_schema(tags=["releases"], request=ReviewInSerializer, responses={200: CaptionsSerializer, **REFUSALS})
@api_view(["POST"])
def review_captions(request: Request, pk: int) -> Response:
    transcript = _transcript(request, pk)
    no_speech = _data(request).get("no_speech") in (True, "true", "1")
    captions.mark_reviewed(transcript, actor=request.user, no_speech=no_speech, request=request._request)
    return Response(_out(transcript))


@extend_schema(tags=["releases"], request=HideInSerializer, responses={201: CaptionsSerializer, **REFUSALS})
@api_view(["POST"])
def hide_words(request: Request, pk: int) -> Response:
    transcript = _transcript(request, pk)
    data = _data(request)
    change = captions.hide_words(
        transcript, data.get("first"), data.get("last"), kind=str(data.get("kind") or ""), reason=str(data.get("reason") or ""),
        note=str(data.get("note") or "")[:500], actor=request.user, request=request._request,
    )
    return Response({**_out(transcript), "change": change.pk}, status=status.HTTP_201_CREATED)
