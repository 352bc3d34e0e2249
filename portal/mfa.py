"""The second factor of staff sign-in (CJIS): TOTP devices, recovery codes, and API tokens.

The one writer for everything that changes who can prove a second factor: enrolment, an
administrator's reset, and issuing and revoking API tokens (a token is only issued with a code).
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .audit import record_event
from .accounts import AccountRefused, lock_user, require_admin, require_other
from .models import AuditOutcome
from .refusals import audit_refusal

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"
_TOTP_FORMAT = re.compile(r"^\d{6}$")


class MFAError(Exception):
    """A code that does not prove the second factor, with a message fit to show the person."""


def normalise_code(code: str) -> str:
    # Authenticator apps show "123 456" and people copy recovery codes with dashes.
    return re.sub(r"[\s-]", "", code or "").lower()


def base32_to_hex(secret: str) -> str:
    padded = secret.strip().replace(" ", "").upper()
    padded += "=" * (-len(padded) % 8)
    return base64.b32decode(padded).hex()


def hex_to_base32(key_hex: str) -> str:
    return base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify_code(user: User, code: str):
    """The device that accepts `code` (a six-digit TOTP code or a recovery code), or None.

    Only the device the code's shape names is tried, so a mistyped TOTP code never counts as a
    failed attempt against the recovery codes (django-otp throttles each device separately)."""
    code = normalise_code(code)
    if not code:
        return None
    with transaction.atomic():
        if _TOTP_FORMAT.match(code):
            devices = TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update()
        else:
            devices = StaticDevice.objects.filter(user=user, confirmed=True).select_for_update()
        for device in devices:
            if device.verify_is_allowed()[0] and device.verify_token(code):
                return device
    return None


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device an enrolment shows, the same one on every reload until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def confirm_enrolment(*, user: User, code: str, request: HttpRequest | None = None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device with a code from the app; returns it and fresh recovery codes,
    which the caller shows once."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            raise MFAError("Start the enrolment again: there is no authenticator waiting to be confirmed.")
        confirmed = device.verify_token(normalise_code(code))
        if confirmed:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _replace_recovery_codes(user)
            record_event(actor=user, action="auth.mfa_enrolled", target=user, request=request)
    # Outside the transaction, so the refusal (and django-otp's throttle count) is kept.
    if not confirmed:
        record_event(actor=user, action="auth.mfa_enrolment_refused", target=user, outcome=AuditOutcome.REFUSED, request=request)
        raise MFAError("That code is not right. Check the time on your phone and enter the newest code.")
    return device, codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def enrol_with_secret(*, user: User, key_hex: str, actor: User | None = None) -> TOTPDevice:
    """Give a user a confirmed TOTP device with a known secret: the demo accounts (`make run`),
    which share DEMO_TOTP_SECRET so a newcomer adds one entry to an app and tries every role."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key_hex, confirmed=True)
    record_event(actor=actor, action="auth.mfa_enrolled", target=user, detail={"with": "given secret"})
    return device


def reset_mfa(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """An administrator removes someone's authenticator, recovery codes and API token (a lost
    phone); their next sign-in enrols again. Never one's own: that would let a stolen password
    replace the phone. A refusal is audited too."""
    try:
        with transaction.atomic():
            require_admin(actor)
            require_other(actor, user, "resets the second factor of")
            locked = lock_user(user)
            removed = TOTPDevice.objects.filter(user=locked).delete()[0] + StaticDevice.objects.filter(user=locked).delete()[0]
            Token.objects.filter(user=locked).delete()
            record_event(actor=actor, action="auth.mfa_reset", target=locked, request=request, detail={"devices_removed": removed})
            return removed
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action="auth.mfa_reset", target=user, request=request)
        raise


@transaction.atomic
def issue_api_token(*, user: User, request: HttpRequest | None = None) -> Token:
    """A fresh token each time (the old one dies), so a token never outlives its TTL by reuse."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record_event(actor=user, action="auth.token_issued", target=user, request=request)
    return token


def revoke_api_tokens(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """Delete a user's API token: the user themself (sign-out) or an administrator (anyone else's)."""
    try:
        with transaction.atomic():
            if actor.pk != user.pk:
                require_admin(actor)
            locked = lock_user(user)
            revoked = Token.objects.filter(user=locked).delete()[0]
            if revoked or actor.pk != user.pk:
                record_event(actor=actor, action="auth.token_revoked", target=locked, request=request,
                             detail={"tokens_removed": revoked})
            return revoked
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action="auth.token_revoked", target=user, request=request)
        raise


def token_expired(token: Token) -> bool:
    return token.created < timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)
