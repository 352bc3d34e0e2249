from django.apps import AppConfig


class FootageConfig(AppConfig):
    name = "footage"
