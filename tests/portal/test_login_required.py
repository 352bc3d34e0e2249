"""Signing in is the default: Django's LoginRequiredMiddleware sends an anonymous visitor of any
view to the sign-in page unless the view is marked public (`login_not_required`), so a page added
anywhere, under /staff/ or not, is closed until someone decides it is public."""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db


def _unmarked(request):
    return HttpResponse("private")


@login_not_required
def _marked(request):
    return HttpResponse("public")


urlpatterns = [
    path("somewhere-new/", _unmarked),
    path("somewhere-public/", _marked),
    path("", include("portal.urls")),
]


PUBLIC = [
    "/", "/incidents/", "/statistics/", "/open-data/", "/open-data/incidents.csv", "/your-rights/", "/verify/", "/robots.txt",
    "/feeds/releases.atom", "/sitemap.xml", "/log/", "/log/sth", "/audit/checkpoints/", "/audit/checkpoints.json",
    "/.well-known/release-signing-key.pem", "/healthz/", "/accounts/login/", "/api/public/incidents/",
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_anywhere_needs_sign_in_unless_marked_public_as_the_public_site_is(client):
    response = client.get("/somewhere-new/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/somewhere-new/"
    assert client.get("/somewhere-public/").content == b"public"
    for url in PUBLIC:
        response = client.get(url)
        assert not (response.status_code == 302 and response["Location"].startswith("/accounts/login/")), url
    # The API and the tus uploads answer for themselves, with a 401 a program understands.
    assert client.get("/api/incidents/").status_code == 401
    assert client.post("/api/uploads/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10").status_code == 401
