from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.dashboard import register

        from . import credentials  # noqa: F401 (registers the deploy check of the C2PA credentials)

        from .dashboard import release_panels

        register(release_panels)
