"""Staff pages for footage (mounted at /staff/footage/)."""

from django.urls import path, re_path

from . import lifecycle_views, views

app_name = "footage"
urlpatterns = [
    path("", views.footage_list, name="list"),
    path("upload/", views.upload_page, name="upload"),
    path("<int:pk>/", views.footage_detail, name="detail"),
    path("<int:pk>/jobs/", views.footage_jobs, name="jobs"),
    path("<int:pk>/stream/", views.footage_stream, name="stream"),
    path("<int:pk>/poster.jpg", views.footage_poster, name="poster"),
    path("<int:pk>/strip.jpg", views.footage_strip, name="strip"),
    path("<int:pk>/original/", views.footage_original, name="original"),
    path("<int:pk>/verify/", views.footage_verify, name="verify"),
    re_path(r"^(?P<pk>[0-9]+)/custody\.(?P<fmt>pdf|csv)$", views.footage_custody_report, name="custody-report"),
    path("<int:pk>/do-not-disclose/", lifecycle_views.footage_do_not_disclose, name="do-not-disclose"),
    path("retention/", lifecycle_views.retention_page, name="retention"),
    path("holds/", lifecycle_views.holds_page, name="holds"),
    path("holds/<int:pk>/lift/", lifecycle_views.hold_lift, name="hold-lift"),
    path("deletions/", lifecycle_views.deletions_page, name="deletions"),
    re_path(r"^deletions/(?P<pk>[0-9]+)/(?P<action>approve|cancel)/$", lifecycle_views.deletion_action, name="deletion-action"),
    path("shares/", lifecycle_views.shares_page, name="shares"),
    path("shares/<uuid:public_id>/revoke/", lifecycle_views.share_revoke, name="share-revoke"),
    path("package/<int:incident_id>/", lifecycle_views.case_package, name="package"),
    path("packages/verify/", lifecycle_views.package_verify_page, name="package-verify"),
]
