"""Reads that need care: every list and detail here has a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from roadmaps.models import Milestone, Phase, Roadmap, Role, Task, Track


def roles_with_details() -> QuerySet[Role]:
    return Role.objects.prefetch_related("essential_skills", "important_skills", "progression", "tracks")


def tracks_with_milestones() -> QuerySet[Track]:
    milestones = Milestone.objects.prefetch_related("skills", "prerequisites").order_by("order")
    phases = Phase.objects.prefetch_related(Prefetch("milestones", queryset=milestones))
    return Track.objects.prefetch_related("roles", Prefetch("phases", queryset=phases.order_by("order")))


def roadmaps_of(user) -> QuerySet[Roadmap]:
    return Roadmap.objects.filter(user=user).select_related("role", "track")


def tasks_of_roadmap(roadmap: Roadmap) -> QuerySet[Task]:
    return roadmap.tasks.order_by("start_date", "sequence")


def sort_by_date(tasks) -> list[Task]:
    """Date order for tasks already loaded (e.g. prefetched), without a new query."""
    return sorted(tasks, key=lambda task: (task.start_date, task.sequence))


def tasks_in_plan_order(roadmap: Roadmap) -> QuerySet[Task]:
    return roadmap.tasks.order_by("sequence")


def tasks_of_user(user) -> QuerySet[Task]:
    return Task.objects.filter(roadmap__user=user)
