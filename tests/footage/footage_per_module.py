"""The footage tests' case and one processed clip in it (`item`), made once for a module whose tests
all start from them (tests/module_data.py), instead of once per test. A module opts in by importing
both names beside the cast:

    from tests.footage.footage_per_module import _footage_of_the_module, item  # noqa: F401
    from tests.people_per_module import people  # noqa: F401

Each test gets its own copy, and whatever it changes in the database is rolled back; a test that
changes the clip's file needs footage of its own.
"""

from __future__ import annotations

import pytest

from tests.module_data import copy_for_a_test, made_once


@pytest.fixture(scope="module")
def _footage_of_the_module(_cast_of_the_module, django_db_blocker):
    from tests.factories.footage import make_footage
    from tests.factories.incidents import make_incident_in_state

    cast = _cast_of_the_module

    def build():
        # As tests/footage/conftest.py's `case`: Rita filed it, Ivan investigates, Sofia supervises.
        case = make_incident_in_state("investigation", reporter=cast.reporter, supervisor=cast.supervisor,
                                      investigator=cast.investigator)
        return make_footage(incident=case, uploaded_by=cast.reporter, seconds=1, size=(320, 180))

    yield from made_once(django_db_blocker, build)


@pytest.fixture
def item(people, _footage_of_the_module):
    return copy_for_a_test(_footage_of_the_module)
