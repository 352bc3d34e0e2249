"""Staff API for footage and the tus upload endpoint (mounted at /api/)."""

from django.urls import path

from . import api, tus

app_name = "footage-api"
urlpatterns = [
    path("uploads/", tus.uploads_collection, name="uploads"),
    path("uploads/<uuid:upload_id>/", tus.upload_resource, name="upload"),
    path("incidents/<int:incident_id>/footage/", api.IncidentFootageList.as_view(), name="incident-footage"),
    path("footage/<int:pk>/", api.FootageDetail.as_view(), name="detail"),
    path("footage/<int:pk>/original/", api.FootageOriginalDownload.as_view(), name="original"),
    path("footage/<int:pk>/custody/", api.FootageCustodyLog.as_view(), name="custody"),
    path("footage/<int:pk>/verify/", api.FootageVerify.as_view(), name="verify"),
]
