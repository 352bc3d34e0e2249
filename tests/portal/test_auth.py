import pytest
from django.urls import reverse

from portal.models import AuditEvent, AuditOutcome
from portal.roles import Role
from tests.personas import PASSWORD, otp_code, sign_in_verified

pytestmark = pytest.mark.django_db


def test_staff_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/")


def test_the_public_home_needs_no_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"If agents come to your home or business" in response.content


def test_a_reporter_signs_in_and_lands_on_the_reporter_home(client, make_user):
    rita = make_user(Role.REPORTER, username="rita")
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD, "otp_token": otp_code(rita)}, follow=True)
    assert response.status_code == 200
    assert b"Reporter home" in response.content
    assert AuditEvent.objects.filter(action="auth.signed_in", actor_username="rita").exists()


def test_a_wrong_password_is_refused_and_audited(client, make_user):
    make_user(Role.REPORTER, username="rita")
    response = client.post(reverse("login"), {"username": "rita", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    refused = AuditEvent.objects.get(action="auth.sign_in_refused")
    assert refused.outcome == AuditOutcome.REFUSED and refused.object_id == "rita"


def test_repeated_failed_sign_ins_are_stopped_with_a_clear_message(client, make_user, settings):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "sofia", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "sofia", "password": PASSWORD, "otp_token": otp_code(sofia)})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts. Wait 15 minutes" in response.content
    # The attempts may be someone else's: the page does not claim the account is locked.
    assert b"locked" not in response.content.lower()
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id="sofia").exists()


def test_the_api_gives_a_token_for_good_credentials_and_accepts_it(client, make_user):
    aaron = make_user(Role.AUDITOR, username="aaron")
    response = client.post(
        "/api/auth/token/", {"username": "aaron", "password": PASSWORD, "otp": otp_code(aaron)}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    schema = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert schema.status_code == 200


def test_the_api_refuses_bad_credentials_with_json(client, make_user):
    make_user(Role.AUDITOR, username="aaron")
    response = client.post("/api/auth/token/", {"username": "aaron", "password": "x", "otp": "123456"}, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    missing = client.post("/api/auth/token/", {}, content_type="application/json")
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"username", "password", "otp"}
    garbage = client.post("/api/auth/token/", b"{not json", content_type="application/json")
    assert garbage.status_code == 400 and "detail" in garbage.json()


def test_the_api_locks_out_repeated_failures_with_json(client, make_user, settings):
    aaron = make_user(Role.AUDITOR, username="aaron")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/token/", {"username": "aaron", "password": "x", "otp": "000000"}, content_type="application/json")
    response = client.post(
        "/api/auth/token/", {"username": "aaron", "password": PASSWORD, "otp": otp_code(aaron)}, content_type="application/json"
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_api_endpoints_refuse_anonymous_callers_with_json(client):
    response = client.get("/api/schema/")
    # The schema itself is documentation and public; protected endpoints are tested per app.
    assert response.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content and b"unpkg" not in docs.content


def test_sign_out_ends_the_session(client, make_user):
    user = make_user(Role.REPORTER)
    sign_in_verified(client, user)
    client.post(reverse("logout"))
    assert client.get("/staff/").status_code == 302


def test_healthz_reports_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
