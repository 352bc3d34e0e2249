"""The release API's answers to bad input: a 400 with the field at fault, and nothing written."""

from __future__ import annotations

import pytest

from releases.models import Release
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)


@pytest.mark.parametrize("field", ["reason", "mode"])
def test_text_with_a_nul_character_is_a_bad_request_not_a_crash(people, footage, api_client, field):
    body = {"footage": footage.pk, "mode": "blur", "reason": "Public interest."}
    body[field] = "bl\x00ur"
    response = api_client(people.investigator).post("/api/releases/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Release.objects.filter(footage=footage).exists()


def test_a_refused_request_answers_the_one_error_body_and_is_on_the_trail_with_its_code_status_and_field(
        people, footage, api_client):
    from portal.models import AuditEvent

    response = api_client(people.investigator).post("/api/releases/", {"footage": footage.pk, "mode": "mosaic"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Choose heavy blur or solid fill.", "code": "bad_mode",
                               "errors": {"mode": ["Choose heavy blur or solid fill."]}}
    event = AuditEvent.objects.get(action="release.request", outcome="refused")
    assert (event.detail["code"], event.detail["status"], event.detail["field"]) == ("bad_mode", 400, "mode")


@pytest.mark.django_db
def test_withholding_through_the_api_records_the_review_date_or_names_the_field_at_fault(people, in_review, api_client):
    from datetime import timedelta

    from django.utils import timezone

    client = api_client(people.officer)
    url = f"/api/releases/{in_review.pk}/transitions/"
    bad = client.post(url, {"action": "withhold", "ground": "court_order", "review_on": "next spring"}, format="json")
    assert bad.status_code == 400 and "review_on" in bad.json()["errors"]
    review_on = timezone.localdate() + timedelta(days=60)
    done = client.post(url, {"action": "withhold", "ground": "court_order", "review_on": review_on.isoformat()}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == "withheld" and done.json()["withheld_review_on"] == review_on.isoformat()
