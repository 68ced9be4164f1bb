"""A milestone's state, derived from the states of the tasks it was split into.

This is the one rule: the API, the pages, the weekly nudge and the calendar feed
all call ``milestone_state``. Rules, in the order they apply:

* Status: no task, or every task "todo" -> "todo". Every task "skipped" ->
  "skipped". Every task finished ("done" or "skipped") with at least one "done"
  -> "done". Otherwise, once any task is "done" or "in_progress" ->
  "in_progress"; a milestone whose only movement is a skipped part is still
  "todo" (nothing of it was done yet).
* Hours, as in the roadmap's progress since API v1.1: skipped tasks leave the
  plan, so ``minutes_total`` counts every task but the skipped ones and
  ``minutes_done`` counts the "done" ones.
* Dates: ``start_date`` is the earliest task start, ``due_date`` the latest due date.
* ``completed_at``: when the status is "done", the latest finishing time of
  its tasks (the moment the last part was ticked); otherwise None. A finished
  task without a time does not move it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

TODO, IN_PROGRESS, DONE, SKIPPED = "todo", "in_progress", "done", "skipped"
FINISHED = frozenset({DONE, SKIPPED})


@dataclass(frozen=True)
class PartState:
    """One task of a milestone, as the rule sees it."""

    status: str
    estimated_minutes: int
    start_date: date
    due_date: date
    completed_at: datetime | None = None


@dataclass(frozen=True)
class MilestoneState:
    status: str
    minutes_done: int
    minutes_total: int
    start_date: date | None
    due_date: date | None
    completed_at: datetime | None


def milestone_status(statuses: Sequence[str]) -> str:
    """The status rule alone (see the module docstring)."""
    if not statuses:
        return TODO
    present = set(statuses)
    if present == {SKIPPED}:
        return SKIPPED
    if present <= FINISHED:
        return DONE
    if present & {DONE, IN_PROGRESS}:
        return IN_PROGRESS
    return TODO


def milestone_state(parts: Sequence[PartState]) -> MilestoneState:
    status = milestone_status([part.status for part in parts])
    finished_times = [part.completed_at for part in parts if part.status in FINISHED and part.completed_at]
    return MilestoneState(
        status=status,
        minutes_done=sum(part.estimated_minutes for part in parts if part.status == DONE),
        minutes_total=sum(part.estimated_minutes for part in parts if part.status != SKIPPED),
        start_date=min((part.start_date for part in parts), default=None),
        due_date=max((part.due_date for part in parts), default=None),
        completed_at=max(finished_times) if status == DONE and finished_times else None,
    )
