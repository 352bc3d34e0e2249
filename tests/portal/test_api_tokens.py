"""API tokens: issued only with a second factor, expiring, revoked at sign-out or by an administrator."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal import mfa
from portal.models import AuditEvent
from portal.roles import Role
from tests.personas import PASSWORD, otp_code, sign_in_verified

pytestmark = pytest.mark.django_db


def _ask_for_token(client, user, headers=None, **fields):
    body = {"username": user.username, "password": PASSWORD, "otp": otp_code(user), **fields}
    return client.post("/api/auth/token/", body, content_type="application/json", headers=headers)


def _incidents(client, key):
    return client.get("/api/incidents/", HTTP_AUTHORIZATION=f"Token {key}")


def test_it_refuses_a_token_without_the_right_code(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    response = _ask_for_token(client, aaron, otp="000000")
    assert response.status_code == 400
    assert "code" in response.json()["detail"]
    assert not Token.objects.filter(user=aaron).exists()
    assert AuditEvent.objects.filter(action="auth.token_refused", object_id="aaron").exists()


def test_it_refuses_a_token_to_an_account_without_a_second_factor(client, make_user):
    make_user(Role.AUDITOR, username="aaron", enrolled=False)
    response = client.post(
        "/api/auth/token/", {"username": "aaron", "password": PASSWORD, "otp": "123456"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "no second factor" in response.json()["detail"]


def test_each_request_issues_a_fresh_token_and_the_old_one_dies(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    first = _ask_for_token(client, aaron).json()
    second = _ask_for_token(client, aaron).json()
    assert first["token"] != second["token"]
    assert _incidents(client, first["token"]).status_code == 401
    assert _incidents(client, second["token"]).status_code == 200
    assert "expires" in second


def test_tokens_expire_after_the_configured_hours(client, make_user, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    aaron = make_user(Role.AUDITOR, username="aaron")
    key = _ask_for_token(client, aaron).json()["token"]
    assert _incidents(client, key).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=2, minutes=1))
    response = _incidents(client, key)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_dies_when_its_owner_signs_out_of_the_web(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    key = _ask_for_token(client, aaron).json()["token"]
    sign_in_verified(client, aaron)
    client.post(reverse("logout"))
    assert _incidents(client, key).status_code == 401
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor_username="aaron").exists()


def test_a_program_signs_out_by_deleting_its_token(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    key = _ask_for_token(client, aaron).json()["token"]
    response = client.delete("/api/auth/token/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 204
    assert _incidents(client, key).status_code == 401
    assert client.delete("/api/auth/token/").status_code == 401


def test_a_stale_token_header_does_not_block_asking_for_a_new_token(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    response = _ask_for_token(client, aaron, headers={"Authorization": "Token not-a-real-token"})
    assert response.status_code == 200


def test_an_administrator_revokes_anyones_token(client, make_user):
    ada = make_user(Role.ADMIN, username="ada")
    aaron = make_user(Role.AUDITOR, username="aaron")
    key = _ask_for_token(client, aaron).json()["token"]
    assert mfa.revoke_api_tokens(actor=ada, user=aaron) == 1
    assert _incidents(client, key).status_code == 401
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor_username="ada").exists()


def test_only_an_administrator_revokes_another_persons_token(make_user):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    aaron = make_user(Role.AUDITOR, username="aaron")
    Token.objects.create(user=aaron)
    with pytest.raises(PermissionDenied):
        mfa.revoke_api_tokens(actor=sofia, user=aaron)
    assert Token.objects.filter(user=aaron).exists()
