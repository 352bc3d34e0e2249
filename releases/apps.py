from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.dashboard import register

        from .dashboard import release_panels

        register(release_panels)
