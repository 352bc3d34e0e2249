"""A case for the footage tests (the cast is in tests/conftest.py): Rita filed it, Ivan investigates it;
Rob (another reporter) and Iris (another investigator) have nothing to do with it."""

from __future__ import annotations

import pytest

from tests.factories.incidents import make_incident_in_state


@pytest.fixture
def case(people):
    """An incident under investigation: Rita reported it, Ivan is assigned, Sofia supervises."""
    return make_incident_in_state(
        "investigation", reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator
    )
