"""Sending: claim a chunk of delivery rows, send their mails, record each outcome.

A row is sent only by the run that moves it from "pending" to "sending" (a
compare-and-set on the row), so a job that runs twice, twice at once, or is
redelivered after its worker died sends nothing more. Mail errors that are
known to happen before the server accepted the message are retried; an error
that leaves it unknown whether the server took the message is not, because a
retry could deliver a second copy.

The statements of a chunk (``SEND_CHUNK`` ids, one job), and why there are
that many:

1. Load the rows with learner, profile, roadmap and tasks: two queries.
2. Claim every claimable row of the chunk in ONE statement (PostgreSQL:
   ``WITH chunk AS (SELECT ... FOR UPDATE SKIP LOCKED) UPDATE ... RETURNING``;
   a concurrent run skips the rows this one holds instead of waiting). The
   lease now runs for the whole chunk from that moment, so a run that has used
   half of it (a mail server answering at its timeouts) sends nothing more and
   hands the rest back for a retry: no mail starts after another run could
   have taken its row over.
3. Send; after the server's "250 accepted" for a mail, and before the next
   mail is handed to the server, write down that it was sent: with the sent
   journal (``journal``: Redis, the default whenever Redis is configured) one
   ``SET`` of an entry for that row, with a TTL past the grace period and
   twice the lease, sent at once and its answer read once the next mail is
   rendered, just before that mail goes to the server (a failed answer: the
   mail is recorded in the database then, before the next goes out); without
   it, one single-row UPDATE committed on its own (``record_sent``).
4. At the end of the chunk, and on every early exit (a retry, a slow server,
   an exception: ``finally``), record the journaled rows as sent in ONE
   statement (``record_sent_rows``: an UPDATE joined to two arrays); their
   entries are then dropped. Rows not mailed (skipped) are recorded together
   in one statement too. A chunk is thus four statements whatever its size.

Why a mail is written down before the next goes out: a worker can die
(SIGKILL, OOM, a deploy) at any instant. Whatever it sent but had not written
down is still "sending", and once the lease is over it is taken as not sent
and mailed again (see ``claim``). Writing each mail down before the next is
handed to the server leaves at most ONE mail whose fate is unknown - the same
window as sending one row per job, and the least any sender that talks SMTP
can have (the server's acceptance and our write can never be one atomic step).

How the journal closes the rest: a run that claims a row that had been
claimed before (``attempts`` above 1 after its claim: a dead run's row taken
over after its lease, or a retry) reads the journal for those rows first, in
one ``MGET`` (a chunk no one claimed before pays nothing): a journaled row is
recorded as sent with the time its mail was accepted, and not mailed again.
The recovery sweep (``dispatch.requeue_stalled_deliveries``) does the same
before it queues rows again. If the journal cannot be read then, the claimed
rows are handed back for a retry rather than guessed about.

What the journal costs in guarantees, honestly: it lives as long as Redis
keeps it. If Redis loses it (a restart without persistence, a flush of the
cache database, an eviction under a ``maxmemory`` policy) AND a worker died in the middle of a chunk before recording
it, up to that chunk's mails (``SEND_CHUNK``) can be sent again after the
lease, with the same Message-ID; likewise a row taken over after the entry's
TTL (workers down for more than a day) is skipped as too late though its
mail went out. A journal write that fails (Redis down) is not a loss: that
mail and the rest of the chunk are recorded one by one in the database
instead. Set ``NUDGE_SENT_JOURNAL=false`` to always record that way.

What makes the per-mail database write cheap when it is used: it is committed
with ``synchronous_commit = off`` (PostgreSQL, for that statement only). The
commit is visible to every other session at once and survives the death of the
worker or of its connection - the failure the lease rule is about - but does
not wait for the WAL to reach disk: about 0.07 ms instead of an fsync. The
price is paid only if the PostgreSQL server itself crashes: the records of the
last moments (``wal_writer_delay`` x 3, 0.6 s by default, and never more than
the chunk being sent: the next chunk's claim is a synchronous commit, which
flushes all earlier WAL) can be lost, and those mails are sent again after the
lease, with the same Message-ID. Set ``NUDGE_SYNC_COMMIT_EACH_SEND=true`` to pay
the fsync per mail instead. The chunk's one statement with the journal is an
ordinary (synchronous) commit.
A mail that failed for a reason that leaves it unknown whether it left (the
line dropped inside DATA) is recorded at once, as failed.
"""

from __future__ import annotations

import logging
import smtplib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import schedule
from roadmaps.nudges.content import nudge_message
from roadmaps.nudges.journal import JOURNAL_ERRORS, SentJournal, sent_journal
from roadmaps.nudges.loading import TaskRow, load_chunk

logger = logging.getLogger(__name__)
Status = NudgeDelivery.Status
UNFINISHED = (Status.PENDING, Status.SENDING)
retry_countdown = schedule.retry_countdown
TABLE = NudgeDelivery._meta.db_table
SLOW_SERVER = "half the send lease used up: the rest of the chunk is tried again later"


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # nudges turned off, roadmap gone, or too late
    FAILED = "failed"
    RETRY = "retry"


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    not_claimed: int = 0
    # Taken over from a run that died after sending them (the sent journal): recorded, not mailed.
    found_sent: int = 0
    # Ids to try again later, in order (the one that failed and those after it).
    retry_ids: list[int] = field(default_factory=list)
    retry_error: str = ""


def send_nudge_batch(
    delivery_ids: Sequence[int], *, clock: Callable[[], datetime] = timezone.now, connection=None
) -> BatchResult:
    """Send each delivery this run can claim, over one mail connection.

    Stops at the first transient mail error: the rest goes back in
    ``retry_ids`` (a server that refused one message now will most likely
    refuse the next), for the caller to try again after a pause; the rows
    claimed but not tried are handed back as if never claimed. Whatever way
    it ends, the mails sent so far are recorded before it returns.
    """
    result = BatchResult()
    chunk = load_chunk(delivery_ids)
    loaded = chunk.deliveries
    waiting = [pk for pk in delivery_ids if pk in loaded and loaded[pk].status in UNFINISHED]
    if not waiting:
        result.not_claimed = len(delivery_ids)  # a job run again: no need to call the mail server
        return result
    record = SentRecord(sent_journal())
    connection = connection or get_connection()
    try:
        connection.open()  # before any claim: a server that is down costs nothing
    except Exception as error:
        result.retry_ids, result.retry_error = list(delivery_ids), describe(error)
        return result
    skipped: dict[int, str] = {}
    try:
        claimed_at = clock()
        claimed = claim_chunk(waiting, now=claimed_at)
        for delivery_id, attempts in claimed.items():
            loaded[delivery_id].attempts = attempts
        try:
            found_sent = record.found_in_journal([loaded[pk] for pk, attempts in claimed.items() if attempts > 1])
        except JOURNAL_ERRORS as error:
            # Whether a dead run sent these is unknown for now: try again later rather than guess.
            unclaim(list(claimed))
            result.retry_ids, result.retry_error = list(delivery_ids), describe(error)
            return result
        for delivery_id in found_sent:
            # A run that died had sent it: recorded with the chunk, never mailed nor handed back.
            del claimed[delivery_id]
        result.found_sent = len(found_sent)
        for index, delivery_id in enumerate(delivery_ids):
            if delivery_id in found_sent:
                continue
            if delivery_id not in claimed:
                result.not_claimed += 1  # claimed elsewhere, finished, or the row is gone
                continue
            delivery = loaded[delivery_id]
            now = clock()
            if now - claimed_at > schedule.send_lease() / 2:
                # A very slow mail server: stop before the lease on the rest could run out
                # under this run (another run may take a row over once it has).
                result.retry_ids, result.retry_error = list(delivery_ids[index:]), SLOW_SERVER
                unclaim([pk for pk in delivery_ids[index:] if pk in claimed])
                break
            outcome = send_one(
                delivery, chunk.tasks_of(delivery), now=now, connection=connection, skipped=skipped, record=record
            )
            if outcome is Outcome.RETRY:
                result.retry_ids = list(delivery_ids[index:])
                result.retry_error = delivery.last_error
                unclaim([pk for pk in delivery_ids[index + 1 :] if pk in claimed])
                break
            _count(result, outcome)
    finally:
        connection.close()
        record.save()
    record_skipped(skipped)
    return result


class SentRecord:
    """The mails of a chunk the server accepted, and how each is recorded before the next goes out.

    With the sent journal: an entry in Redis per mail, then one statement for
    the chunk (``save``). Without it, or once Redis failed a write: one
    statement per mail (``record_sent``). Rows a dead run journaled as sent
    join the chunk's statement too.
    """

    def __init__(self, journal: SentJournal | None):
        self.journal = journal
        self.writing = journal is not None
        self.journaled: dict[int, datetime] = {}
        self.deliveries: list[NudgeDelivery] = []
        self.unconfirmed: tuple[NudgeDelivery, datetime] | None = None  # its entry sent, not yet confirmed

    def found_in_journal(self, taken_over: Sequence[NudgeDelivery]) -> set[int]:
        """The rows among those taken over from a dead run that it had sent (one MGET, only if any)."""
        if self.journal is None or not taken_over:
            return set()
        found = self.journal.read(taken_over)
        self.journaled.update(found)
        self.deliveries.extend(delivery for delivery in taken_over if delivery.pk in found)
        return set(found)

    def mail_accepted(self, delivery: NudgeDelivery, *, sent_at: datetime) -> None:
        """Write down an accepted mail: its journal entry is sent, and confirmed by
        ``before_next_mail`` (or ``save``); without the journal, recorded in the database now."""
        if self.writing:
            try:
                self.journal.send(delivery, sent_at=sent_at)
            except JOURNAL_ERRORS:
                self.journal_failed()
            else:
                self.unconfirmed = (delivery, sent_at)
                return
        record_sent(delivery.pk, sent_at=sent_at)

    def before_next_mail(self) -> None:
        """The last mail's entry is in Redis, or else that mail is recorded in the database:
        called before the next mail is handed to the server, and before the chunk is saved."""
        if self.unconfirmed is None:
            return
        (delivery, sent_at), self.unconfirmed = self.unconfirmed, None
        try:
            self.journal.confirm()
        except JOURNAL_ERRORS:
            self.journal_failed()
            record_sent(delivery.pk, sent_at=sent_at)
            return
        self.journaled[delivery.pk] = sent_at
        self.deliveries.append(delivery)

    def journal_failed(self) -> None:
        logger.warning("nudge sent journal unavailable: each mail is recorded on its own", exc_info=True)
        self.writing = False

    def save(self) -> None:
        """Record the journaled rows in one statement; their entries go once that has committed."""
        self.before_next_mail()
        if self.journal is not None:
            self.journal.close()
        if not self.journaled:
            return
        record_sent_rows(self.journaled)
        deliveries, self.journaled, self.deliveries = self.deliveries, {}, []
        transaction.on_commit(partial(self.journal.forget, deliveries))


def _count(result: BatchResult, outcome: Outcome) -> None:
    if outcome is Outcome.SENT:
        result.sent += 1
    elif outcome is Outcome.SKIPPED:
        result.skipped += 1
    else:
        result.failed += 1


def send_one(
    delivery: NudgeDelivery,
    tasks: Sequence[TaskRow],
    *,
    now: datetime,
    connection,
    skipped: dict[int, str],
    record: SentRecord,
) -> Outcome:
    """Send one claimed row; once the server took it, ``record`` has it before this returns.
    A skip only joins ``skipped``."""
    reason = reason_not_to_send(delivery, now)
    if reason:
        skipped[delivery.pk] = reason
        return Outcome.SKIPPED
    try:
        message = nudge_message(delivery, tasks, connection=connection)
    except Exception as error:
        return _settle_failure(delivery, error)
    record.before_next_mail()
    try:
        message.send()
    except Exception as error:
        return _settle_failure(delivery, error)
    record.mail_accepted(delivery, sent_at=now)
    return Outcome.SENT


def _settle_failure(delivery: NudgeDelivery, error: Exception) -> Outcome:
    delivery.last_error = describe(error)
    attempts = delivery.attempts  # the claim counted this try in the row
    if is_retryable(error) and attempts < schedule.MAX_SEND_ATTEMPTS:
        release(delivery.pk, error=delivery.last_error)
        return Outcome.RETRY
    logger.warning("nudge %s failed: %s", delivery.pk, delivery.last_error)
    finish(delivery.pk, Status.FAILED, error=delivery.last_error)
    return Outcome.FAILED


def claimable(now: datetime) -> Q:
    """Pending, or "sending" past its lease (see ``claim`` for why such a row is taken over)."""
    return Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - schedule.send_lease())


def claim(delivery_id: int, *, now: datetime) -> bool:
    """Compare-and-set: pending (or "sending" past its lease) to sending; True if this run won.

    A row still "sending" after the lease belongs to a run that died (a send
    cannot take that long: every SMTP step has EMAIL_TIMEOUT). Whether that
    run's mail left is unknown; this rule takes it as not sent and sends again.
    A worker almost always dies before the server's "250 accepted" (connecting
    and transferring take far longer than the single UPDATE that follows it),
    so losing the nudge is the likelier harm; the rare second copy carries the
    same Message-ID, which mail clients use to spot duplicates. Because every
    sent mail is journaled (or recorded) before the next is handed to the
    server, and the sender reads the journal before mailing a row taken over,
    at most one mail of a dead run's chunk can be such a second copy (while
    Redis keeps the journal: see the module docstring).
    """
    updated = NudgeDelivery.objects.filter(claimable(now), pk=delivery_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return updated == 1


def claim_each(delivery_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """``claim_chunk`` one row at a time (``claim``): the embedded SQLite database's way."""
    won = [pk for pk in delivery_ids if claim(pk, now=now)]
    return dict(NudgeDelivery.objects.filter(pk__in=won).values_list("pk", "attempts"))


def claim_chunk(delivery_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """Claim every claimable row of ``delivery_ids`` at once; {id: attempts} of those this run won.

    PostgreSQL: one statement. Rows another run is claiming at this instant
    are skipped (SKIP LOCKED), not waited for: that run wins them. Other
    databases (SQLite: one writer at a time anyway) claim row by row.

    The chunk's rows are found by id alone and locked, then whether each is
    claimable is read from the locked row: with the status in the search, the
    planner would also walk the status index, every pending row of the
    table, whenever its statistics predate the dispatch that just queued
    thousands (4 ms a claim at 10,000 queued, growing with the backlog).
    """
    if not delivery_ids:
        return {}
    if db_connection.vendor != "postgresql":
        return claim_each(delivery_ids, now=now)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"""WITH chunk AS MATERIALIZED (
                    SELECT id, status, claimed_at FROM {TABLE}
                    WHERE id = ANY(%s)
                    ORDER BY id
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE {TABLE} SET status = %s, claimed_at = %s, attempts = {TABLE}.attempts + 1
                FROM chunk
                WHERE {TABLE}.id = chunk.id
                    AND (chunk.status = %s OR (chunk.status = %s AND chunk.claimed_at < %s))
                RETURNING {TABLE}.id, {TABLE}.attempts""",
            [
                list(delivery_ids),
                Status.SENDING.value,
                now,
                Status.PENDING.value,
                Status.SENDING.value,
                now - schedule.send_lease(),
            ],
        )
        return dict(cursor.fetchall())


RECORD_SENT_SQL = (
    f"WITH async_commit AS (SELECT set_config('synchronous_commit', %s, true)) "
    f"UPDATE {TABLE} SET status = %s, sent_at = %s FROM async_commit WHERE id = %s AND status = %s"
)


def record_sent(delivery_id: int, *, sent_at: datetime) -> None:
    """Record one accepted mail as sent: one single-row UPDATE, committed before the next
    mail is handed to the server (see the module docstring for why one per mail).

    On PostgreSQL outside a transaction it commits with ``synchronous_commit = off``
    unless ``NUDGE_SYNC_COMMIT_EACH_SEND``; elsewhere (SQLite, a caller's open
    transaction, where the setting would outlive this statement) a plain UPDATE.
    """
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        finish(delivery_id, Status.SENT, sent_at=sent_at)
        return
    commit = "on" if settings.NUDGE_SYNC_COMMIT_EACH_SEND else "off"
    with db_connection.cursor() as cursor:
        cursor.execute(RECORD_SENT_SQL, [commit, Status.SENT.value, sent_at, delivery_id, Status.SENDING.value])


def record_sent_rows(sent: dict[int, datetime]) -> None:
    """Record the chunk's accepted mails ({id: sent_at}) as sent: one statement.

    PostgreSQL: an UPDATE joined to the two arrays; elsewhere one UPDATE with a CASE.
    """
    if not sent:
        return
    if db_connection.vendor != "postgresql":
        sent_at = Case(*(When(pk=pk, then=Value(moment)) for pk, moment in sent.items()))
        NudgeDelivery.objects.filter(pk__in=sent, status=Status.SENDING).update(status=Status.SENT, sent_at=sent_at)
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {TABLE} SET status = %s, sent_at = sent.sent_at
                FROM unnest(%s::bigint[], %s::timestamptz[]) AS sent(id, sent_at)
                WHERE {TABLE}.id = sent.id AND {TABLE}.status = %s""",
            [Status.SENT.value, list(sent), list(sent.values()), Status.SENDING.value],
        )


def settle_journaled(stalled: Sequence[NudgeDelivery]) -> set[int]:
    """Of rows stuck in "sending" past their lease, record those the journal has as sent;
    their ids. For the recovery sweep: it queues the others again. Without a readable
    journal nothing is settled here; the sender checks again when it claims them."""
    journal = sent_journal()
    if journal is None or not stalled:
        return set()
    try:
        found = journal.read(stalled)
    except JOURNAL_ERRORS:
        logger.warning("nudge sent journal unreadable: stalled deliveries left to their sender", exc_info=True)
        return set()
    record_sent_rows(found)
    return set(found)


def record_skipped(reasons: dict[int, str]) -> None:
    """The rows of a chunk that were not mailed, each with its reason: one statement."""
    if not reasons:
        return
    by_reason = Case(*(When(pk=pk, then=Value(reason)) for pk, reason in reasons.items()))
    NudgeDelivery.objects.filter(pk__in=reasons, status=Status.SENDING).update(
        status=Status.SKIPPED, sent_at=None, last_error=by_reason
    )


def unclaim(delivery_ids: Sequence[int]) -> None:
    """Claimed rows this run did not try (it stopped at a transient error): back to
    pending, the claim's attempt taken back; ``claimed_at`` keeps this run's time."""
    if delivery_ids:
        NudgeDelivery.objects.filter(pk__in=delivery_ids, status=Status.SENDING).update(
            status=Status.PENDING, attempts=F("attempts") - 1
        )


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
