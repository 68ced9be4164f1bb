"""Reads of learners' roadmaps and tasks: every list here has a fixed number of queries."""

import functools

from django.db import connection
from django.db.models import QuerySet

from config.prepared_queries import PreparedQuery
from roadmaps.models import Roadmap, Task
from roadmaps.models.plans import FINISHED_STATUSES


def roadmaps_of(user) -> QuerySet[Roadmap]:
    return Roadmap.objects.filter(user=user).select_related("role", "track")


def tasks_of_roadmap(roadmap: Roadmap) -> QuerySet[Task]:
    return roadmap.tasks.order_by("start_date", "sequence")


def sort_by_date(tasks) -> list[Task]:
    """Date order for tasks already loaded (e.g. prefetched), without a new query."""
    return sorted(tasks, key=lambda task: (task.start_date, task.sequence))


def tasks_in_plan_order(roadmap: Roadmap) -> QuerySet[Task]:
    return roadmap.tasks.order_by("sequence")


def next_tasks(user, *, limit: int) -> QuerySet[Task]:
    """The learner's first ``limit`` unfinished tasks of active roadmaps, in plan order (by date)."""
    return (
        Task.objects.filter(roadmap__user=user, roadmap__status=Roadmap.Status.ACTIVE)
        .exclude(status__in=FINISHED_STATUSES)
        .order_by("start_date", "roadmap_id", "sequence")[:limit]
    )


def tasks_of_user(user) -> QuerySet[Task]:
    return Task.objects.filter(roadmap__user=user)


def task_of_user_for_update(user, task_id: int) -> Task:
    """The learner's task with its roadmap, the roadmap's row locked (the lock every write
    to a roadmap's tasks takes first): one query, inside the caller's transaction.
    Task.DoesNotExist for another learner's task or none.

    Every tick starts here: its SQL is compiled once per process (config.prepared_queries),
    where compiling a join of this width cost more than running it.
    """
    found = TASK_FOR_UPDATE.all(task_id=task_id, user_id=user.pk)
    if not found:
        raise Task.DoesNotExist(f"No task {task_id} of user {user.pk}")
    return found[0]


# Placeholders: no row has a negative id. SQLite has no row locks (its write
# transactions are serialized whole): there the ORM leaves FOR UPDATE out.
TASK_FOR_UPDATE = PreparedQuery(
    lambda task_id, user_id: (
        Task.objects.filter(pk=task_id, roadmap__user_id=user_id)
        .select_related("roadmap")
        .select_for_update(of=("roadmap",))
        .order_by()
    ),
    task_id=-1_000_001,
    user_id=-1_000_002,
)


def has_unfinished_tasks(roadmap_id: int) -> bool:
    """Whether any task of the roadmap is neither done nor skipped (SQL written once, as above)."""
    with connection.cursor() as cursor:
        cursor.execute(unfinished_task_sql(), [roadmap_id, *FINISHED_STATUSES])
        return cursor.fetchone() is not None


@functools.cache
def unfinished_task_sql() -> str:
    quote = connection.ops.quote_name
    statuses = ", ".join("%s" for _ in FINISHED_STATUSES)
    return (
        f"SELECT 1 FROM {quote(Task._meta.db_table)} "
        f"WHERE {quote('roadmap_id')} = %s AND {quote('status')} NOT IN ({statuses}) LIMIT 1"
    )
