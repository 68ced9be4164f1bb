"""Milestone states from tasks already loaded: no query here.

The rule itself lives in ``planner.milestones``; these helpers only feed it
``Task`` rows, grouped by the milestone record they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from planner.milestones import DONE, MilestoneState, PartState, milestone_state

__all__ = ["DONE", "FinishedMilestone", "finished_between", "state_of", "states_by_milestone", "tasks_by_milestone"]


def part(task) -> PartState:
    return PartState(
        status=task.status,
        estimated_minutes=task.estimated_minutes,
        start_date=task.start_date,
        due_date=task.due_date,
        completed_at=task.completed_at,
    )


def state_of(tasks: Iterable) -> MilestoneState:
    return milestone_state([part(task) for task in tasks])


def tasks_by_milestone(tasks: Iterable) -> dict[int, list]:
    """Tasks grouped by milestone record id, in the order given; tasks without a record are left out."""
    groups: dict[int, list] = {}
    for task in tasks:
        if task.roadmap_milestone_id is not None:
            groups.setdefault(task.roadmap_milestone_id, []).append(task)
    return groups


def states_by_milestone(tasks: Iterable) -> dict[int, MilestoneState]:
    return {record_id: state_of(group) for record_id, group in tasks_by_milestone(tasks).items()}


@dataclass(frozen=True)
class FinishedMilestone:
    id: int
    title: str
    completed_at: datetime


def finished_between(tasks: Iterable, *, first_day: date, last_day: date, zone) -> list[FinishedMilestone]:
    """Milestones whose status is done and whose completion falls on ``first_day``..``last_day`` (local dates)."""
    finished = []
    for record_id, group in tasks_by_milestone(tasks).items():
        state = state_of(group)
        if state.status != DONE or state.completed_at is None:
            continue
        if first_day <= state.completed_at.astimezone(zone).date() <= last_day:
            finished.append(
                FinishedMilestone(id=record_id, title=group[0].milestone_title, completed_at=state.completed_at)
            )
    return sorted(finished, key=lambda milestone: milestone.completed_at)
