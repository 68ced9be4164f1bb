"""The task tick as one statement on PostgreSQL: ``roadmaps_task_tick`` (migration 0007).

Every API tick used to take six round trips (BEGIN, the locked read, the task's
UPDATE, the look at the other tasks, the feed's UPDATE, COMMIT) each parsed and
planned by the server; the function runs the same statements, in the same order,
in one call whose plans the server keeps. ``services`` calls it on PostgreSQL and
runs its own statements elsewhere (SQLite); the tests run both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from roadmaps.models import Roadmap, Task
from roadmaps.models.plans import FINISHED_STATUSES

# The task's columns the function answers with, in its order: those the API shows.
TICKED_COLUMNS = (
    "id",
    "title",
    "phase_title",
    "milestone_title",
    "kind",
    "start_date",
    "due_date",
    "estimated_minutes",
    "status",
    "completed_at",
    "note",
    "roadmap_id",
    "updated_at",
)
# Typed as the function's parameters: the server binds them itself (a prepared statement).
TICK_SQL = (
    "SELECT * FROM roadmaps_task_tick("
    "%s::bigint, %s::bigint, %s::varchar, %s::timestamptz, %s::varchar[], %s::varchar, %s::varchar, %s::varchar)"
)


@dataclass(frozen=True)
class Ticked:
    task: Task  # only TICKED_COLUMNS loaded (the rest deferred, as with ``.only()``)
    roadmap_status: str
    feed_digests: tuple[str, ...]


@functools.cache
def _in_model_order() -> list[str]:
    # Model.from_db takes the loaded columns in the order of the model's fields.
    return [field.attname for field in Task._meta.concrete_fields if field.attname in TICKED_COLUMNS]


def _fits_an_id(value: int) -> bool:
    low, high = connection.ops.integer_field_range(Task._meta.pk.get_internal_type())
    return low <= value <= high


def available() -> bool:
    return connection.vendor == "postgresql"


def tick(*, task_id: int, user_id: int, status: str, now: datetime) -> Ticked | None:
    """The learner's task with its new status, or None when the learner has no such task."""
    if not _fits_an_id(task_id):
        return None  # no row has it, and PostgreSQL would find no function for a numeric argument
    arguments = [
        task_id,
        user_id,
        status,
        now,
        [str(finished) for finished in FINISHED_STATUSES],
        Roadmap.Status.ACTIVE.value,
        Roadmap.Status.COMPLETED.value,
        Roadmap.Status.ARCHIVED.value,
    ]
    # Prepared on the connection after its second tick (config.postgresql): the call is
    # neither parsed nor planned again, and its arguments are not quoted into the SQL.
    rows = connection.fetch_prepared(TICK_SQL, arguments)
    if not rows:
        return None
    *task_values, roadmap_status, digests = rows[0]
    by_name = dict(zip(TICKED_COLUMNS, task_values, strict=True))
    names = _in_model_order()
    task = Task.from_db(connection.alias, names, [by_name[name] for name in names])
    return Ticked(task=task, roadmap_status=roadmap_status, feed_digests=tuple(digests))
