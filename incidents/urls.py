"""Staff pages for incidents (mounted at /staff/incidents/)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("export.csv", views.incident_export, name="export"),
    # The audit trail moved to /staff/audit/ (portal, beside the audit model); old links still arrive.
    path("audit/", RedirectView.as_view(pattern_name="audit", query_string=True, permanent=True)),
    path("audit/export.csv", RedirectView.as_view(pattern_name="audit-export", query_string=True, permanent=True)),
    path("audit/verify/", RedirectView.as_view(pattern_name="audit-verify", query_string=True, permanent=True)),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/transition/", views.incident_transition, name="transition"),
    path("<int:pk>/findings/", views.incident_findings, name="findings"),
    path("<int:pk>/assign/", views.incident_assign, name="assign"),
    path("<int:pk>/notes/", views.incident_note, name="notes"),
    path("<int:pk>/public-summary/", views.incident_public_summary, name="public-summary"),
    path("<int:pk>/publish/", views.incident_publish, name="publish"),
]
