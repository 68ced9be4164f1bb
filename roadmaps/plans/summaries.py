"""Groupings of a plan's tasks for display: phases, milestones, this week.

They work on stored ``Task`` rows and on the planner's ``PlannedTask`` alike
(both carry phase, dates and minutes), so the onboarding preview and the
dashboard show phases the same way. Pure functions over lists already loaded:
no query here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass
class PhaseSummary:
    order: int
    title: str
    start_date: date
    end_date: date
    minutes: int = 0
    finished_minutes: int = 0
    task_count: int = 0
    milestones: list[MilestoneGroup] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def percent_finished(self) -> int:
        return round(100 * self.finished_minutes / self.minutes) if self.minutes else 0

    @property
    def weeks(self) -> int:
        return (self.end_date - self.start_date).days // 7 + 1

    @property
    def hours_per_week(self) -> float:
        return round(self.minutes / 60 / self.weeks, 1)

    def state(self, today: date) -> str:
        if self.minutes and self.finished_minutes == self.minutes:
            return "finished"
        if self.start_date <= today <= self.end_date:
            return "current"
        return "upcoming" if today < self.start_date else "past"


@dataclass
class MilestoneGroup:
    title: str
    kind: str
    start_date: date
    end_date: date
    tasks: list = field(default_factory=list)
    # The learner's milestone record (roadmaps.models.milestones), when the tasks have one.
    record_id: int | None = None

    @property
    def finished(self) -> bool:
        return all(getattr(task, "is_finished", False) for task in self.tasks)


def phase_summaries(tasks: Iterable) -> list[PhaseSummary]:
    """One summary per phase, in phase order, with dates spanning its tasks."""
    phases: dict[int, PhaseSummary] = {}
    for task in tasks:
        phase = phases.get(task.phase_order)
        if phase is None:
            phase = phases[task.phase_order] = PhaseSummary(
                order=task.phase_order,
                title=task.phase_title,
                start_date=task.start_date,
                end_date=task.due_date,
            )
        phase.start_date = min(phase.start_date, task.start_date)
        phase.end_date = max(phase.end_date, task.due_date)
        phase.minutes += task.estimated_minutes
        phase.task_count += 1
        if getattr(task, "is_finished", False):
            phase.finished_minutes += task.estimated_minutes
    return [phases[order] for order in sorted(phases)]


def phases_with_milestones(tasks: Sequence, shown: Iterable) -> list[PhaseSummary]:
    """Phase summaries of all ``tasks``, holding only the ``shown`` ones by milestone.

    Dates and totals stay those of the whole plan when a filter hides tasks;
    phases left without a shown task are dropped.
    """
    phases = {phase.order: phase for phase in phase_summaries(tasks)}
    groups: dict[tuple, MilestoneGroup] = {}
    for task in sorted(shown, key=lambda t: t.sequence):
        record_id = getattr(task, "roadmap_milestone_id", None)
        key = (task.phase_order, record_id or task.milestone_id or task.milestone_title)
        group = groups.get(key)
        if group is None:
            group = groups[key] = MilestoneGroup(
                title=task.milestone_title,
                kind=task.kind,
                start_date=task.start_date,
                end_date=task.due_date,
                record_id=record_id,
            )
            phases[task.phase_order].milestones.append(group)
        group.start_date = min(group.start_date, task.start_date)
        group.end_date = max(group.end_date, task.due_date)
        group.tasks.append(task)
    return [phase for phase in phases.values() if phase.milestones]


def week_bounds(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def tasks_in_week(tasks: Iterable, today: date) -> list:
    """Tasks with at least one day in today's Monday-to-Sunday week, by date."""
    monday, sunday = week_bounds(today)
    return [task for task in tasks if task.start_date <= sunday and task.due_date >= monday]
