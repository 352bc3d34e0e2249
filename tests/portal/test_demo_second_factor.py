"""`make run`'s demo accounts share one TOTP secret, so a newcomer adds it to an app once."""

import base64

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.demo import demo_totp_secret, enrol_demo_accounts, ensure_demo_users

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_every_demo_account_is_enrolled_with_the_demo_secret(role_groups, monkeypatch):
    monkeypatch.setenv("DEMO_TOTP_SECRET", SECRET)
    ensure_demo_users("demo password 123")
    enrol_demo_accounts(demo_totp_secret()[0])
    enrol_demo_accounts(demo_totp_secret()[0])  # idempotent
    key = base64.b32decode(SECRET).hex()
    for user in User.objects.filter(username__in=["reporter", "investigator", "supervisor", "release", "auditor", "admin"]):
        assert list(TOTPDevice.objects.filter(user=user).values_list("key", "confirmed")) == [(key, True)]


def test_a_demo_account_signs_in_with_a_code_from_the_demo_secret(role_groups, monkeypatch, client):
    monkeypatch.setenv("DEMO_TOTP_SECRET", SECRET)
    ensure_demo_users("demo password 123")
    enrol_demo_accounts(demo_totp_secret()[0])
    code = f"{totp(base64.b32decode(SECRET)):06d}"
    response = client.post(reverse("login"), {"username": "supervisor", "password": "demo password 123", "otp_token": code})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_without_a_demo_secret_one_is_generated_and_kept(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("DEMO_TOTP_SECRET", raising=False)
    settings.VAR_DIR = tmp_path
    secret, fresh = demo_totp_secret()
    assert fresh and base64.b32decode(secret)
    assert demo_totp_secret() == (secret, False)
    assert (tmp_path / "demo-totp-secret.txt").stat().st_mode & 0o077 == 0


def test_load_demo_data_prints_the_secret_and_its_otpauth_uri(role_groups, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    monkeypatch.setenv("DEMO_TOTP_SECRET", SECRET)
    # The accounts step, which make run runs first and prints from (the full load is test_roles').
    call_command("load_demo_data", "--accounts-only")
    out = capsys.readouterr().out
    assert SECRET in out
    assert f"otpauth://totp/Incident%20portal:demo?secret={SECRET}" in out
