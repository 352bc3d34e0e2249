"""Staff API for incidents (mounted at /api/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("incidents/", api.IncidentListView.as_view(), name="api-incidents"),
    path("incidents/export.csv", api.IncidentExportView.as_view(), name="api-incidents-export"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident"),
    path("incidents/<int:pk>/transitions/", api.TransitionView.as_view(), name="api-incident-transitions"),
    path("incidents/<int:pk>/assign/", api.AssignView.as_view(), name="api-incident-assign"),
    path("incidents/<int:pk>/notes/", api.NotesView.as_view(), name="api-incident-notes"),
    path("incidents/<int:pk>/findings/", api.FindingsView.as_view(), name="api-incident-findings"),
    path("incidents/<int:pk>/publication/", api.PublishView.as_view(), name="api-incident-publication"),
]
