"""Staff API for footage and the tus upload endpoint (mounted at /api/)."""

from django.urls import path

from . import api, lifecycle_api, tus

app_name = "footage-api"
urlpatterns = [
    path("uploads/", tus.uploads_collection, name="uploads"),
    path("uploads/<uuid:upload_id>/", tus.upload_resource, name="upload"),
    path("incidents/<int:incident_id>/footage/", api.IncidentFootageList.as_view(), name="incident-footage"),
    path("footage/<int:pk>/", api.FootageDetail.as_view(), name="detail"),
    path("footage/<int:pk>/original/", api.FootageOriginalDownload.as_view(), name="original"),
    path("footage/<int:pk>/custody/", api.FootageCustodyLog.as_view(), name="custody"),
    path("footage/<int:pk>/verify/", api.FootageVerify.as_view(), name="verify"),
    path("footage/<int:pk>/do-not-disclose/", lifecycle_api.FootageDoNotDisclose.as_view(), name="do-not-disclose"),
    path("retention/schedule/", lifecycle_api.RetentionSchedule.as_view(), name="retention-schedule"),
    path("retention/schedule/<str:scope>/<str:key>/", lifecycle_api.RetentionPeriod.as_view(), name="retention-period"),
    path("retention/due/", lifecycle_api.RetentionDue.as_view(), name="retention-due"),
    path("holds/", lifecycle_api.Holds.as_view(), name="holds"),
    path("holds/<int:pk>/lift/", lifecycle_api.HoldLift.as_view(), name="hold-lift"),
    path("deletion-batches/", lifecycle_api.DeletionBatches.as_view(), name="deletion-batches"),
    path("deletion-batches/<int:pk>/approve/", lifecycle_api.DeletionBatchApprove.as_view(), name="deletion-batch-approve"),
    path("deletion-batches/<int:pk>/cancel/", lifecycle_api.DeletionBatchCancel.as_view(), name="deletion-batch-cancel"),
    path("shares/", lifecycle_api.Shares.as_view(), name="shares"),
    path("shares/<uuid:public_id>/revoke/", lifecycle_api.ShareRevoke.as_view(), name="share-revoke"),
    path("incidents/<int:incident_id>/package/", lifecycle_api.CasePackage.as_view(), name="case-package"),
    path("packages/verify/", lifecycle_api.PackageVerify.as_view(), name="package-verify"),
]
