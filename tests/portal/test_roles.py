import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from portal.roles import Role, has_role, roles_of
from tests.demo_clips import _demo_clips_made_once  # noqa: F401 (autouse: the demo clips made once per run)

pytestmark = pytest.mark.django_db


def test_a_migration_creates_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_the_admin_group_manages_users_but_has_no_evidence_permissions():
    perms = set(Group.objects.get(name="admin").permissions.values_list("content_type__app_label", "codename"))
    assert ("auth", "add_user") in perms and ("auth", "change_user") in perms
    assert not {app for app, _ in perms} & {"incidents", "footage"}


def test_the_auditor_group_reads_the_audit_trail():
    perms = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert {"view_audit_trail", "export_audit_trail"} <= perms


def test_the_command_creates_a_user_with_a_role(monkeypatch, capsys):
    monkeypatch.setenv("NEW_PASSWORD", "a long enough passphrase 42")
    call_command("create_role_user", "dana", "investigator", "--password-env", "NEW_PASSWORD", "--email", "d@city.invalid")
    user = User.objects.get(username="dana")
    assert roles_of(user) == {Role.INVESTIGATOR}
    assert user.check_password("a long enough passphrase 42")
    assert not user.is_staff and not user.is_superuser


def test_the_command_generates_and_prints_a_password(capsys):
    call_command("create_role_user", "adm", "admin", "--generate-password")
    out = capsys.readouterr().out
    password = out.split("Password: ")[1].strip()
    user = User.objects.get(username="adm")
    assert user.check_password(password) and user.is_staff and not user.is_superuser


def test_the_command_refuses_a_weak_password_and_a_duplicate(monkeypatch):
    monkeypatch.setenv("WEAK", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_role_user", "weak", "reporter", "--password-env", "WEAK")
    assert not User.objects.filter(username="weak").exists()
    monkeypatch.setenv("OK", "a long enough passphrase 42")
    call_command("create_role_user", "twice", "reporter", "--password-env", "OK")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_role_user", "twice", "reporter", "--password-env", "OK")


def test_roles_of_ignores_inactive_users(make_user):
    user = make_user(Role.SUPERVISOR)
    assert has_role(user, Role.SUPERVISOR)
    user.is_active = False
    assert roles_of(user) == frozenset()


def test_demo_data_creates_one_user_per_role_and_is_idempotent(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo_data")
    call_command("load_demo_data")
    for role, name in {"reporter": "reporter", "investigator": "investigator", "supervisor": "supervisor",
                       "release_officer": "release", "auditor": "auditor", "admin": "admin"}.items():
        user = User.objects.get(username=name)
        assert roles_of(user) == {Role(role)}
        assert user.check_password("demo-password-for-tests")
