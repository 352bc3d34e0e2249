"""Footage of a draft incident: its reporter's alone. Apart from tests/footage/test_access.py,
whose footage is made once for all its tests and would be the reporter's too."""

from __future__ import annotations

import pytest

from footage.access import visible_footage
from tests.factories.footage import make_footage
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


def test_footage_of_a_draft_is_its_reporters_alone(people, client):
    from tests.factories.incidents import make_incident

    draft = make_incident(reporter=people.reporter)
    footage = make_footage(incident=draft, uploaded_by=people.reporter, seconds=1, size=(320, 180), process=False)
    assert list(visible_footage(people.reporter)) == [footage]
    for who in ("supervisor", "auditor", "release_officer", "investigator"):
        sign_in_verified(client, getattr(people, who))
        assert client.get(f"/staff/footage/{footage.pk}/").status_code == 404, who
