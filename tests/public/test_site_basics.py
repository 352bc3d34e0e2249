"""The small things a public site has: a favicon, robots.txt that keeps crawlers off staff
paths, Atom entries with full-URL ids, a sitemap of every public page, and a /verify/ page that
finds a release from the file or its fingerprint alone."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.public.conftest import make_canary_incident, release_footage
from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def test_there_is_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").content.decode()


def test_robots_txt_keeps_crawlers_off_staff_paths_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for path in ("/staff/", "/admin/", "/accounts/", "/api/"):
        assert f"Disallow: {path}\n" in text
    assert "Allow: /api/public/\n" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_atom_entry_ids_are_full_urls(client, staff):
    incident = make_canary_incident(staff, tag="f1", publish=True)
    feed = client.get("/feeds/releases.atom").content.decode()
    ids = re.findall(r"<entry>.*?<id>(.*?)</id>", feed, flags=re.S)
    assert ids == [f"http://testserver/incidents/{incident.reference}/"]


def test_the_sitemap_lists_every_public_page(client, staff):
    incident = make_canary_incident(staff, tag="f2", publish=True)
    sitemap = client.get("/sitemap.xml").content.decode()
    for path in ("/", "/incidents/", "/statistics/", "/open-data/", "/open-data/dictionary/", "/your-rights/", "/verify/",
                 f"/incidents/{incident.reference}/"):
        assert f"<loc>http://testserver{path}</loc>" in sitemap, path


@pytest.fixture
def published(staff, signing_key, second_officer):
    incident = make_canary_incident(staff, tag="f3", publish=True)
    return release_footage(incident, staff, approver=second_officer)


def test_verify_finds_the_release_from_the_file_alone(client, published):
    from releases.publication import public_file_name

    content = published.release_file.open("rb").read()
    response = client.post("/verify/", {"file": SimpleUploadedFile("my-copy.mp4", content)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "It matches" in page and public_file_name(published) in page


def test_verify_finds_the_release_from_the_fingerprint_alone(client, published):
    page = client.post("/verify/", {"sha256": published.release_sha256.upper()}).content.decode()
    assert "It matches" in page
    unknown = client.post("/verify/", {"sha256": "0" * 64}).content.decode()
    assert "It does not match" in unknown and "No file the city released has this fingerprint." in unknown


def test_verify_names_files_as_the_download_does(client, published):
    from releases.publication import public_file_name

    page = client.get("/verify/").content.decode()
    assert f">{public_file_name(published)}</option>" in page
