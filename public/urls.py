"""The public site (mounted at the root)."""

app_name = "public"
urlpatterns: list = []
