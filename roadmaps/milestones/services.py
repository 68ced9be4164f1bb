"""Writes to a learner's milestones; each function owns its transaction.

Setting a milestone's status sets every one of its tasks, as ticking each would
(a task finished earlier keeps its finishing time), then the roadmap's status
is recomputed exactly as after a task is ticked.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from roadmaps.calendar import services as calendar_services
from roadmaps.models import Roadmap, RoadmapMilestone
from roadmaps.models.plans import FINISHED_STATUSES, TaskStatus
from roadmaps.plans import services as plan_services

SETTABLE_STATUSES = (TaskStatus.DONE, TaskStatus.SKIPPED, TaskStatus.TODO)


def milestone_update(
    *,
    milestone: RoadmapMilestone,
    now: datetime,
    status: str | None = None,
    evidence_url: str | None = None,
    note: str | None = None,
) -> RoadmapMilestone:
    """Apply whichever of ``status``, ``evidence_url`` and ``note`` is given, all or nothing."""
    with transaction.atomic():
        # The roadmap row is the lock a re-plan takes too: the two never interleave.
        roadmap = Roadmap.objects.select_for_update().get(pk=milestone.roadmap_id)
        if status is not None:
            _set_task_statuses(milestone, status, now)
            plan_services._sync_roadmap_status(roadmap)
            calendar_services.feed_touch(user_id=roadmap.user_id)
        changed = []
        if evidence_url is not None:
            milestone.evidence_url = evidence_url
            changed.append("evidence_url")
        if note is not None:
            milestone.note = note
            changed.append("note")
        if changed:
            milestone.save(update_fields=[*changed, "updated_at"])
    return milestone


def _set_task_statuses(milestone: RoadmapMilestone, status: str, now: datetime) -> None:
    if status not in SETTABLE_STATUSES:
        raise ValueError(f"A milestone's status can be set to {', '.join(SETTABLE_STATUSES)}, not {status!r}.")
    finished_at = Coalesce(F("completed_at"), Value(now)) if status in FINISHED_STATUSES else None
    # One UPDATE for all the milestone's tasks; those already in that status are left as they are.
    milestone.tasks.exclude(status=status).update(status=status, completed_at=finished_at, updated_at=now)
