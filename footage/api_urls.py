"""Staff API for footage, uploads (tus) and releases (mounted at /api/)."""

urlpatterns: list = []
