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
