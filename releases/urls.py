"""Staff pages for redaction review and release (mounted at /staff/releases/)."""

app_name = "releases"
urlpatterns: list = []
