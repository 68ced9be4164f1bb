"""Weekly progress nudges by e-mail, sent on the learner's own day and hour, never twice.

How "never twice" holds (the database decides, not timing):

- ``Profile.next_nudge_at`` (UTC, indexed) is the learner's next slot on their
  own wall clock. ``dispatch`` takes due profiles in batches under
  ``SELECT ... FOR UPDATE SKIP LOCKED``, writes one ``NudgeDelivery`` row per
  learner per local ISO week (a unique constraint; the insert ignores
  conflicts), moves ``next_nudge_at`` on and queues send jobs after commit.
- ``delivery`` claims each row with a compare-and-set (pending -> sending) and
  sends only if that changed exactly one row; mail errors known to happen
  before the server accepted the message are retried with backoff. Each
  accepted mail is written down before the next goes out (``journal``: an
  entry in Redis, the chunk then recorded in one statement; without Redis a
  row update per mail), so a run taking over a dead run's rows mails none of
  those already sent.
- ``content`` builds the mail from the window stored on the row, so a retry
  sends the same mail; ``unsubscribe`` signs the one-click link.
"""

from roadmaps.nudges.content import nudge_message
from roadmaps.nudges.delivery import (
    BatchResult,
    give_up,
    retry_countdown,
    send_nudge_batch,
)
from roadmaps.nudges.dispatch import DispatchResult, dispatch_due_nudges, requeue_stalled_deliveries
from roadmaps.nudges.unsubscribe import (
    nudges_unsubscribe,
    unsubscribe_token,
    unsubscribe_url,
    user_id_from_token,
)

__all__ = [
    "BatchResult",
    "DispatchResult",
    "dispatch_due_nudges",
    "give_up",
    "nudge_message",
    "nudges_unsubscribe",
    "requeue_stalled_deliveries",
    "retry_countdown",
    "send_nudge_batch",
    "unsubscribe_token",
    "unsubscribe_url",
    "user_id_from_token",
]
