"""Celery tasks, one module per area; autodiscovery imports this package."""

from roadmaps.tasks.exports import requeue_stalled_exports, send_calendar_export  # noqa: F401
from roadmaps.tasks.nudges import dispatch_due_nudges, send_nudges  # noqa: F401
