"""Reads of milestone records; each has a fixed number of queries whatever the count of milestones."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from roadmaps.models import RoadmapMilestone, Skill, Task


def _with_tasks(records: QuerySet[RoadmapMilestone]) -> QuerySet[RoadmapMilestone]:
    return records.select_related("milestone").prefetch_related(
        Prefetch("tasks", queryset=Task.objects.order_by("sequence"))
    )


def milestones_of_roadmap(roadmap) -> QuerySet[RoadmapMilestone]:
    """The roadmap's milestones that still hold a task, in plan order, with their tasks (two queries)."""
    has_tasks = Exists(Task.objects.filter(roadmap_milestone=OuterRef("pk")))
    return _with_tasks(RoadmapMilestone.objects.filter(roadmap=roadmap).filter(has_tasks)).order_by("sequence")


def milestones_of_user(user) -> QuerySet[RoadmapMilestone]:
    """Every milestone record of the learner's roadmaps: another learner's are simply not there."""
    return _with_tasks(RoadmapMilestone.objects.filter(roadmap__user=user).select_related("roadmap"))


def records_by_id(roadmap) -> dict[int, RoadmapMilestone]:
    """The roadmap's records without their tasks (one query), for pages that loaded the tasks already."""
    return {
        record.id: record for record in RoadmapMilestone.objects.filter(roadmap=roadmap).select_related("milestone")
    }


def records_with_catalog(roadmap) -> dict[int, RoadmapMilestone]:
    """The roadmap's records with their catalog milestone's description and skills (two queries).

    The skills' query runs whenever a record points at a catalog milestone, so
    a page's query count does not depend on how many milestones or tasks it has.
    """
    records = (
        RoadmapMilestone.objects.filter(roadmap=roadmap)
        .select_related("milestone")
        .prefetch_related(Prefetch("milestone__skills", queryset=Skill.objects.order_by("name")))
    )
    return {record.id: record for record in records}
