"""Staff pages for footage and releases (mounted at /staff/footage/)."""

app_name = "footage"
urlpatterns: list = []
