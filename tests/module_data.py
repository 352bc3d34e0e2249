"""Data a test module builds once and each of its tests starts from: Django's `setUpTestData`, for
pytest fixtures.

A module-scoped fixture makes the data, through the same factories, inside an outer transaction;
each test's own transaction (pytest-django's `db`) is then a savepoint inside it, so whatever a
test changes is rolled back to the data as it was made, and the whole is rolled back when the
module ends. Each test gets its own deep copy of the Python objects (as `setUpTestData` does), so a
test that changes one in memory cannot reach the next. Only for modules whose tests all start from
the same data and none of which commits (`transactional_db`, `live_server`): a test of those would
run inside the outer transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

# What the per-test autouse fixtures in tests/conftest.py give each test, for data made before any
# test starts.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def made_once(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a module-scoped fixture: `yield from made_once(django_db_blocker, build)`."""
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings
    from django.utils import translation

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Marked as Django's test cases mark theirs, so a durable block inside a test still nests.
        outer._from_testcase = True
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS), \
                translation.override(settings.LANGUAGE_CODE):
            data = build()
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def copy_for_a_test(data: Any) -> Any:
    """One deep copy of everything at once, so objects that referred to each other still do."""
    return copy.deepcopy(data)
