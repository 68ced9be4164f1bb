"""For cron users: the same work as the Celery beat entry, with the sends done in this process."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from roadmaps import nudges
from roadmaps.nudges.dispatch import DEFAULT_BATCH_SIZE, SEND_CHUNK, chunks


class Command(BaseCommand):
    help = "Send every weekly nudge that is due now, once, and print how many were sent."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)

    def handle(self, *args, batch_size: int, **options):
        now, queued = timezone.now(), []
        dispatched = nudges.dispatch_due_nudges(now=now, batch_size=batch_size, enqueue=queued.extend)
        nudges.requeue_stalled_deliveries(now=now, enqueue=queued.extend)
        sent = retry = failed = 0
        for chunk in chunks(queued, SEND_CHUNK):
            result = nudges.send_nudge_batch(chunk)
            sent, failed = sent + result.sent, failed + result.failed
            # Left pending: the next run queues them again once they count as stalled.
            retry += len(result.retry_ids)
        self.stdout.write(f"Sent {sent} nudge{'s' if sent != 1 else ''}.")
        details = {
            "skipped (missed by more than the grace period)": dispatched.skipped,
            "failed": failed,
            "to retry on a later run": retry,
        }
        for label, count in details.items():
            if count:
                self.stdout.write(f"{count} {label}.")
