"""Staff pages for redaction review and release (mounted at /staff/releases/)."""

from django.urls import path

from . import caption_views, views

app_name = "releases"
urlpatterns = [
    path("", views.release_list, name="list"),
    path("request/<int:footage_pk>/", views.request_release_view, name="request"),
    path("<int:pk>/", views.release_detail, name="detail"),
    path("<int:pk>/transition/", views.release_transition, name="transition"),
    path("<int:pk>/progress/", views.render_progress, name="progress"),
    path("<int:pk>/review/", views.review_page, name="review"),
    path("<int:pk>/review/data.json", views.review_data, name="review-data"),
    path("<int:pk>/regions/<int:track_id>.jpg", views.region_thumbnail, name="region-thumbnail"),
    path("<int:pk>/proxy.mp4", views.proxy_video, name="proxy"),
    path("<int:pk>/redacted.mp4", views.redacted_video, name="redacted"),
    path("<int:pk>/captions/data.json", caption_views.captions_data, name="captions-data"),
    path("<int:pk>/captions/", caption_views.captions_save, name="captions-save"),
    path("<int:pk>/captions/review/", caption_views.captions_review, name="captions-review"),
    path("<int:pk>/captions/hide/", caption_views.captions_hide, name="captions-hide"),
]
