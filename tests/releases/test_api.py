"""The release API's answers to bad input: a 400 with the field at fault, and nothing written."""

from __future__ import annotations

import pytest

from releases.models import Release


@pytest.mark.parametrize("field", ["reason", "mode"])
def test_text_with_a_nul_character_is_a_bad_request_not_a_crash(people, footage, api_client, field):
    body = {"footage": footage.pk, "mode": "blur", "reason": "Public interest."}
    body[field] = "bl\x00ur"
    response = api_client(people.investigator).post("/api/releases/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Release.objects.filter(footage=footage).exists()
