"""What an outside recipient opens from a share link (mounted at /share/)."""

from django.urls import path

from . import share_views

app_name = "share"
urlpatterns = [
    path("<str:token>/", share_views.share_page, name="page"),
    path("<str:token>/code/", share_views.share_send_code, name="send-code"),
    path("<str:token>/confirm/", share_views.share_confirm, name="confirm"),
    path("<str:token>/files/<uuid:item_id>/", share_views.share_download, name="download"),
]
