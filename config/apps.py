from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project-wide glue that needs the app registry: the API's strict input rule."""

    name = "config"

    def ready(self) -> None:
        from config import strict_input

        strict_input.install()
