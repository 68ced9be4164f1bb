"""What the mails of a chunk need, in two queries whatever its size.

The chunk's delivery rows with learner, profile, roadmap, role and track, then
the tasks of those roadmaps as plain records (``TaskRow``): only the columns a
nudge reads (these rows are wide: catalog texts, JSON, calendar identities). Both queries take the ids as
one parameter (``AnyOf``), so their SQL is compiled once a process and, on
PostgreSQL, prepared once a connection: a sender runs them for every chunk,
and compiling and planning the six-table join cost more than running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.db.models import F

from config.prepared_queries import AnyOf, PreparedQuery
from roadmaps.models import NudgeDelivery, Task
from roadmaps.models.plans import FINISHED_STATUSES

DELIVERY_FIELDS = (
    "user_id",
    "roadmap_id",
    "week_start",
    "scheduled_for",
    "local_date",
    "status",
    "attempts",
    "user__email",
    "user__name",
    "user__is_active",
    "user__profile__timezone",
    "user__profile__language",
    "user__profile__nudges_enabled",
    "roadmap__user_id",
    "roadmap__role_id",
    "roadmap__track_id",
    "roadmap__start_date",
    "roadmap__end_date",
    "roadmap__weekly_hours",
    "roadmap__study_days",
    "roadmap__status",
    "roadmap__role__name",
    "roadmap__track__name",
)


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task as a nudge reads it, nothing more: a plain record, not a model instance.
    A nudge never writes a task, and building 300 model instances a chunk cost
    twice the query that read them."""

    id: int
    roadmap_id: int
    roadmap_milestone_id: int | None
    sequence: int
    title: str
    milestone_title: str
    estimated_minutes: int
    start_date: date
    due_date: date
    status: str
    completed_at: datetime | None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


TASK_COLUMNS = tuple(task_field.name for task_field in fields(TaskRow))

DELIVERIES = PreparedQuery(
    lambda ids: (
        NudgeDelivery.objects.filter(AnyOf(F("pk"), ids))
        .select_related("user__profile", "roadmap__role", "roadmap__track")
        .only(*DELIVERY_FIELDS)
        .order_by()
    ),
    ids="<delivery ids>",
)
TASKS = PreparedQuery(
    lambda ids: (
        Task.objects.filter(AnyOf(F("roadmap_id"), ids)).order_by("roadmap_id", "sequence").values_list(*TASK_COLUMNS)
    ),
    ids="<roadmap ids>",
)


@dataclass
class Chunk:
    deliveries: dict[int, NudgeDelivery] = field(default_factory=dict)
    tasks: dict[int, list[TaskRow]] = field(default_factory=dict)  # by roadmap id, in sequence

    def tasks_of(self, delivery: NudgeDelivery) -> list[TaskRow]:
        return self.tasks.get(delivery.roadmap_id, [])


def load_chunk(delivery_ids: Sequence[int]) -> Chunk:
    """The rows of ``delivery_ids`` that exist, each roadmap's tasks beside them."""
    chunk = Chunk()
    if not delivery_ids:
        return chunk
    chunk.deliveries = {delivery.pk: delivery for delivery in DELIVERIES.all(ids=delivery_ids)}
    roadmap_ids = {delivery.roadmap_id for delivery in chunk.deliveries.values()} - {None}
    if roadmap_ids:
        for row in TASKS.rows(ids=roadmap_ids):
            task = TaskRow(*row)
            chunk.tasks.setdefault(task.roadmap_id, []).append(task)
    return chunk
