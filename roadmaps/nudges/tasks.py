"""Background jobs for the weekly nudges: the periodic dispatch and the sends it queues."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from roadmaps import nudges
from roadmaps.nudges.dispatch import SEND_NUDGES_JOB
from roadmaps.nudges.schedule import MAX_RETRIES


@shared_task(name="roadmaps.tasks.dispatch_due_nudges", ignore_result=True)
def dispatch_due_nudges() -> int:
    """Run by Celery beat every few minutes; safe to run twice or in two places at once.

    Also queues again the deliveries whose send job was lost.
    """
    now = timezone.now()
    queued = nudges.dispatch_due_nudges(now=now).queued
    return queued + nudges.requeue_stalled_deliveries(now=now)


@shared_task(
    bind=True,
    name=SEND_NUDGES_JOB,
    acks_late=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def send_nudges(self, delivery_ids: list[int]) -> int:
    """Idempotent: each row is claimed before its mail goes out; returns how many this run sent.

    After a transient mail error the rest of the list is tried again with
    exponential backoff; when the retries run out those rows become failed.
    """
    result = nudges.send_nudge_batch(delivery_ids)
    if not result.retry_ids:
        return result.sent
    if self.request.retries >= self.max_retries:
        nudges.give_up(delivery_ids=result.retry_ids, error=result.retry_error)
        return result.sent
    if self.request.is_eager:
        # In-process (no broker): waiting here would block the caller; the rows
        # stay pending and the next dispatch queues them again once stalled.
        return result.sent
    raise self.retry(args=[result.retry_ids], countdown=nudges.retry_countdown(self.request.retries))
