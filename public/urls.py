"""The public site (mounted at the root)."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from releases.public_views import release_captions, release_manifest, release_signing_public_key

from . import api, exports, files, verify, views
from .caching import public_cache
from .feeds import ReleasesFeed
from .sitemaps import SITEMAPS

app_name = "public"

incident_list_api = public_cache(api.PublicIncidentViewSet.as_view({"get": "list"}))
incident_detail_api = public_cache(api.PublicIncidentViewSet.as_view({"get": "retrieve"}))

urlpatterns = [
    path("language/", views.choose_language, name="choose-language"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident-detail"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<slug:chart_id>.csv", views.statistics_csv, name="statistics-csv"),
    path("your-rights/", views.rights, name="rights"),
    path("open-data/", views.open_data, name="open-data"),
    path("open-data/dictionary/", views.data_dictionary, name="data-dictionary"),
    path("open-data/incidents.csv", exports.incidents_csv, name="export-csv"),
    path("open-data/incidents.json", exports.incidents_json, name="export-json"),
    path("open-data/incidents.geojson", exports.incidents_geojson, name="export-geojson"),
    path("feeds/releases.atom", public_cache(ReleasesFeed()), name="feed-releases"),
    path("sitemap.xml", public_cache(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("verify/", verify.verify, name="verify"),
    path("files/<int:release_id>/<str:filename>", files.release_file, name="release-file"),
    path(".well-known/release-signing-key.pem", release_signing_public_key, name="signing-key"),
    path("releases/<int:pk>/manifest.json", release_manifest, name="release-manifest"),
    path("releases/<int:pk>/captions.vtt", release_captions, name="release-captions"),
    path("api/public/incidents/", incident_list_api, name="api-incident-list"),
    path("api/public/incidents/<str:reference>/", incident_detail_api, name="api-incident-detail"),
]
