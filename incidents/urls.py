"""Staff pages for incidents (mounted at /staff/incidents/)."""

app_name = "incidents"
urlpatterns: list = []
