"""Reads of learners' roadmaps and tasks: every list here has a fixed number of queries."""

import functools

from django.db import connection
from django.db.models import QuerySet

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
    """The learner's task, its roadmap's row locked (the lock every write to a roadmap's
    tasks takes first): one query, inside the caller's transaction. Task.DoesNotExist
    for another learner's task or none.

    Every tick starts here, so the SQL is written once per process from the models'
    columns: the ORM compiling a join of this width costs more than the query itself.
    The roadmap comes as an instance with its id, owner and status only.
    """
    found = list(Task.objects.raw(task_for_update_sql(), [task_id, user.pk]))
    if not found:
        raise Task.DoesNotExist(f"No task {task_id} of user {user.pk}")
    task = found[0]
    roadmap_fields = ["id", "user_id", "status"]
    task.roadmap = Roadmap.from_db(task._state.db, roadmap_fields, [task.roadmap_id, user.pk, task.roadmap_status])
    return task


@functools.cache
def task_for_update_sql() -> str:
    quote = connection.ops.quote_name
    tasks, roadmaps = quote(Task._meta.db_table), quote(Roadmap._meta.db_table)
    columns = ", ".join(f"{tasks}.{quote(field.column)}" for field in Task._meta.concrete_fields)
    # SQLite has no row locks: its write transactions are serialized whole.
    lock = connection.ops.for_update_sql(of=(roadmaps,)) if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {columns}, {roadmaps}.{quote('status')} AS roadmap_status FROM {tasks} "
        f"INNER JOIN {roadmaps} ON {tasks}.{quote('roadmap_id')} = {roadmaps}.{quote('id')} "
        f"WHERE {tasks}.{quote('id')} = %s AND {roadmaps}.{quote('user_id')} = %s {lock}"
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
