"""Demo accounts: one per role, named after the role, for `make run`."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import User

from . import mfa
from .accounts import create_user_with_role, generate_password
from .roles import Role

DEMO_USERNAMES = {
    Role.REPORTER: "reporter",
    Role.INVESTIGATOR: "investigator",
    Role.SUPERVISOR: "supervisor",
    Role.RELEASE_OFFICER: "release",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}
SECOND_ADMIN = "admin2"
DEMO_NAMES = {
    Role.REPORTER: ("Rita", "Ramos"),
    Role.INVESTIGATOR: ("Ivan", "Ibarra"),
    Role.SUPERVISOR: ("Sofia", "Sandoval"),
    Role.RELEASE_OFFICER: ("Rhea", "Lindqvist"),
    Role.AUDITOR: ("Aaron", "Oduya"),
    Role.ADMIN: ("Ada", "Minh"),
}


def demo_password() -> tuple[str, bool]:
    """DEMO_PASSWORD if set; else one generated on the first run and kept under var/ so a rerun
    of `make run` keeps working sign-ins."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"], False
    path = Path(settings.VAR_DIR) / "demo-password.txt"
    if path.exists():
        return path.read_text().strip(), False
    password = generate_password()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password, True


def ensure_demo_users(password: str) -> dict[Role, User]:
    users = {}
    for role, username in DEMO_USERNAMES.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            first, last = DEMO_NAMES[role]
            user = create_user_with_role(
                username=username,
                role=role,
                password=password,
                email=f"{username}@city.invalid",
                first_name=first,
                last_name=last,
                check_password_strength=False,
            )
        users[role] = user
    # A second administrator, so the confirmation every role given needs can be tried.
    if not User.objects.filter(username=SECOND_ADMIN).exists():
        create_user_with_role(username=SECOND_ADMIN, role=Role.ADMIN, password=password, email=f"{SECOND_ADMIN}@city.invalid",
                              first_name="Alan", last_name="Okoye", check_password_strength=False)
    return users


# The release officers that releases/demo.py adds, so the two-person rule can be tried; each signs
# in with the demo's one second factor like the others.
DEMO_EXTRA_USERNAMES = ["release2", "release3"]


def demo_totp_secret() -> tuple[str, bool]:
    """DEMO_TOTP_SECRET (base32) if set; else one generated on the first run and kept under var/.
    Every demo account shares it, so one entry in an authenticator app signs in as any role."""
    if os.environ.get("DEMO_TOTP_SECRET"):
        secret = os.environ["DEMO_TOTP_SECRET"].strip().replace(" ", "").upper()
        mfa.base32_to_hex(secret)  # refuse a malformed secret here, not at the first sign-in
        return secret, False
    path = Path(settings.VAR_DIR) / "demo-totp-secret.txt"
    if path.exists():
        return path.read_text().strip(), False
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret, True


def demo_otpauth_uri(secret: str) -> str:
    issuer = quote(settings.OTP_TOTP_ISSUER)
    return f"otpauth://totp/{issuer}:demo?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"


def enrol_demo_accounts(secret: str) -> None:
    """Give every demo account an authenticator with the demo secret (again if it changed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key_hex = mfa.base32_to_hex(secret)
    usernames = [*DEMO_USERNAMES.values(), *DEMO_EXTRA_USERNAMES]
    for user in User.objects.filter(username__in=usernames):
        if not TOTPDevice.objects.filter(user=user, confirmed=True, key=key_hex).exists():
            mfa.enrol_with_secret(user=user, key_hex=key_hex)
