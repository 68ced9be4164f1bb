"""Reads of learners' roadmaps and tasks: every list here has a fixed number of queries."""

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
