"""Staff API for releases (mounted at /api/)."""

from django.urls import path

from . import api, caption_api

urlpatterns = [
    path("releases/", api.release_collection, name="api-releases"),
    path("releases/<int:pk>/", api.release_item, name="api-release"),
    path("releases/<int:pk>/transitions/", api.release_transition, name="api-release-transition"),
    path("releases/<int:pk>/changes/", api.release_changes, name="api-release-changes"),
    path("releases/<int:pk>/changes/bulk/", api.mark_tracks, name="api-release-changes-bulk"),
    path("releases/<int:pk>/changes/withdraw/", api.withdraw_changes, name="api-release-changes-withdraw"),
    path("releases/<int:pk>/changes/confirm/", api.confirm_changes, name="api-release-changes-confirm"),
    path("releases/<int:pk>/changes/<int:change_pk>/confirm/", api.confirm_change, name="api-release-change-confirm"),
    path("releases/<int:pk>/changes/<int:change_pk>/withdraw/", api.withdraw_change, name="api-release-change-withdraw"),
    path("releases/<int:pk>/findings/<int:index>/clear/", api.clear_finding, name="api-release-finding-clear"),
    path("releases/<int:pk>/captions/", caption_api.release_captions, name="api-release-captions"),
    path("releases/<int:pk>/captions/review/", caption_api.review_captions, name="api-release-captions-review"),
    path("releases/<int:pk>/captions/hide/", caption_api.hide_words, name="api-release-captions-hide"),
]
