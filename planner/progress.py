"""compute_progress: how far a learner is, and where the plan says they should be.

Rules (``today`` is the learner's local date, always passed in):

* Finished means status "done" or "skipped". Percentages weigh tasks by
  estimated minutes (by count when every task has 0 minutes) and are rounded
  to 1 decimal; an unfinished plan shows at most 99.9 so rounding never claims
  it is complete. A plan with no task counts as complete (100.0).
* Expected: each task contributes its minutes times the fraction of its
  calendar days start_date..due_date (inclusive) that are <= today: nothing
  before it starts, all of it once today reaches its due date.
* Status compares the two rounded figures: "ahead" if percent_complete >=
  expected + tolerance, "behind" if percent_complete < expected - tolerance,
  else "on_track". A finished plan is at 100 >= expected, so it is never
  "behind": "ahead" if it finished at least ``tolerance`` early, else "on_track".
* Overdue: unfinished tasks whose due_date < today, as input indexes.
* Streak: consecutive ISO weeks with at least one task finished (by
  ``completed_on``), ending with today's week, or with last week if nothing was
  finished yet this week. Finished tasks without ``completed_on`` do not count.
* Projected end: today if everything is finished; None if no minute is done;
  else pace = minutes_done / max(7, days from the first task's start to today)
  and the end is today + ceil(remaining / pace) days (date.max if that overflows).
  The pace is measured over at least a week: a task ticked on day one says
  little about how fast the rest will go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = frozenset({"todo", "in_progress", "done", "skipped"})
FINISHED_STATUSES = frozenset({"done", "skipped"})
_UNFINISHED_CAP = 99.9
MIN_PACE_DAYS = 7


@dataclass(frozen=True)
class TaskState:
    estimated_minutes: int
    start_date: date
    due_date: date
    status: str  # todo | in_progress | done | skipped
    completed_on: date | None  # local date it was finished (done or skipped)


@dataclass(frozen=True)
class Progress:
    percent_complete: float  # 0..100, 1 decimal
    minutes_done: int  # minutes of finished (done or skipped) tasks
    minutes_total: int
    expected_percent: float  # 0..100, 1 decimal, as of the end of today
    status: str  # "ahead" | "on_track" | "behind"
    overdue_task_indexes: tuple[int, ...]
    streak_weeks: int
    projected_end_date: date | None


def compute_progress(tasks: Sequence[TaskState], *, today: date, tolerance_percent: float = 5.0) -> Progress:
    """Progress of ``tasks`` as of the end of ``today``; see the module docstring."""
    _validate(tasks, tolerance_percent)
    finished = [task.status in FINISHED_STATUSES for task in tasks]
    minutes_total = sum(task.estimated_minutes for task in tasks)
    minutes_done = sum(task.estimated_minutes for task, f in zip(tasks, finished, strict=True) if f)
    percent = _percent_complete(tasks, finished)
    expected = _expected_percent(tasks, today)
    return Progress(
        percent_complete=percent,
        minutes_done=minutes_done,
        minutes_total=minutes_total,
        expected_percent=expected,
        status=_status(percent, expected, tolerance_percent),
        overdue_task_indexes=tuple(i for i, task in enumerate(tasks) if not finished[i] and task.due_date < today),
        streak_weeks=_streak_weeks(tasks, today),
        projected_end_date=_projected_end(tasks, all(finished), minutes_done, today),
    )


def _validate(tasks: Sequence[TaskState], tolerance_percent: float) -> None:
    if tolerance_percent < 0:
        raise ValueError(f"tolerance_percent must be >= 0, got {tolerance_percent}")
    for index, task in enumerate(tasks):
        if task.status not in STATUSES:
            raise ValueError(f"task {index} has unknown status {task.status!r}")
        if task.estimated_minutes < 0:
            raise ValueError(f"task {index} has negative minutes")


def _weights(tasks: Sequence[TaskState]) -> list[int]:
    # All-zero estimates would make every share 0/0: count tasks instead.
    minutes = [task.estimated_minutes for task in tasks]
    return minutes if sum(minutes) > 0 else [1] * len(tasks)


def _percent_complete(tasks: Sequence[TaskState], finished: Sequence[bool]) -> float:
    if all(finished):
        return 100.0
    weights = _weights(tasks)
    done = sum(weight for weight, f in zip(weights, finished, strict=True) if f)
    return min(_UNFINISHED_CAP, round(100 * done / sum(weights), 1))


def _expected_percent(tasks: Sequence[TaskState], today: date) -> float:
    if not tasks:
        return 100.0
    weights = _weights(tasks)
    expected = 0.0
    for weight, task in zip(weights, tasks, strict=True):
        span = max(1, (task.due_date - task.start_date).days + 1)
        elapsed = min(span, max(0, (today - task.start_date).days + 1))
        expected += weight * elapsed / span
    return min(100.0, round(100 * expected / sum(weights), 1))


def _status(percent: float, expected: float, tolerance: float) -> str:
    if percent >= expected + tolerance:
        return "ahead"
    if percent < expected - tolerance:
        return "behind"
    return "on_track"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _streak_weeks(tasks: Sequence[TaskState], today: date) -> int:
    weeks = {
        _monday(task.completed_on)
        for task in tasks
        if task.status in FINISHED_STATUSES and task.completed_on is not None
    }
    week = _monday(today)
    if week not in weeks:
        # This week is not over: an empty one so far does not break the streak yet.
        week -= timedelta(days=7)
    streak = 0
    while week in weeks:
        streak += 1
        week -= timedelta(days=7)
    return streak


def _projected_end(tasks: Sequence[TaskState], all_finished: bool, minutes_done: int, today: date) -> date | None:
    if all_finished:
        return today
    if minutes_done == 0:
        return None
    remaining = sum(task.estimated_minutes for task in tasks) - minutes_done
    first_start = min(task.start_date for task in tasks)
    elapsed = max(MIN_PACE_DAYS, (today - first_start).days)
    # remaining / (done / elapsed), rounded up, in integers.
    days = -(-remaining * elapsed // minutes_done)
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return date.max
