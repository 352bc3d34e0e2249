"""Staff API for releases (mounted at /api/)."""

urlpatterns: list = []
