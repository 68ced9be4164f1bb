"""Background job: e-mail one roadmap as an .ics attachment."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.utils import timezone

from roadmaps.calendar import services as calendar_services

# Transient SMTP replies (4xx) and network trouble; ``export_send`` decides which
# errors are transient and re-raises only those, so these are what get retried.
RETRIED_ERRORS = (smtplib.SMTPException, OSError)


class CalendarExportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Retries exhausted (or an unexpected error): the row must not stay pending.
        export_id = kwargs.get("export_id") or args[0]
        calendar_services.export_give_up(export_id=export_id, error=exc)


@shared_task(
    name=calendar_services.SEND_EXPORT_JOB,
    base=CalendarExportTask,
    autoretry_for=RETRIED_ERRORS,
    retry_backoff=5,  # 5, 10, 20, 40, 80, 160 s at most, with full jitter
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_calendar_export(export_id: str) -> bool:
    """Idempotent: the export row is claimed before sending; True if this run sent it."""
    return calendar_services.export_send(export_id=export_id, now=timezone.now())


@shared_task(name="roadmaps.tasks.requeue_stalled_exports", ignore_result=True)
def requeue_stalled_exports() -> int:
    """Run by Celery beat: exports whose job was lost are queued again."""
    return calendar_services.requeue_stalled_exports(now=timezone.now())
