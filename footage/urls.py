"""Staff pages for footage (mounted at /staff/footage/)."""

from django.urls import path, re_path

from . import views

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
]
