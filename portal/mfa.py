"""Resetting someone's second factor and revoking their API tokens: what an administrator does
when a phone is lost or a person leaves.

Minimal version for the accounts page; the sign-in work (enrolment, recovery codes, expiring
tokens) owns this module and keeps these two names and their keyword arguments.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .accounts import AccountRefused, audit_refusal, lock_user, require_admin, require_other
from .audit import record_event


def reset_mfa(*, actor: User, user: User, request=None) -> int:
    """Remove the user's authenticator apps and recovery codes, so they enrol again at next sign-in."""
    try:
        with transaction.atomic():
            require_admin(actor)
            require_other(actor, user, "resets the second factor of")
            locked = lock_user(user)
            removed = TOTPDevice.objects.filter(user=locked).delete()[0] + StaticDevice.objects.filter(user=locked).delete()[0]
            record_event(actor=actor, action="user.mfa_reset", target=locked, request=request, detail={"devices_removed": removed})
            return removed
    except AccountRefused as refusal:
        audit_refusal("user.mfa_reset", actor, user, refusal, request)
        raise


def revoke_api_tokens(*, actor: User, user: User, request=None) -> int:
    """Delete the user's API tokens: every program using them is refused from the next call."""
    try:
        with transaction.atomic():
            require_admin(actor)
            require_other(actor, user, "revokes the tokens of")
            locked = lock_user(user)
            removed = Token.objects.filter(user=locked).delete()[0]
            record_event(actor=actor, action="user.tokens_revoked", target=locked, request=request, detail={"tokens_removed": removed})
            return removed
    except AccountRefused as refusal:
        audit_refusal("user.tokens_revoked", actor, user, refusal, request)
        raise
