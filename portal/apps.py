from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from . import checkpoints  # noqa: F401 (registers the deploy check of the checkpoint key)
