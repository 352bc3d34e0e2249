from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from portal.dashboard import register

        from .dashboard import incident_panels

        register(incident_panels)
