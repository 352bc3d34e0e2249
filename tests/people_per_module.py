"""The usual cast (tests/conftest.py's `people`) made once for a module whose tests all use it
(tests/module_data.py), instead of once per test. A module opts in by importing it:

    from tests.people_per_module import people  # noqa: F401 (made once for the module)

Each test gets its own copy of the same accounts, and whatever it changes is rolled back.
"""

from __future__ import annotations

import pytest

from tests.module_data import copy_for_a_test, made_once

# Fixtures that reach the database: a test of an opted-in module that used one of them without
# `people` would still see the cast.
USES_THE_DATABASE = {"db", "transactional_db", "live_server", "make_user", "client", "api_client"}


@pytest.fixture(scope="module")
def _cast_of_the_module(request, django_db_setup, django_db_blocker):
    for item in request.session.items:
        if getattr(item, "module", None) is request.module and "people" not in item.fixturenames \
                and USES_THE_DATABASE & set(item.fixturenames):
            pytest.fail(f"{item.nodeid} uses the database without `people`, which its module makes once for all its tests")

    def build():
        from tests.factories.accounts import ensure_role_groups, make_cast

        ensure_role_groups()
        return make_cast()

    yield from made_once(django_db_blocker, build)


@pytest.fixture
def people(_cast_of_the_module, db):
    return copy_for_a_test(_cast_of_the_module)
