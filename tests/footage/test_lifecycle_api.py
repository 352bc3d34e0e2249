"""The lifecycle in the API: the same rules and messages as the services, documented 4xx bodies,
and every endpoint refuses the roles that may not use it."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from footage.models import DeletionBatchState, LegalHold
from tests.factories.footage import make_footage
from tests.footage.lifecycle_helpers import expired_footage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path_factory):
    from releases.signing import generate_key_file

    path = tmp_path_factory.mktemp("package-key") / "key.pem"
    generate_key_file(path)
    settings.RELEASE_SIGNING_KEY = str(path)


ALL = ("reporter", "investigator", "supervisor", "release_officer", "auditor", "admin")


def statuses(api_client, people, method, url, data=None, fmt="json"):
    out = {}
    for role in ALL:
        client = api_client(getattr(people, role))
        response = getattr(client, method)(url, data, format=fmt) if data is not None else getattr(client, method)(url)
        assert response.status_code != 500
        if response.status_code in (400, 403, 404):
            assert "detail" in response.json()
        out[role] = response.status_code
    return out


def test_the_schedule_is_read_by_those_who_use_it_and_set_by_administrators(api_client, people):
    assert statuses(api_client, people, "get", "/api/retention/schedule/") == {
        "reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 200, "admin": 200}
    refused = statuses(api_client, people, "put", "/api/retention/schedule/category/other/", {"days": 400})
    assert refused == {"reporter": 403, "investigator": 403, "supervisor": 403, "release_officer": 403, "auditor": 403, "admin": 200}
    bad = api_client(people.admin).put("/api/retention/schedule/category/other/", {"days": "forever"}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()["detail"]
    rows = api_client(people.admin).get("/api/retention/schedule/").json()
    assert {"scope": "category", "key": "other", "label": "Other", "days": 400, "is_default": False} in rows


def test_what_falls_due_is_for_supervisors_and_records_officers(api_client, people):
    item = expired_footage(people, process=False)
    result = statuses(api_client, people, "get", "/api/retention/due/")
    assert result == {"reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 403, "admin": 403}
    assert [row["footage"] for row in api_client(people.supervisor).get("/api/retention/due/").json()] == [item.pk]


def test_holds_are_placed_and_lifted_by_supervisors_only(api_client, people, case):
    body = {"incident": case.pk, "reason": "Grand jury", "matter_reference": "GJ-2026-4"}
    result = statuses(api_client, people, "post", "/api/holds/", body)
    assert result["supervisor"] == 201
    assert {role: code for role, code in result.items() if role != "supervisor"} == {
        "reporter": 403, "investigator": 403, "release_officer": 403, "auditor": 403, "admin": 403}
    missing = api_client(people.supervisor).post("/api/holds/", {**body, "matter_reference": ""}, format="json")
    assert missing.status_code == 400 and missing.json()["detail"].startswith("Give the matter reference")

    hold = LegalHold.objects.get()
    lift = statuses(api_client, people, "post", f"/api/holds/{hold.pk}/lift/", {"reason": "No indictment"})
    assert lift["supervisor"] == 200 and all(code in (403, 404) for role, code in lift.items() if role != "supervisor")
    assert statuses(api_client, people, "get", "/api/holds/") == {
        "reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 200, "admin": 403}


def test_deletion_is_listed_by_supervisors_and_approved_by_records_officers(api_client, people, django_capture_on_commit_callbacks):
    item = expired_footage(people, process=False)
    proposed = api_client(people.supervisor).post("/api/deletion-batches/")
    assert proposed.status_code == 201
    batch_id = proposed.json()["id"]
    for role in ("reporter", "investigator", "supervisor", "auditor", "admin"):
        assert api_client(getattr(people, role)).post(f"/api/deletion-batches/{batch_id}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approved = api_client(people.release_officer).post(f"/api/deletion-batches/{batch_id}/approve/")
    assert approved.status_code == 200
    batch = api_client(people.release_officer).get("/api/deletion-batches/").json()[0]
    assert batch["state"] == DeletionBatchState.DONE and batch["items"][0]["state"] == "deleted"
    again = api_client(people.release_officer).post(f"/api/deletion-batches/{batch_id}/approve/")
    assert again.status_code == 400 and "only a waiting batch" in again.json()["detail"]
    item.refresh_from_db()
    assert item.deleted_at is not None


def test_shares_are_made_by_the_cases_investigator_or_a_supervisor(api_client, people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    body = {"incident": case.pk, "items": [item.pk], "recipient_name": "ADA Dana Cole",
            "recipient_email": "dana.cole@da.invalid", "recipient_organisation": "Suffolk County DA"}
    result = statuses(api_client, people, "post", "/api/shares/", body)
    assert result["investigator"] == 201 and result["supervisor"] == 201
    assert all(result[role] in (403, 404) for role in ("reporter", "release_officer", "auditor", "admin"))
    created = api_client(people.investigator).post("/api/shares/", body, format="json").json()
    assert "/share/" in created["link"]
    assert api_client(people.other_investigator).post(f"/api/shares/{created['id']}/revoke/").status_code == 404
    assert api_client(people.supervisor).post(f"/api/shares/{created['id']}/revoke/").status_code == 200


def test_packages_are_for_investigators_supervisors_and_auditors_and_verify_by_upload(api_client, people, case):
    make_footage(incident=case, uploaded_by=people.investigator, process=False)
    result = statuses(api_client, people, "get", f"/api/incidents/{case.pk}/package/")
    assert result == {"reporter": 403, "investigator": 200, "supervisor": 200, "release_officer": 403, "auditor": 200, "admin": 404}
    response = api_client(people.auditor).get(f"/api/incidents/{case.pk}/package/")
    package = b"".join(response.streaming_content)
    report = api_client(people.auditor).post("/api/packages/verify/", {"package": io.BytesIO(package)}, format="multipart")
    assert report.status_code == 200 and report.json()["ok"] is True
    refused = api_client(people.reporter).post("/api/packages/verify/", {"package": io.BytesIO(package)}, format="multipart")
    assert refused.status_code == 403


def test_do_not_disclose_is_set_by_supervisors(api_client, people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    result = statuses(api_client, people, "post", f"/api/footage/{item.pk}/do-not-disclose/", {"value": True, "reason": "Informant"})
    assert result["supervisor"] == 200 and all(code in (403, 404) for role, code in result.items() if role != "supervisor")


def test_the_lifecycle_resources_are_in_the_openapi_schema(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    for expected in ("/api/retention/schedule/", "/api/retention/due/", "/api/holds/", "/api/holds/{id}/lift/",
                     "/api/deletion-batches/", "/api/shares/", "/api/incidents/{incident_id}/package/", "/api/packages/verify/"):
        assert expected in paths
    assert "403" in paths["/api/holds/"]["post"]["responses"]
