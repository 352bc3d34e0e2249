from django.apps import AppConfig


class FootageConfig(AppConfig):
    name = "footage"

    def ready(self) -> None:
        from portal.dashboard import register

        from .dashboard import footage_panels

        register(footage_panels)
