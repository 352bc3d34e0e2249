"""Staff pages for incidents (mounted at /staff/incidents/)."""

from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("export.csv", views.incident_export, name="export"),
    path("audit/", views.audit_trail, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/transition/", views.incident_transition, name="transition"),
    path("<int:pk>/findings/", views.incident_findings, name="findings"),
    path("<int:pk>/assign/", views.incident_assign, name="assign"),
    path("<int:pk>/notes/", views.incident_note, name="notes"),
    path("<int:pk>/public-summary/", views.incident_public_summary, name="public-summary"),
    path("<int:pk>/publish/", views.incident_publish, name="publish"),
]
