"""Staff API for incidents (mounted at /api/)."""

urlpatterns: list = []
