"""The production configuration, checked the way an operator would check it."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra=None):
    # The test process allows sync ORM calls beside Playwright's loop; a deployment never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _content_credentials(folder: Path) -> dict[str, str]:
    from releases.content_credentials import create_certificate_authority

    files = create_certificate_authority(root_cert=folder / "root.pem", chain=folder / "chain.pem", key=folder / "key.pem", city="Test")
    return {"C2PA_ROOT_CERT": str(files.root_cert), "C2PA_SIGNING_CERT_CHAIN": str(files.chain), "C2PA_SIGNING_KEY": str(files.key)}


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra={
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "portal.city.example",
            "CSRF_TRUSTED_ORIGINS": "https://portal.city.example",
            "AUDIT_CHECKPOINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            **_content_credentials(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_production_without_an_audit_checkpoint_key():
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.city.example",
        "AUDIT_CHECKPOINT_KEY": "",
    }
    result = _manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "AUDIT_CHECKPOINT_KEY is not set" in result.stderr


def test_check_deploy_refuses_production_without_content_credentials():
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.city.example",
        "AUDIT_CHECKPOINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    result = _manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "C2PA_SIGNING_CERT_CHAIN" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_ENV"] = "production"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_models_and_migrations_agree():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_with_mfa_off():
    result = _manage(
        "check",
        env_extra={
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "portal.city.example",
            "MFA_REQUIRED": "false",
        },
    )
    assert result.returncode != 0
    assert "MFA_REQUIRED" in result.stderr
