import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for expected in ("/api/auth/token/", "/api/incidents/", "/api/footage/{id}/", "/api/releases/", "/api/public/incidents/"):
        assert expected in paths
    # The tus upload endpoints are plain Django views, described by hand.
    assert set(schema["paths"]["/api/uploads/"]) >= {"options", "get", "post"}
    assert set(schema["paths"]["/api/uploads/{upload_id}/"]) >= {"options", "get", "head", "patch", "delete"}
    patch = schema["paths"]["/api/uploads/{upload_id}/"]["patch"]
    assert "application/offset+octet-stream" in patch["requestBody"]["content"]
    assert {"204", "409", "460"} <= set(patch["responses"])


@pytest.mark.django_db
def test_the_browsable_docs_load_their_assets_from_this_server(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "https://" not in page.split("<body", 1)[0]


@pytest.fixture
def openapi(db):
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _allows(openapi, pointer: str, value) -> bool:
    """Whether the schema at `pointer` (e.g. `Incident/properties/outcome`) accepts `value`."""
    import jsonschema

    document = {"$ref": f"#/components/schemas/{pointer}", "components": openapi["components"]}
    return jsonschema.Draft7Validator(document).is_valid(value)


def test_every_error_answer_in_the_schema_says_what_its_body_is(openapi):
    undocumented = [
        f"{method.upper()} {path} {status}"
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        if method not in ("parameters", "head")
        for status, response in operation["responses"].items()
        if status.startswith("4") and "application/json" not in response.get("content", {})
    ]
    assert not undocumented
    body = openapi["paths"]["/api/incidents/{id}/transitions/"]["post"]["responses"]["409"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


def test_staff_operations_document_the_framework_refusals_and_public_ones_do_not(openapi):
    staff = openapi["paths"]["/api/footage/{id}/verify/"]["post"]["responses"]
    assert {"401", "403", "404"} <= set(staff)
    public = openapi["paths"]["/api/public/incidents/"]["get"]["responses"]
    assert {"400", "404"} <= set(public) and not {"401", "403"} & set(public)
    assert "429" in openapi["paths"]["/api/auth/token/"]["post"]["responses"]


def test_a_case_not_yet_closed_and_a_release_not_withheld_have_blank_values_their_schema_allows(openapi):
    assert _allows(openapi, "IncidentSummary/properties/outcome", "")
    assert _allows(openapi, "Incident/properties/outcome", "sustained")
    assert not _allows(openapi, "Incident/properties/outcome", "guilty")
    assert _allows(openapi, "Release/properties/withheld_ground", "")
    assert _allows(openapi, "Release/properties/withheld_ground", "court_order")


def test_notes_and_findings_are_documented_as_the_plain_lists_they_are(openapi, people, api_client):
    from tests.factories.incidents import make_incident_in_state

    for name in ("notes", "findings"):
        documented = openapi["paths"][f"/api/incidents/{{id}}/{name}/"]["get"]["responses"]["200"]
        assert documented["content"]["application/json"]["schema"]["type"] == "array"
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    client = api_client(people.investigator)
    assert client.post(f"/api/incidents/{case.pk}/notes/", {"text": "Spoke to the bakery owner."}, format="json").status_code == 201
    notes = client.get(f"/api/incidents/{case.pk}/notes/").json()
    assert [note["text"] for note in notes] == ["Spoke to the bakery owner."]
    assert client.get(f"/api/incidents/{case.pk}/findings/").json() == []


@pytest.mark.django_db
def test_an_api_url_no_view_matches_answers_with_a_json_404(client):
    for url in ("/api/incidents/not-a-number/", "/api/uploads/not-a-uuid/", "/api/nothing-here/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_a_url_no_view_matches_outside_the_api_is_still_the_sites_own_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
