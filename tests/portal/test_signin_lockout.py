"""Failed sign-ins stop a username from one address, or a username alone after many more; never
an address alone (behind the city's proxy everyone shares one)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.models import AuditEvent
from portal.roles import Role
from tests.personas import PASSWORD, otp_code

pytestmark = pytest.mark.django_db


def _sign_in(client, user_or_name, password=PASSWORD, **meta):
    data = {"username": getattr(user_or_name, "username", user_or_name), "password": password}
    if password == PASSWORD:
        data["otp_token"] = otp_code(user_or_name)
    return client.post(reverse("login"), data, **meta)


def test_five_failed_sign_ins_from_one_address_with_other_usernames_do_not_stop_the_right_password(client, make_user, settings):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(client, f"made-up-{n}", password="wrong")
    response = _sign_in(client, sofia)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff-home")


def test_failed_sign_ins_for_one_username_from_another_address_do_not_stop_its_owner(client, make_user, settings):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "sofia", password="wrong", REMOTE_ADDR="203.0.113.9")
    assert _sign_in(client, "sofia", password="wrong", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _sign_in(client, sofia, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_many_failed_sign_ins_for_one_username_from_many_addresses_stop_that_username(client, make_user, settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 8
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    for n in range(8):
        _sign_in(client, "sofia", password="wrong", REMOTE_ADDR=f"203.0.113.{n + 1}")
    response = _sign_in(client, sofia, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    # Other people are not affected.
    ivan = make_user(Role.INVESTIGATOR, username="ivan")
    assert _sign_in(client, ivan, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_wrong_code_counts_as_a_failed_sign_in(client, make_user, settings):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "sofia", "password": PASSWORD, "otp_token": "000000"})
    assert _sign_in(client, sofia).status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_lockout_and_the_audit_trail_use_the_forwarded_address(client, make_user, settings):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "sofia", password="wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert _sign_in(client, "sofia", password="wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code == 429
    # Sofia, at her own desk, comes through the same proxy and is let in.
    assert _sign_in(client, sofia, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 302
    assert AuditEvent.objects.get(action="auth.signed_in").ip_address == "198.51.100.7"
    assert set(AuditEvent.objects.filter(action="auth.sign_in_refused").values_list("ip_address", flat=True)) == {"203.0.113.9"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_only_the_address_the_proxy_appended_counts(client, make_user):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    # The caller wrote "1.2.3.4" itself; the proxy appended the address it really saw.
    _sign_in(client, sofia, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    assert AuditEvent.objects.get(action="auth.signed_in").ip_address == "198.51.100.7"


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(client, make_user):
    sofia = make_user(Role.SUPERVISOR, username="sofia")
    _sign_in(client, sofia, HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="198.51.100.7")
    assert AuditEvent.objects.get(action="auth.signed_in").ip_address == "198.51.100.7"
