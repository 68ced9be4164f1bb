"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("planner")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each feature package keeps its jobs in its own tasks.py.
app.autodiscover_tasks(["roadmaps.calendar", "roadmaps.nudges"])
