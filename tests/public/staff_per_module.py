"""The public tests' staff (tests/public/conftest.py's `staff`) made once for a module whose tests
all start from the same accounts (tests/module_data.py), instead of once per test. A module opts in
by importing both fixtures:

    from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

Each test gets its own copy of the same accounts, and whatever it changes is rolled back. A test
of such a module that does not ask for `staff` still finds the accounts in the database: opt in
only where no such test counts or lists staff accounts (public pages never show them).
"""

from __future__ import annotations

import pytest

from tests.module_data import copy_for_a_test, made_once


@pytest.fixture(scope="module")
def _staff_of_the_module(django_db_setup, django_db_blocker):
    def build():
        from tests.factories.accounts import ensure_role_groups, make_user
        from tests.public.conftest import make_staff

        ensure_role_groups()
        return make_staff(make_user)

    yield from made_once(django_db_blocker, build)


@pytest.fixture
def staff(_staff_of_the_module, db):
    return copy_for_a_test(_staff_of_the_module)
