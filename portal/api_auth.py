"""How API callers prove who they are: an expiring token, or a session verified with a second
factor. Kept apart from portal.api because DRF imports these while its own views module loads."""

from __future__ import annotations

from django.conf import settings
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import mfa


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once older than API_TOKEN_TTL_HOURS (a 401 with a JSON body)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if mfa.token_expired(token):
            raise AuthenticationFailed("This token has expired. Ask for a new one at /api/auth/token/.")
        return user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session counts for the API only once its second factor is verified."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or not settings.MFA_REQUIRED:
            return result
        user = result[0]
        return result if getattr(user, "is_verified", None) and user.is_verified() else None
