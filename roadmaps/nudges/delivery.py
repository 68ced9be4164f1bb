"""Sending: claim a delivery row, send its mail, record the outcome.

A row is sent only by the run that moves it from "pending" to "sending" (a
compare-and-set on the row), so a job that runs twice, twice at once, or is
redelivered after its worker died sends nothing more. Mail errors that are
known to happen before the server accepted the message are retried; an error
that leaves it unknown whether the server took the message is not, because a
retry could deliver a second copy.
"""

from __future__ import annotations

import logging
import smtplib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.core.mail import get_connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from roadmaps.models import NudgeDelivery, Roadmap, Task
from roadmaps.nudges import schedule
from roadmaps.nudges.content import nudge_message

logger = logging.getLogger(__name__)
Status = NudgeDelivery.Status
UNFINISHED = (Status.PENDING, Status.SENDING)
retry_countdown = schedule.retry_countdown


class Outcome(StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not_claimed"  # another run has it, or it is finished
    SKIPPED = "skipped"  # nudges turned off, roadmap gone, or too late
    FAILED = "failed"
    RETRY = "retry"


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    not_claimed: int = 0
    # Ids to try again later, in order (the one that failed and those after it).
    retry_ids: list[int] = field(default_factory=list)
    retry_error: str = ""


def deliveries_for_sending(delivery_ids: Sequence[int]) -> QuerySet[NudgeDelivery]:
    """Everything the mails of a batch need, in two queries whatever its size."""
    tasks = Prefetch("roadmap__tasks", queryset=Task.objects.order_by("sequence"))
    return (
        NudgeDelivery.objects.filter(pk__in=delivery_ids)
        .select_related("user__profile", "roadmap__role", "roadmap__track")
        .prefetch_related(tasks)
    )


def send_nudge_batch(
    delivery_ids: Sequence[int], *, clock: Callable[[], datetime] = timezone.now, connection=None
) -> BatchResult:
    """Send each delivery this run can claim, over one mail connection.

    Stops at the first transient mail error: the rest goes back in
    ``retry_ids`` untouched (a server that refused one message now will most
    likely refuse the next), for the caller to try again after a pause.
    """
    result = BatchResult()
    loaded = {delivery.pk: delivery for delivery in deliveries_for_sending(delivery_ids)}
    if not any(delivery.status in UNFINISHED for delivery in loaded.values()):
        result.not_claimed = len(delivery_ids)  # a job run again: no need to call the mail server
        return result
    connection = connection or get_connection()
    try:
        connection.open()  # before any claim: a server that is down costs nothing
    except Exception as error:
        result.retry_ids, result.retry_error = list(delivery_ids), describe(error)
        return result
    try:
        for index, delivery_id in enumerate(delivery_ids):
            delivery = loaded.get(delivery_id)
            outcome = send_one(delivery, now=clock(), connection=connection) if delivery else None
            if outcome is Outcome.RETRY:
                result.retry_ids = list(delivery_ids[index:])
                result.retry_error = delivery.last_error
                break
            _count(result, outcome)
    finally:
        connection.close()
    return result


def _count(result: BatchResult, outcome: Outcome | None) -> None:
    if outcome is Outcome.SENT:
        result.sent += 1
    elif outcome is Outcome.SKIPPED:
        result.skipped += 1
    elif outcome is Outcome.FAILED:
        result.failed += 1
    else:
        result.not_claimed += 1  # claimed elsewhere, or the row is gone


def send_one(delivery: NudgeDelivery, *, now: datetime, connection) -> Outcome:
    if not claim(delivery.pk, now=now):
        return Outcome.NOT_CLAIMED
    reason = reason_not_to_send(delivery, now)
    if reason:
        finish(delivery.pk, Status.SKIPPED, error=reason)
        return Outcome.SKIPPED
    try:
        message = nudge_message(delivery, delivery.roadmap.tasks.all(), connection=connection)
        message.send()
    except Exception as error:
        return _settle_failure(delivery, error)
    finish(delivery.pk, Status.SENT, sent_at=now)
    return Outcome.SENT


def _settle_failure(delivery: NudgeDelivery, error: Exception) -> Outcome:
    delivery.last_error = describe(error)
    attempts = delivery.attempts + 1  # the claim counted this one in the row
    if is_retryable(error) and attempts < schedule.MAX_SEND_ATTEMPTS:
        release(delivery.pk, error=delivery.last_error)
        return Outcome.RETRY
    logger.warning("nudge %s failed: %s", delivery.pk, delivery.last_error)
    finish(delivery.pk, Status.FAILED, error=delivery.last_error)
    return Outcome.FAILED


def claim(delivery_id: int, *, now: datetime) -> bool:
    """Compare-and-set: pending (or "sending" past its lease) to sending; True if this run won.

    A row still "sending" after the lease belongs to a run that died (a send
    cannot take that long: every SMTP step has EMAIL_TIMEOUT). Whether that
    run's mail left is unknown; this rule takes it as not sent and sends again.
    A worker almost always dies before the server's "250 accepted" (connecting
    and transferring take far longer than the single UPDATE that follows it),
    so losing the nudge is the likelier harm; the rare second copy carries the
    same Message-ID, which mail clients use to spot duplicates.
    """
    claimable = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - schedule.send_lease())
    updated = NudgeDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return updated == 1


def reason_not_to_send(delivery: NudgeDelivery, now: datetime) -> str:
    if not delivery.user.profile.nudges_enabled:
        return "nudges were turned off"
    if not delivery.user.is_active:
        return "the account is deactivated"
    if delivery.roadmap is None or delivery.roadmap.status == Roadmap.Status.ARCHIVED:
        return "the roadmap is gone"
    if now - delivery.scheduled_for > schedule.grace_period():
        return "not sent within the grace period"
    return ""


def release(delivery_id: int, *, error: str) -> None:
    """Back to pending for a retry; ``claimed_at`` keeps the time of this try."""
    NudgeDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(status=Status.PENDING, last_error=error)


def finish(delivery_id: int, status: str, *, error: str | None = None, sent_at=None) -> None:
    """The final state; a sent row keeps the error of its last failed try, for the record."""
    fields = {"status": status, "sent_at": sent_at}
    if error is not None:
        fields["last_error"] = error
    NudgeDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(**fields)


def give_up(*, delivery_ids: Sequence[int], error: str) -> int:
    """Retries exhausted: the rows still waiting become failed."""
    return NudgeDelivery.objects.filter(pk__in=delivery_ids, status=Status.PENDING).update(
        status=Status.FAILED, last_error=error or "gave up after retries"
    )


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def is_retryable(error: BaseException) -> bool:
    """True for mail errors known to happen before the server accepted the message.

    - A refusal by reply code: 4xx (try again later) yes, 5xx (permanent) no.
      Refused sender or recipients and a refused DATA command all mean the
      message was not taken.
    - A lost connection or other network error is retried only if it happened
      before the message body went out; once inside DATA, the server may have
      queued the message before the line dropped.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(not 500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return not 500 <= error.smtp_code < 600
    if isinstance(error, OSError):  # SMTPServerDisconnected, ConnectionError, timeouts
        return not raised_during_data(error)
    return False


def raised_during_data(error: BaseException) -> bool:
    """Whether ``smtplib.SMTP.data`` (the message transfer) is on the error's traceback."""
    data_code = smtplib.SMTP.data.__code__
    return any(frame.f_code is data_code for frame, _ in traceback.walk_tb(error.__traceback__))
