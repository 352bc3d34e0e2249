import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from portal.accounts import create_user_with_role
from portal.roles import Role

pytestmark = pytest.mark.django_db


def test_it_refuses_a_password_built_from_the_username(role_groups):
    with pytest.raises(ValidationError) as refused:
        create_user_with_role(username="weakuser1", role=Role.REPORTER, password="weakuser1weakuser1")
    assert "must not contain the username" in " ".join(refused.value.messages)


@pytest.mark.parametrize("password", ["short-pass1", "password1234", "123456789012345"])
def test_it_refuses_short_common_and_numeric_passwords(role_groups, password):
    with pytest.raises(ValidationError):
        create_user_with_role(username="rita", role=Role.REPORTER, password=password)


def test_it_accepts_a_long_unrelated_password(role_groups):
    user = create_user_with_role(username="rita", role=Role.REPORTER, password="violet tram harbour 1987")
    assert user.check_password("violet tram harbour 1987")


def test_the_create_role_user_command_refuses_a_weak_password(role_groups, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "weakuser1weakuser1")
    with pytest.raises(CommandError, match="username"):
        call_command("create_role_user", "weakuser1", "reporter", "--password-env", "NEW_PASSWORD")
