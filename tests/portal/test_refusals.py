"""One way to say no: a refusal in any app answers the same JSON body (the ErrorResponse of the API's
schema) with the status that fits, and is on the audit trail with its code, status and field."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent
from tests.factories.incidents import make_incident_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def error_response(db):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    document = {"$ref": "#/components/schemas/ErrorResponse", "components": schema["components"]}
    return jsonschema.Draft7Validator(document)


def _case(people, state):
    return make_incident_in_state(state, reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator)


def test_a_case_not_in_a_state_that_allows_the_step_is_a_409_with_the_one_error_body(people, api_client, error_response):
    case = _case(people, "investigation")
    response = api_client(people.supervisor).post(f"/api/incidents/{case.pk}/transitions/", {"action": "start_triage"},
                                                  format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state" and "errors" not in response.json()
    error_response.validate(response.json())
    event = AuditEvent.objects.get(action="incident.start_triage", outcome="refused")
    assert (event.detail["code"], event.detail["status"], event.from_state) == ("wrong_state", 409, "investigation")


def test_bad_input_names_each_field_under_errors_whether_a_service_or_the_framework_refuses_it(
        people, api_client, error_response):
    case = _case(people, "investigation")
    api = api_client(people.supervisor)
    refused = api.post(f"/api/incidents/{case.pk}/transitions/", {"action": "close"}, format="json")
    invalid = api.post("/api/incidents/", {"agent_count": "many"}, format="json")
    for response, field in ((refused, "outcome"), (invalid, "agent_count")):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid" and field in response.json()["errors"]
        error_response.validate(response.json())
    event = AuditEvent.objects.get(action="incident.close", outcome="refused")
    assert (event.detail["code"], event.detail["status"]) == ("invalid", 400)


def test_the_frameworks_own_refusals_carry_a_code_too(people, api_client, error_response):
    case = _case(people, "investigation")
    answers = {
        401: api_client().get("/api/incidents/"),
        403: api_client(people.reporter).get("/api/audit/events/"),
        404: api_client(people.other_reporter).get(f"/api/incidents/{case.pk}/"),
        405: api_client(people.supervisor).delete("/api/incidents/"),
    }
    for status, response in answers.items():
        assert response.status_code == status
        error_response.validate(response.json())
    assert answers[401].json()["code"] == "not_authenticated" and answers[404].json()["code"] == "not_found"
    missing = api_client(people.supervisor).get("/api/releases/999999/")  # a view's Http404
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    error_response.validate(missing.json())


def test_an_account_refusal_is_on_the_trail_through_the_same_helper(people):
    from portal import accounts
    from portal.roles import Role

    with pytest.raises(accounts.AccountRefused) as refused:
        accounts.set_roles(user=people.admin, roles=[Role.AUDITOR], acting_user=people.admin)
    assert refused.value.status == 403 and refused.value.as_json()["code"] == "forbidden"
    event = AuditEvent.objects.get(action="user.roles_changed", outcome="refused")
    assert (event.detail["code"], event.detail["status"], event.reason) == ("forbidden", 403, refused.value.message)


def test_reading_the_audit_trail_without_the_role_is_refused_and_audited_like_any_refusal(people, api_client, client):
    from django.urls import reverse

    from tests.personas import sign_in_verified

    response = api_client(people.reporter).get("/api/audit/events/")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    sign_in_verified(client, people.reporter)
    assert client.get(reverse("audit")).status_code == 403
    events = AuditEvent.objects.filter(action="audit.viewed", outcome="refused").order_by("id")
    assert [(e.detail["code"], e.detail["status"], e.detail.get("via")) for e in events] == [
        ("forbidden", 403, "api"), ("forbidden", 403, None)]
