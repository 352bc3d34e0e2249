"""Response headers: a strict Content-Security-Policy on every kind of page (and no inline script
in any template for it to refuse), and `Cache-Control: no-store` on everything that is not public."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.roles import Role
from tests.browser import sign_in, watch_csp_violations
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified
from tests.public.conftest import make_canary_incident, release_footage, second_officer, signing_key, staff  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]

SCRIPT_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Everything in `html` a strict policy would refuse: script bodies (JSON data blocks are not
    run, so they are fine), event-handler and style attributes, <style> blocks, javascript: URLs."""
    found = []
    for attrs, body in SCRIPT_BLOCK.findall(html):
        is_data = re.search(r"""type\s*=\s*["']application/(ld\+)?json["']""", attrs, re.IGNORECASE)
        if body.strip() and not is_data:
            found.append(f"<script{attrs}>{body.strip()[:60]}")
    for pattern in (EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_BLOCK, JAVASCRIPT_URL):
        found += [match.group(0)[-80:] for match in pattern.finditer(html)]
    return found


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_policy(response) -> None:
    directives = policy(response)
    path = response.wsgi_request.path
    assert directives["script-src"] == ["'self'"], path
    assert directives["style-src"] == ["'self'"], path
    for values in directives.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, path
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["media-src"] == ["'self'", "blob:"]


def html_of(response) -> str:
    assert response.status_code in (200, 404), (response.wsgi_request.path, response.status_code)
    return response.content.decode()


# ---- the policy on every kind of page ---------------------------------------------------------

def test_every_template_is_free_of_inline_script_handlers_and_styles():
    offences = {}
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            found = inline_code(template.read_text())
            if found:
                offences[str(template.relative_to(ROOT))] = found
    assert not offences, offences


@pytest.mark.django_db
def test_public_pages_carry_a_strict_policy_and_no_inline_code(client, staff):
    incident = make_canary_incident(staff, tag="h1", publish=True)
    for path in ["/", "/incidents/", f"/incidents/{incident.reference}/", "/statistics/", "/open-data/",
                 "/your-rights/", "/verify/", "/no-such-page/", "/accounts/login/"]:
        response = client.get(path)
        assert_strict_policy(response)
        assert inline_code(html_of(response)) == [], path


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_roles_staff_pages_carry_a_strict_policy_and_no_inline_code(client, make_user, role):
    sign_in_verified(client, make_user(role))
    paths = ["/staff/", "/staff/incidents/", "/staff/footage/", "/staff/releases/"]
    if role == Role.ADMIN:
        paths.append("/admin/")
    for path in paths:
        response = client.get(path)
        if response.status_code == 403:
            continue  # a role without that area still gets the policy on its refusal
        assert_strict_policy(response)
        assert inline_code(html_of(response)) == [], path


@pytest.mark.django_db
def test_the_case_and_footage_pages_carry_a_strict_policy_and_no_inline_code(client, people):
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    sign_in_verified(client, people.investigator)
    for path in [f"/staff/incidents/{case.pk}/", "/staff/footage/upload/", f"/staff/footage/{item.pk}/"]:
        response = client.get(path)
        assert_strict_policy(response)
        assert inline_code(html_of(response)) == [], path


@pytest.mark.django_db
def test_the_api_docs_load_their_init_script_from_the_site_not_inline(client):
    response = client.get("/api/docs/")
    assert_strict_policy(response)
    html = html_of(response)
    assert inline_code(html) == []
    script_urls = re.findall(r'<script src="([^"]+)"', html)
    init = client.get(script_urls[-1].replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in init.content


def test_the_map_tile_server_is_the_one_outside_host_images_may_come_from():
    import importlib
    import os

    import portal.settings as portal_settings

    os.environ["PUBLIC_MAP_TILE_URL"] = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    try:
        img_src = importlib.reload(portal_settings).CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    finally:
        del os.environ["PUBLIC_MAP_TILE_URL"]
        importlib.reload(portal_settings)
    assert img_src == ["'self'", "data:", "https://*.tiles.example.org"]



# ---- Cache-Control ------------------------------------------------------------------------------

def assert_not_stored(response) -> None:
    cache_control = {part.strip().split("=")[0]: part.strip() for part in response.get("Cache-Control", "").split(",")}
    path = response.wsgi_request.path if hasattr(response, "wsgi_request") else ""
    assert "no-store" in cache_control, (path, response.get("Cache-Control"))
    assert "public" not in cache_control, path
    assert cache_control.get("max-age", "max-age=0") == "max-age=0", (path, response.get("Cache-Control"))


@pytest.fixture
def item(people):
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    return make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))


@pytest.mark.django_db
def test_staff_pages_and_the_sign_in_page_are_not_stored(client, people, item):
    assert_not_stored(client.get("/accounts/login/"))
    assert_not_stored(client.get("/staff/"))  # the redirect to sign in, too
    sign_in_verified(client, people.investigator)
    for path in ["/staff/", "/staff/incidents/", f"/staff/incidents/{item.incident_id}/", f"/staff/footage/{item.pk}/",
                 f"/staff/footage/{item.pk}/jobs/", "/staff/releases/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_not_stored(response)


@pytest.mark.django_db
def test_api_responses_are_not_stored(api_client, people, item):
    api = api_client(people.investigator)
    for path in ["/api/incidents/", f"/api/incidents/{item.incident_id}/", f"/api/footage/{item.pk}/",
                 f"/api/footage/{item.pk}/custody/", "/api/releases/", "/api/schema/", "/api/docs/"]:
        response = api.get(path)
        assert response.status_code == 200, path
        assert_not_stored(response)
    assert_not_stored(api_client().get("/api/incidents/"))  # the refusal too


@pytest.mark.django_db
def test_evidence_downloads_proxy_streams_and_frames_are_not_stored(client, api_client, people, item):
    sign_in_verified(client, people.investigator)
    for response in [
        client.get(f"/staff/footage/{item.pk}/original/"),
        api_client(people.investigator).get(f"/api/footage/{item.pk}/original/"),
        client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE="bytes=0-99"),
        client.get(f"/staff/footage/{item.pk}/poster.jpg"),
        client.get(f"/staff/footage/{item.pk}/strip.jpg"),
        client.get(f"/staff/footage/{item.pk}/custody.csv"),
    ]:
        assert response.status_code in (200, 206), response.wsgi_request.path
        assert_not_stored(response)


@pytest.mark.django_db
def test_public_pages_keep_their_public_caching(client, staff):
    incident = make_canary_incident(staff, tag="h2", publish=True)
    for path in ["/", "/incidents/", f"/incidents/{incident.reference}/", "/api/public/incidents/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.get("Cache-Control", ""), path
        assert "public" in response["Cache-Control"], path


# ---- in the browser: nothing the pages need is refused ------------------------------------------

@pytest.fixture
def with_video(staff, signing_key, second_officer):  # noqa: F811
    incident = make_canary_incident(staff, tag="h3", publish=True)
    release = release_footage(incident, staff, approver=second_officer)
    return incident, release


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_work_in_chromium_without_a_single_csp_violation(page, live_server, with_video, people):
    violations = watch_csp_violations(page)
    incident, _ = with_video
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/incidents/")
    page.wait_for_selector("#incident-map[data-ready='true']")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    page.wait_for_selector(".video-js.vjs-paused")
    assert page.locator(".video-js").bounding_box()["height"] > 100  # sized by portal.css, not injected styles
    page.goto(f"{live_server.url}/verify/")

    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    sign_in(page, live_server.url, people.investigator.username)
    page.goto(f"{live_server.url}/staff/incidents/{case.pk}/")
    page.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")
    page.goto(f"{live_server.url}/staff/footage/{item.pk}/")
    page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').readyState >= 1")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")
    page.goto(f"{live_server.url}/admin/login/")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_policy_refuses_an_injected_inline_script_and_the_watcher_sees_it(page, live_server):
    violations = watch_csp_violations(page)
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true;";
        document.head.appendChild(script);
    }""")
    assert page.evaluate("() => window.injected") is None
    page.wait_for_function("() => true")
    assert len(violations) == 1 and "script-src" in violations[0]
    violations.clear()  # this one was on purpose
