from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    default_auto_field = "django.db.models.BigAutoField"
