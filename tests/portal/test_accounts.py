"""Accounts and roles change only through portal.accounts: never in Django's admin forms, never on
one's own account, and every role given waits for a second administrator. Ada and Alan administer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal import accounts, mfa
from portal.accounts import AccountRefused
from portal.models import AuditEvent, RoleGrantRequest
from portal.roles import Role, roles_of
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(make_user):
    return make_user(Role.ADMIN, "alan", email="alan@city.invalid")


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _events(action: str, user: User, outcome: str = "success"):
    return AuditEvent.objects.filter(action=action, object_type="auth.user", object_id=str(user.pk), outcome=outcome)


# ---- Django's admin site -----------------------------------------------------------------------

def test_the_admin_form_cannot_change_roles(people, client):
    sign_in_verified(client, people.admin)
    auditor = Group.objects.get(name="auditor")
    for target in (people.admin, people.reporter):
        url = reverse("admin:auth_user_change", args=[target.pk])
        response = client.post(url, {"username": target.username, "groups": [auditor.pk], "is_superuser": "on",
                                     "is_staff": "on", "is_active": "on", "date_joined_0": "2020-01-01", "date_joined_1": "00:00"})
        assert response.status_code == 403
        assert Role.AUDITOR not in roles_of(_fresh(target)) and not _fresh(target).is_superuser
    assert not AuditEvent.objects.filter(action="user.roles_changed").exists()


def test_the_admin_site_neither_adds_users_nor_changes_groups_or_passwords(people, client):
    sign_in_verified(client, people.admin)
    assert client.post(reverse("admin:auth_user_add"), {"username": "mallory", "password1": "a long enough passphrase 42",
                                                        "password2": "a long enough passphrase 42"}).status_code == 403
    assert not User.objects.filter(username="mallory").exists()
    assert client.post(reverse("admin:auth_user_password_change", args=[people.reporter.pk]),
                       {"password1": "x-another passphrase 42", "password2": "x-another passphrase 42"}).status_code == 403
    admin_group = Group.objects.get(name="admin")
    before = set(admin_group.permissions.values_list("pk", flat=True))
    response = client.post(reverse("admin:auth_group_change", args=[admin_group.pk]), {"name": "admin", "permissions": []})
    assert response.status_code == 403 and set(admin_group.permissions.values_list("pk", flat=True)) == before
    # Reading stays possible, so administrators can still look people up there.
    assert client.get(reverse("admin:auth_user_change", args=[people.reporter.pk])).status_code == 200


# ---- the service -------------------------------------------------------------------------------

def test_a_role_given_takes_effect_only_when_a_second_administrator_confirms_it(people, second_admin):
    (grant,) = accounts.set_roles(user=people.reporter, roles=[Role.REPORTER, Role.AUDITOR], acting_user=people.admin,
                                  reason="Joins oversight.")
    assert roles_of(_fresh(people.reporter)) == {Role.REPORTER}
    assert _events("user.role_requested", people.reporter).get().detail["role"] == "auditor"

    with pytest.raises(AccountRefused, match="second administrator"):
        accounts.confirm_role_grant(actor=people.admin, grant=grant)
    assert roles_of(_fresh(people.reporter)) == {Role.REPORTER}
    assert _events("user.role_confirmed", people.reporter, "refused").count() == 1

    accounts.confirm_role_grant(actor=second_admin, grant=grant)
    assert roles_of(_fresh(people.reporter)) == {Role.REPORTER, Role.AUDITOR}
    event = _events("user.role_confirmed", people.reporter).get()
    assert event.actor == second_admin and event.detail["requested_by"] == "ada"
    with pytest.raises(AccountRefused) as refused:
        accounts.confirm_role_grant(actor=second_admin, grant=grant)
    assert refused.value.status == 409


def test_taking_a_role_away_is_immediate_and_audited(people):
    accounts.set_roles(user=people.supervisor, roles=[], acting_user=people.admin, reason="Left the unit.")
    assert roles_of(_fresh(people.supervisor)) == frozenset()
    event = _events("user.roles_changed", people.supervisor).get()
    assert event.detail == {"before": ["supervisor"], "after": []} and event.actor == people.admin


def test_nobody_changes_their_own_roles_or_confirms_a_role_for_themselves(people, second_admin):
    with pytest.raises(AccountRefused, match="own account"):
        accounts.set_roles(user=people.admin, roles=[Role.ADMIN, Role.AUDITOR], acting_user=people.admin)
    assert not RoleGrantRequest.objects.exists()
    assert _events("user.roles_changed", people.admin, "refused").count() == 1
    grant = accounts.request_role_grant(actor=second_admin, user=people.admin, role=Role.AUDITOR)
    with pytest.raises(AccountRefused, match="own account"):
        accounts.confirm_role_grant(actor=people.admin, grant=grant)
    assert roles_of(_fresh(people.admin)) == {Role.ADMIN}


def test_only_administrators_change_roles(people):
    for actor in (people.supervisor, people.auditor):
        with pytest.raises(AccountRefused, match="Only an administrator"):
            accounts.set_roles(user=people.reporter, roles=[Role.SUPERVISOR], acting_user=actor)
    assert not RoleGrantRequest.objects.exists() and roles_of(_fresh(people.reporter)) == {Role.REPORTER}


def test_one_request_waits_per_person_and_role_and_a_refused_one_never_applies(people, second_admin):
    grant = accounts.request_role_grant(actor=people.admin, user=people.reporter, role=Role.INVESTIGATOR)
    with pytest.raises(AccountRefused) as refused:
        accounts.request_role_grant(actor=second_admin, user=people.reporter, role=Role.INVESTIGATOR)
    assert refused.value.status == 409
    accounts.refuse_role_grant(actor=second_admin, grant=grant, reason="Not on the roster.")
    assert roles_of(_fresh(people.reporter)) == {Role.REPORTER}
    assert _events("user.role_refused", people.reporter).get().reason == "Not on the roster."
    with pytest.raises(AccountRefused):
        accounts.confirm_role_grant(actor=second_admin, grant=grant)
    accounts.request_role_grant(actor=second_admin, user=people.reporter, role=Role.INVESTIGATOR)  # may be asked again


def test_deactivation_is_audited_and_never_of_oneself(people):
    accounts.set_active(actor=people.admin, user=people.investigator, active=False, reason="Left the city.")
    assert not _fresh(people.investigator).is_active and roles_of(_fresh(people.investigator)) == frozenset()
    assert _events("user.deactivated", people.investigator).get().reason == "Left the city."
    with pytest.raises(AccountRefused):
        accounts.set_active(actor=people.admin, user=people.admin, active=False)
    accounts.set_active(actor=people.admin, user=people.investigator, active=True)
    assert _fresh(people.investigator).is_active


def test_resetting_mfa_and_revoking_tokens_take_another_administrator(people):
    TOTPDevice.objects.create(user=people.reporter, name="phone", confirmed=True)
    StaticDevice.objects.create(user=people.reporter, name="recovery")
    Token.objects.create(user=people.reporter)
    with pytest.raises(AccountRefused):
        mfa.reset_mfa(actor=people.supervisor, user=people.reporter)
    assert TOTPDevice.objects.filter(user=people.reporter).exists()
    mfa.reset_mfa(actor=people.admin, user=people.reporter)
    mfa.revoke_api_tokens(actor=people.admin, user=people.reporter)
    assert not TOTPDevice.objects.filter(user=people.reporter).exists()
    assert not StaticDevice.objects.filter(user=people.reporter).exists()
    assert not Token.objects.filter(user=people.reporter).exists()
    assert _events("auth.mfa_reset", people.reporter).count() == _events("auth.token_revoked", people.reporter).count() == 1
    with pytest.raises(AccountRefused):
        mfa.reset_mfa(actor=people.admin, user=people.admin)


# ---- the staff accounts page -------------------------------------------------------------------

def test_the_accounts_page_lists_accounts_with_roles_status_and_second_factor(people, client):
    TOTPDevice.objects.filter(user=people.reporter).delete()  # test users come enrolled; Rita has not yet
    assert TOTPDevice.objects.filter(user=people.auditor, confirmed=True).exists()
    sign_in_verified(client, people.admin)
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-username="aaron"' in html and "Auditor" in html
    shown = {a.username: a for a in response.context["accounts"]}
    assert shown["aaron"].mfa_enrolled and not shown["rita"].mfa_enrolled
    assert client.get(reverse("accounts:detail", args=[people.reporter.pk])).status_code == 200
    assert "<script" not in html.split("</header>")[1].split("<footer")[0]


@pytest.mark.parametrize("role", ["reporter", "investigator", "supervisor", "release_officer", "auditor"])
def test_only_administrators_open_the_accounts_page(people, client, role):
    sign_in_verified(client, getattr(people, role))
    assert client.get(reverse("accounts:list")).status_code == 403
    assert client.post(reverse("accounts:roles", args=[people.reporter.pk]), {"roles-roles": ["auditor"]}).status_code == 403
    assert not RoleGrantRequest.objects.exists()


def test_an_administrator_creates_an_account_whose_roles_wait_for_a_second_one(people, second_admin, client):
    sign_in_verified(client, people.admin)
    odd = client.post(reverse("accounts:new"), {"username": "dana smith!", "password": "a long enough passphrase 42"})
    assert odd.status_code == 400 and odd.context["new_form"].errors["username"]
    weak = client.post(reverse("accounts:new"), {"username": "dana", "password": "short", "roles": ["investigator"]})
    assert weak.status_code == 400 and weak.context["new_form"].errors["password"]
    assert not User.objects.filter(username="dana").exists()
    response = client.post(reverse("accounts:new"), {"username": "dana", "first_name": "Dana", "password": "a long enough passphrase 42",
                                                     "roles": ["investigator"]})
    dana = User.objects.get(username="dana")
    assert response.status_code == 302 and roles_of(dana) == frozenset() and dana.check_password("a long enough passphrase 42")
    assert _events("user.created", dana).get().actor == people.admin
    grant = RoleGrantRequest.objects.get(user=dana)

    page = client.get(reverse("accounts:list")).content.decode()
    assert "Another administrator confirms this." in page
    assert client.post(reverse("accounts:grant-confirm", args=[grant.pk])).status_code == 403
    assert roles_of(_fresh(dana)) == frozenset()

    sign_in_verified(client, second_admin)
    assert 'action="%s"' % reverse("accounts:grant-confirm", args=[grant.pk]) in client.get(reverse("accounts:list")).content.decode()
    assert client.post(reverse("accounts:grant-confirm", args=[grant.pk]), {"next": "list"}).status_code == 302
    assert roles_of(_fresh(dana)) == {Role.INVESTIGATOR}


def test_the_roles_form_removes_at_once_asks_for_additions_and_refuses_ones_own(people, client):
    sign_in_verified(client, people.admin)
    url = reverse("accounts:roles", args=[people.supervisor.pk])
    assert client.post(url, {"roles-roles": ["release_officer"], "roles-reason": "Moved to records."}).status_code == 302
    assert roles_of(_fresh(people.supervisor)) == frozenset()
    assert RoleGrantRequest.objects.get(user=people.supervisor).role == "release_officer"
    own = client.post(reverse("accounts:roles", args=[people.admin.pk]), {"roles-roles": ["admin", "auditor"]})
    assert own.status_code == 403 and "own account" in own.content.decode()
    assert client.post(url, {"roles-roles": ["wizard"]}).status_code == 400


def test_the_page_deactivates_resets_mfa_and_revokes_tokens(people, client):
    TOTPDevice.objects.create(user=people.reporter, name="phone", confirmed=True)
    Token.objects.create(user=people.reporter)
    sign_in_verified(client, people.admin)
    assert client.post(reverse("accounts:mfa-reset", args=[people.reporter.pk])).status_code == 302
    assert client.post(reverse("accounts:tokens-revoke", args=[people.reporter.pk])).status_code == 302
    assert client.post(reverse("accounts:active", args=[people.reporter.pk]), {"active": "0"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=people.reporter).exists() and not Token.objects.filter(user=people.reporter).exists()
    assert not _fresh(people.reporter).is_active
    assert client.post(reverse("accounts:active", args=[people.admin.pk]), {"active": "0"}).status_code == 403
    assert _fresh(people.admin).is_active
    assert client.get(reverse("accounts:detail", args=[999999])).status_code == 404


def test_the_console_still_gives_roles_at_once(people):
    accounts.set_roles(user=people.supervisor, roles=[Role.SUPERVISOR, Role.RELEASE_OFFICER], acting_user=None)
    assert roles_of(_fresh(people.supervisor)) == {Role.SUPERVISOR, Role.RELEASE_OFFICER}
    assert _events("user.roles_changed", people.supervisor).get().actor is None


def test_the_demo_has_a_second_administrator_to_confirm_roles(role_groups):
    from portal.demo import SECOND_ADMIN, ensure_demo_users

    ensure_demo_users("demo password 123")
    ensure_demo_users("demo password 123")
    assert roles_of(User.objects.get(username=SECOND_ADMIN)) == {Role.ADMIN}
