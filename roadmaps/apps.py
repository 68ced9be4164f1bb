from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from roadmaps.calendar import folding

        folding.install()
