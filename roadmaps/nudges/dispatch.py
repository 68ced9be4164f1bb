"""Dispatch: turn due learners into delivery rows, in batches, and queue their sending.

Each batch is one transaction with a fixed number of queries, whatever its
size: lock up to ``batch_size`` due profiles (``SKIP LOCKED``, so two
dispatchers share the work instead of waiting), decide in Python, insert the
delivery rows in one statement that ignores conflicts with this week's row and
answers the new rows' ids, move every ``next_nudge_at`` on in one statement,
and queue send jobs once the transaction has committed. Only one batch is in
memory at a time; each batch's rows leave the "due" range, so the index on
``next_nudge_at`` walks through the backlog.

``requeue_stalled_deliveries`` is the recovery sweep that runs next to it:
rows whose send job was lost are queued again.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Profile
from accounts.verification import verified_address
from roadmaps import jobs
from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import schedule
from roadmaps.nudges.delivery import settle_journaled

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
# Ids per send job: enough to share one SMTP connection, few enough that a
# retry or a redelivered job repeats little work.
SEND_CHUNK = 25
# The Celery name of the job that sends a chunk of deliveries (roadmaps/nudges/tasks.py).
SEND_NUDGES_JOB = "roadmaps.tasks.send_nudges"
# A completed roadmap earns one last "you finished" nudge if it was completed
# this close before the slot (a week, plus the DST hour and some slack).
FINISHED_WINDOW = timedelta(days=8)

Enqueue = Callable[[list[int]], None]
SCHEDULE_FIELDS = ("id", "user_id", "timezone", "nudges_enabled", "nudge_weekday", "nudge_hour", "next_nudge_at")


@dataclass
class DispatchResult:
    queued: int = 0  # new deliveries queued for sending
    skipped: int = 0  # slots missed by more than the grace period
    not_eligible: int = 0  # nudges off, no active roadmap, or a deactivated account
    batches: int = 0


def queue_send_jobs(delivery_ids: list[int]) -> None:
    jobs.enqueue(SEND_NUDGES_JOB, delivery_ids)


def dispatch_due_nudges(
    *, now: datetime, batch_size: int = DEFAULT_BATCH_SIZE, enqueue: Enqueue | None = None
) -> DispatchResult:
    """Create this week's delivery for every learner due at ``now`` and queue the sends.

    ``enqueue`` receives lists of delivery ids after their batch has committed
    (default: a Celery job per list); a rolled-back batch queues nothing.
    """
    enqueue = enqueue or queue_send_jobs
    result = DispatchResult()
    while _dispatch_batch(now=now, batch_size=batch_size, enqueue=enqueue, result=result):
        pass
    return result


def due_profiles(now: datetime) -> QuerySet[Profile]:
    """Due profiles, oldest slot first, locked; rows another dispatcher holds are skipped."""
    return (
        Profile.objects.filter(next_nudge_at__lte=now)
        # Mail goes to verified addresses only: an unverified learner is never due.
        .filter(verified_address())
        .select_related("user")
        .only(*SCHEDULE_FIELDS, "user__is_active")
        .order_by("next_nudge_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
    )


def nudge_roadmaps(profiles: Sequence[Profile]) -> dict[int, int]:
    """The roadmap each learner's nudge is about, by user id, in one query.

    Their newest active roadmap; else one completed shortly before the slot
    whose "you finished" nudge is not made yet. Learners with neither are left
    out: they get no nudge.
    """
    slots = {profile.user_id: profile.next_nudge_at for profile in profiles}
    finished_nudge_made = NudgeDelivery.objects.filter(
        roadmap_id=OuterRef("pk"), created_at__gte=OuterRef("updated_at")
    )
    candidates = (
        Roadmap.objects.filter(user_id__in=slots)
        .filter(
            Q(status=Roadmap.Status.ACTIVE)
            | Q(status=Roadmap.Status.COMPLETED, updated_at__gte=min(slots.values()) - FINISHED_WINDOW)
        )
        .annotate(finished_nudge_made=Exists(finished_nudge_made))
        .order_by("-created_at", "-pk")
        .values_list("user_id", "pk", "status", "updated_at", "finished_nudge_made")
    )
    active, finished = {}, {}
    for user_id, pk, status, updated_at, finished_nudge_made in candidates:
        if status == Roadmap.Status.ACTIVE:
            active.setdefault(user_id, pk)
        elif not finished_nudge_made and updated_at >= slots[user_id] - FINISHED_WINDOW:
            finished.setdefault(user_id, pk)
    return {**finished, **active}


def _dispatch_batch(*, now: datetime, batch_size: int, enqueue: Enqueue, result: DispatchResult) -> bool:
    """One batch in one transaction; False when no full batch was left."""
    with transaction.atomic():
        profiles = list(due_profiles(now)[:batch_size])
        if not profiles:
            return False
        roadmaps = nudge_roadmaps(profiles)
        planned = [d for p in profiles if (d := _plan(p, roadmaps.get(p.user_id), now, result))]
        new_ids = insert_deliveries(planned)
        move_slots_on(profiles)
        for chunk in chunks(new_ids, SEND_CHUNK):
            transaction.on_commit(partial(enqueue, chunk))
    result.batches += 1
    result.queued += len(new_ids)
    return len(profiles) == batch_size


INSERT_SQL = f"""
    INSERT INTO {NudgeDelivery._meta.db_table}
        (user_id, roadmap_id, week_start, scheduled_for, local_date, status, last_error, attempts, created_at)
    SELECT planned.*, 0, %s
    FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::timestamptz[], %s::date[], %s::text[], %s::text[])
        AS planned(user_id, roadmap_id, week_start, scheduled_for, local_date, status, last_error)
    ON CONFLICT DO NOTHING
    RETURNING id, status
"""


def insert_deliveries(planned: Sequence[NudgeDelivery]) -> list[int]:
    """Insert the batch's rows (a learner's row for that week already there stays as it
    is); the ids of its pending rows that no run has tried yet, to queue (``_new_pending_ids``).

    PostgreSQL: one statement from arrays, which answers the ids it inserted; only
    when some row was there already does a second query look for those (an
    untried one is queued again). Elsewhere ``bulk_create`` and that query.
    """
    if not planned:
        return []
    pending = [delivery for delivery in planned if delivery.status == NudgeDelivery.Status.PENDING]
    if connection.vendor != "postgresql":
        NudgeDelivery.objects.bulk_create(planned, ignore_conflicts=True)
        return _new_pending_ids(pending)
    columns = ("user_id", "roadmap_id", "week_start", "scheduled_for", "local_date", "status", "last_error")
    with connection.cursor() as cursor:
        # created_at as auto_now_add sets it: the moment of the insert.
        values = ([getattr(delivery, name) for delivery in planned] for name in columns)
        cursor.execute(INSERT_SQL, [timezone.now(), *values])
        inserted = cursor.fetchall()
    if len(inserted) < len(planned):
        return _new_pending_ids(pending)
    return sorted(pk for pk, status in inserted if status == NudgeDelivery.Status.PENDING)


def move_slots_on(profiles: Sequence[Profile]) -> None:
    """Save every profile's new ``next_nudge_at`` in one statement.

    PostgreSQL: an UPDATE joined to the two arrays (``bulk_update`` builds a
    500-branch CASE, which cost more than the rest of the batch); elsewhere
    ``bulk_update``.
    """
    if connection.vendor != "postgresql":
        save_slots(profiles)
        return
    table = Profile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET next_nudge_at = moved.next_nudge_at
                FROM unnest(%s::bigint[], %s::timestamptz[]) AS moved(id, next_nudge_at)
                WHERE {table}.id = moved.id""",
            [[profile.pk for profile in profiles], [profile.next_nudge_at for profile in profiles]],
        )


def save_slots(profiles: Sequence[Profile]) -> None:
    """``move_slots_on`` elsewhere than PostgreSQL (the embedded SQLite database): ``bulk_update``."""
    Profile.objects.bulk_update(profiles, ["next_nudge_at"])


def _plan(profile: Profile, roadmap_id: int | None, now: datetime, result: DispatchResult) -> NudgeDelivery | None:
    """Decide one learner's week and move their slot on; the row to insert, if any."""
    try:
        wanted = profile.nudges_enabled and profile.user.is_active
        slot = schedule.due_slot(profile, now) if wanted else None
        profile.next_nudge_at = profile.choose_next_nudge_at(now)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A broken row must not block everyone queued behind it on the index.
        logger.exception("nudges stopped for profile %s: bad schedule", profile.pk)
        profile.next_nudge_at = None
        return None
    if slot is None or roadmap_id is None:
        result.not_eligible += 1
        return None
    late = now - slot > schedule.grace_period()
    result.skipped += late
    return NudgeDelivery(
        user_id=profile.user_id,
        roadmap_id=roadmap_id,
        week_start=schedule.local_week_start(slot, profile),
        scheduled_for=slot,
        local_date=slot.astimezone(profile.zone).date(),
        status=NudgeDelivery.Status.SKIPPED if late else NudgeDelivery.Status.PENDING,
        last_error="missed by more than the grace period" if late else "",
    )


def _new_pending_ids(planned: Sequence[NudgeDelivery]) -> list[int]:
    """Ids of the planned rows that were inserted (an insert that ignores
    conflicts returns none); a row that was already there and never tried is
    included, which is harmless: its sender must win the claim first."""
    if not planned:
        return []
    wanted = {(d.user_id, d.week_start) for d in planned}
    rows = NudgeDelivery.objects.filter(
        user_id__in={user_id for user_id, _ in wanted},
        week_start__in={week for _, week in wanted},
        status=NudgeDelivery.Status.PENDING,
        attempts=0,
    ).values_list("pk", "user_id", "week_start")
    return sorted(pk for pk, user_id, week in rows if (user_id, week) in wanted)


def requeue_stalled_deliveries(*, now: datetime, enqueue: Enqueue | None = None, limit: int = 1000) -> int:
    """Queue again the rows whose job was lost: pending and untouched for long
    (the broker was down when their job was queued, or ran in-process without
    retries), or stuck in "sending" past the lease (the worker died mid-send).

    An expired "sending" row whose mail the sent journal has is recorded as
    sent; any other is taken as not sent, and goes back to pending: see
    ``delivery.claim`` for why a resend beats a loss there. Returns how many
    rows were queued again.
    """
    enqueue = enqueue or queue_send_jobs
    Status = NudgeDelivery.Status
    stale = now - schedule.stall_after()
    stalled = (
        Q(status=Status.PENDING, claimed_at__isnull=True, created_at__lt=stale)
        | Q(status=Status.PENDING, claimed_at__lt=stale)
        | Q(status=Status.SENDING, claimed_at__lt=now - schedule.send_lease())
    )
    rows = list(
        NudgeDelivery.objects.filter(stalled).order_by("pk").only("pk", "status", "user_id", "week_start")[:limit]
    )
    # A dead run may have sent some of its rows and journaled them: those are recorded, not queued.
    found_sent = settle_journaled([row for row in rows if row.status == Status.SENDING])
    if found_sent:
        logger.warning("recorded %d stalled nudge deliveries as sent: their mails had gone out", len(found_sent))
    ids = [row.pk for row in rows if row.pk not in found_sent]
    if not ids:
        return 0
    with transaction.atomic():
        # Touched rows count as fresh: the next dispatch does not queue them again.
        NudgeDelivery.objects.filter(stalled, pk__in=ids).update(status=Status.PENDING, claimed_at=now)
        for chunk in chunks(ids, SEND_CHUNK):
            transaction.on_commit(partial(enqueue, chunk))
    logger.warning("queued %d stalled nudge deliveries again", len(ids))
    return len(ids)


def chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
