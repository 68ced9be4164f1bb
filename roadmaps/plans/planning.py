"""Translation between the database and the pure planner's dataclasses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import planner
from roadmaps.models import Roadmap, Task, Track
from roadmaps.models.plans import FINISHED_STATUSES


def track_spec(track: Track, dropped: frozenset[str] = frozenset()) -> planner.TrackSpec:
    """Expects a track from ``catalog.selectors.tracks_with_milestones``: no query per milestone.

    Milestones whose slug is in ``dropped`` are left out, and so are they as prerequisites.
    """
    phases = tuple(
        planner.PhaseSpec(
            order=phase.order,
            title=phase.title,
            start_week=phase.start_week,
            end_week=phase.end_week,
            milestones=tuple(
                planner.MilestoneSpec(
                    key=milestone.slug,
                    title=milestone.title,
                    kind=milestone.kind,
                    estimated_minutes=milestone.estimated_hours * 60,
                    skills=tuple(skill.slug for skill in milestone.skills.all()),
                    prerequisites=tuple(p.slug for p in milestone.prerequisites.all() if p.slug not in dropped),
                )
                for milestone in phase.milestones.all()
                if milestone.slug not in dropped
            ),
        )
        for phase in track.phases.all()
    )
    return planner.TrackSpec(phases=phases, min_weeks=track.min_weeks, max_weeks=track.max_weeks)


def optional_milestone_slugs(track: Track) -> list[str]:
    """Slugs of the track's milestones marked optional, in plan order (no query on a prefetched track)."""
    return [m.slug for phase in track.phases.all() for m in phase.milestones.all() if m.optional]


def milestones_by_slug(track: Track) -> dict:
    return {m.slug: m for phase in track.phases.all() for m in phase.milestones.all()}


def tasks_from_plan(roadmap: Roadmap, plan: planner.Plan, milestones: dict) -> list[Task]:
    return [
        Task(
            roadmap=roadmap,
            milestone=milestones.get(planned.milestone_key),
            sequence=planned.sequence,
            title=planned.title,
            milestone_title=milestones[planned.milestone_key].title,
            phase_order=planned.phase_order,
            phase_title=planned.phase_title,
            kind=planned.kind,
            estimated_minutes=planned.estimated_minutes,
            start_date=planned.start_date,
            due_date=planned.due_date,
            note=planned.note[:255],
        )
        for planned in plan.tasks
    ]


def scheduled_tasks(tasks: Iterable[Task]) -> list[planner.ScheduledTask]:
    return [
        planner.ScheduledTask(
            task_id=task.id,
            estimated_minutes=task.estimated_minutes,
            start_date=task.start_date,
            due_date=task.due_date,
            finished=task.status in FINISHED_STATUSES,
            phase_order=task.phase_order,
        )
        for task in tasks
    ]


def task_states(tasks: Iterable[Task], zone) -> list[planner.TaskState]:
    return [
        planner.TaskState(
            estimated_minutes=task.estimated_minutes,
            start_date=task.start_date,
            due_date=task.due_date,
            status=task.status,
            completed_on=task.completed_at.astimezone(zone).date() if task.completed_at else None,
        )
        for task in tasks
    ]


def study_day_minutes(roadmap: Roadmap) -> int:
    """One study day's minutes: the week's minutes over its study days (at least 1)."""
    return max(1, roadmap.weekly_hours * 60 // max(1, len(roadmap.study_days)))


def progress_of(roadmap: Roadmap, tasks: list[Task], *, today: date, zone) -> planner.Progress:
    """The one progress rule (planner.progress) for a stored roadmap: API, pages and nudges call this."""
    return planner.compute_progress(task_states(tasks, zone), today=today, day_minutes=study_day_minutes(roadmap))
