"""How services queue background jobs without importing the task modules.

Task modules import services (a task loads by id and calls a service); if a
service imported its task module back, the two would form an import cycle. So
services name the job: ``enqueue("roadmaps.tasks.send_nudges", ids)`` looks the
task up in Celery's registry. In embedded mode (no broker) Celery runs it in
process, as ``.delay`` would.
"""

from __future__ import annotations

from functools import cache

from celery import current_app


@cache
def _load_task_modules() -> None:
    # Outside a worker nothing has imported the task modules yet; this runs
    # Celery's own autodiscovery (config/celery.py) once per process.
    current_app.loader.import_default_modules()


def enqueue(task_name: str, *args) -> None:
    """Queue the registered Celery task ``task_name`` with ``args``."""
    _load_task_modules()
    current_app.tasks[task_name].delay(*args)
