"""API plumbing shared by every endpoint: errors as JSON, and the token sign-in."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler as drf_exception_handler

from . import mfa
from .audit import record_event
from .models import AuditOutcome
from .refusals import Refused, error_body


def exception_handler(exc, context):
    """DRF's handler, plus the services' refusals and Django's own validation and permission errors,
    every one answered with the one error body (`portal.refusals.error_body`)."""
    if isinstance(exc, Refused):
        if exc.status == 404:
            # The same answer as an id that does not exist, so a refusal never tells the two apart.
            return Response(error_body("Not found.", "not_found"), status=404)
        return Response(exc.as_json(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = NotFound(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        response.data = _error_data(exc, response.data)
    return response


def _error_data(exc: APIException, data) -> dict:
    if isinstance(exc, ValidationError):
        if isinstance(data, list) and all(isinstance(message, str) for message in data):
            return error_body(" ".join(data) or "Invalid input.", "invalid", {"non_field_errors": data})
        return error_body("Invalid input.", "invalid", data if isinstance(data, dict) else {"non_field_errors": data})
    codes = exc.get_codes()
    detail = data.get("detail", exc.default_detail) if isinstance(data, dict) else exc.default_detail
    return error_body(detail, codes if isinstance(codes, str) else exc.default_code)


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI description of VerifiedSessionAuthentication: a session cookie, as DRF's."""

    target_class = "portal.api_auth.VerifiedSessionAuthentication"


def page_not_found(request: HttpRequest, exception) -> HttpResponse:
    """Django's 404 for a URL no view matches (`/api/incidents/abc/`): JSON under /api/, like every
    other API error, and the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return defaults.page_not_found(request, exception)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(max_length=32, help_text="The six-digit code from the user's authenticator app, or a recovery code.")


class ObtainTokenView(APIView):
    """POST: exchange a username, password and second-factor code for a fresh API token
    (`Authorization: Token <key>`), valid for API_TOKEN_TTL_HOURS. DELETE: revoke your own token."""

    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get_authenticators(self):
        # Asking for a token needs no credentials but these; a stale token header must not block it.
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(description="A field is missing or too long, or the username, password or code is wrong."),
            429: OpenApiResponse(description="Too many failed sign-ins: wait and try again."),
        },
        description=(
            "Exchange a username, password and the current code from the user's authenticator app "
            "(`otp`; a recovery code also works) for a fresh token. Any earlier token of the user's "
            "is revoked. The token expires after API_TOKEN_TTL_HOURS (default 8) and at sign-out. "
            "Accounts without a second factor must first sign in on the web and enrol one."
        ),
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        user = authenticate(request._request, username=username, password=serializer.validated_data["password"])
        refusal = None
        if user is None or not user.is_active:
            # A locked-out account is answered by the Axes middleware with its own 429 body.
            refusal = "Unable to sign in with the username, password and code given."
        elif not mfa.has_second_factor(user):
            if settings.MFA_REQUIRED:
                refusal = "This account has no second factor yet: sign in on the web once to set one up."
        elif mfa.verify_code(user, serializer.validated_data["otp"]) is None:
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request._request)
            refusal = "Unable to sign in with the username, password and code given."
        if refusal:
            record_event(
                actor=None,
                action="auth.token_refused",
                object_type="auth.user",
                object_id=username[:64],
                outcome=AuditOutcome.REFUSED,
                request=request._request,
            )
            return Response(error_body(refusal, "sign_in_refused"), status=status.HTTP_400_BAD_REQUEST)
        token = mfa.issue_api_token(user=user, request=request._request)
        expires = token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        return Response({"token": token.key, "expires": expires})

    @extend_schema(
        request=None,
        responses={204: None, 401: inline_serializer("TokenRevokeRefused", {"detail": serializers.CharField()})},
        description="Revoke the caller's own API token (sign-out for programs).",
        tags=["auth"],
    )
    def delete(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        mfa.revoke_api_tokens(actor=request.user, user=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
