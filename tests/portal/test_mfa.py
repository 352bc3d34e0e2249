"""Staff sign in with a second factor: a TOTP app, enrolled on the first sign-in, with recovery codes."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal import mfa
from portal.models import AuditEvent, AuditOutcome
from portal.roles import Role
from tests.personas import PASSWORD, otp_code, sign_in_verified

pytestmark = pytest.mark.django_db


def test_staff_pages_need_the_second_factor(client, make_user):
    rita = make_user(Role.REPORTER, username="rita")
    client.force_login(rita)  # a password-only session
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/")
    assert client.get("/staff/incidents/").status_code == 302
    # The API does not take the session either.
    assert client.get("/api/incidents/").status_code in (401, 403)
    # The sign-in page asks for the code instead of sending her round in a circle.
    assert client.get(reverse("login")).status_code == 200


def test_a_verified_session_opens_staff_pages_and_the_api(client, make_user):
    rita = make_user(Role.REPORTER, username="rita")
    sign_in_verified(client, rita)
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/incidents/").status_code == 200


def test_the_admin_site_is_reached_only_through_the_staff_sign_in(client, make_user):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    ada = make_user(Role.ADMIN, username="ada")
    client.force_login(ada)
    assert client.get("/admin/").status_code == 302
    sign_in_verified(client, ada)
    assert client.get("/admin/").status_code == 200


def test_it_refuses_a_sign_in_without_the_code(client, make_user):
    make_user(Role.REPORTER, username="rita")
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Enter the six-digit code" in response.content
    assert client.get("/staff/").status_code == 302


def test_it_refuses_a_sign_in_with_a_wrong_code(client, make_user):
    make_user(Role.REPORTER, username="rita")
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD, "otp_token": "000000"})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert AuditEvent.objects.filter(action="auth.sign_in_refused", object_id="rita").exists()


def test_a_right_code_with_a_wrong_password_is_refused(client, make_user):
    rita = make_user(Role.REPORTER, username="rita")
    response = client.post(reverse("login"), {"username": "rita", "password": "wrong", "otp_token": otp_code(rita)})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302


def test_a_first_sign_in_enrols_an_app_shows_recovery_codes_once_and_opens_the_staff_home(client, make_user):
    make_user(Role.REPORTER, username="rita", enrolled=False)
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa-enrol")
    # Staff pages wait for the enrolment.
    assert client.get("/staff/")["Location"] == reverse("mfa-enrol")

    page = client.get(reverse("mfa-enrol"))
    secret = re.search(rb'id="mfa-secret">([A-Z2-7]+)<', page.content).group(1).decode()
    assert f'id="mfa-secret">{secret}<'.encode() in client.get(reverse("mfa-enrol")).content  # the same on a reload
    qr = client.get(reverse("mfa-enrol-qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content

    code = f"{totp(bytes.fromhex(mfa.base32_to_hex(secret))):06d}"
    done = client.post(reverse("mfa-enrol"), {"otp_token": code})
    assert done.status_code == 200
    codes = re.findall(rb"<li><code>([a-z2-7]+)</code></li>", done.content)
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled", actor_username="rita").exists()
    # Shown once: the enrolment page is closed now.
    assert client.get(reverse("mfa-enrol"))["Location"] == reverse("staff-home")


def test_enrolment_refuses_a_wrong_code(client, make_user):
    rita = make_user(Role.REPORTER, username="rita", enrolled=False)
    client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    client.get(reverse("mfa-enrol"))
    response = client.post(reverse("mfa-enrol"), {"otp_token": "000000"})
    assert response.status_code == 400
    assert b"That code is not right" in response.content
    assert not mfa.has_second_factor(rita)
    assert AuditEvent.objects.filter(action="auth.mfa_enrolment_refused").exists()


def test_someone_already_enrolled_cannot_enrol_a_second_app_with_the_password_alone(client, make_user):
    rita = make_user(Role.REPORTER, username="rita")
    client.force_login(rita)
    assert client.get(reverse("mfa-enrol"))["Location"] == reverse("login")
    assert client.get(reverse("mfa-enrol-qr")).status_code == 404
    assert TOTPDevice.objects.filter(user=rita).count() == 1


def test_a_recovery_code_signs_in_once(client, make_user):
    rita = make_user(Role.REPORTER, username="rita", enrolled=False)
    device = mfa.pending_totp_device(rita)
    _, codes = mfa.confirm_enrolment(user=rita, code=f"{totp(device.bin_key):06d}")
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD, "otp_token": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    client.post(reverse("logout"))
    again = client.post(reverse("login"), {"username": "rita", "password": PASSWORD, "otp_token": codes[0]})
    assert again.status_code == 200 and b"That code is not right" in again.content


def test_an_administrator_resets_someones_second_factor_and_it_is_audited(make_user, api_client):
    ada = make_user(Role.ADMIN, username="ada")
    rita = make_user(Role.REPORTER, username="rita")
    Token.objects.create(user=rita)
    mfa.reset_mfa(actor=ada, user=rita)
    assert not TOTPDevice.objects.filter(user=rita).exists()
    assert not StaticDevice.objects.filter(user=rita).exists()
    assert not Token.objects.filter(user=rita).exists()
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor_username == "ada" and event.object_id == str(rita.pk)


def test_an_administrator_may_not_reset_their_own_second_factor(make_user):
    ada = make_user(Role.ADMIN, username="ada")
    with pytest.raises(PermissionDenied):
        mfa.reset_mfa(actor=ada, user=ada)
    assert mfa.has_second_factor(ada)


def test_only_an_administrator_may_reset_a_second_factor(make_user):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    rita = make_user(Role.REPORTER, username="rita")
    with pytest.raises(PermissionDenied):
        mfa.reset_mfa(actor=sofia, user=rita)
    assert mfa.has_second_factor(rita)
    assert not AuditEvent.objects.filter(action="auth.mfa_reset", outcome=AuditOutcome.SUCCESS).exists()


def test_after_a_reset_the_next_sign_in_enrols_again(client, make_user):
    ada = make_user(Role.ADMIN, username="ada")
    make_user(Role.REPORTER, username="rita")
    from django.contrib.auth.models import User

    mfa.reset_mfa(actor=ada, user=User.objects.get(username="rita"))
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    assert response["Location"] == reverse("mfa-enrol")
