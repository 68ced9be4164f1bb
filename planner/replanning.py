"""replan: move the unfinished tasks of an existing plan forward from a date.

Rules:

* Finished tasks (done or skipped) keep their dates exactly.
* Unfinished tasks keep their input order and are packed again with the same
  day filling as ``build_plan`` (see ``capacity``), starting at ``from_date``:
  nothing starts before it, nothing lands on a non-study or blocked day, and
  only re-packed tasks count against the weekly capacity. A task bigger than a
  week's capacity simply spans several weeks; a zero-minute task lands on the
  next day with capacity left.
* Buffer: between two re-packed tasks of different phases (``phase_order``),
  the later one starts no earlier than ``buffer_weeks`` * 7 days after the
  earlier one's due date, as in ``build_plan``; with no buffer it continues on
  the same day. So re-planning a fresh plan from its start day with the same
  week and buffer gives back exactly its dates, and re-planning twice the
  same way changes nothing the second time.
* Phase windows and targets do not apply: a replan only follows the learner.
* ``moved_task_ids`` lists, in input order, the tasks whose dates changed.
* ``end_date`` is the latest due date of all tasks (``from_date`` if none).

Errors: ValueError for weekly_minutes <= 0, bad weekdays or negative minutes;
PlanDoesNotFit(field="study_days") for no study day; and
PlanDoesNotFit(field="weekly_hours", required_weekly_minutes=None) when the
tasks would run past from_date + 10 years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from planner.capacity import (
    HORIZON_YEARS,
    DayFiller,
    OutOfTime,
    daily_capacities,
    horizon,
    validate_capacity,
)
from planner.model import MAX_BUFFER_WEEKS, PlanDoesNotFit


@dataclass(frozen=True)
class ScheduledTask:
    task_id: int
    estimated_minutes: int
    start_date: date
    due_date: date
    finished: bool  # done or skipped
    phase_order: int = 0


@dataclass(frozen=True)
class TaskMove:
    task_id: int
    start_date: date
    due_date: date


@dataclass(frozen=True)
class Replan:
    tasks: tuple[TaskMove, ...]  # every task, in the input order, with its (possibly new) dates
    moved_task_ids: tuple[int, ...]
    end_date: date


def replan(
    tasks: Sequence[ScheduledTask],
    *,
    from_date: date,
    weekly_minutes: int,
    study_days: frozenset[int],
    blocked_dates: frozenset[date] = frozenset(),
    buffer_weeks: int = 0,
) -> Replan:
    """New dates for ``tasks``; see the module docstring for the rules."""
    _validate(tasks, weekly_minutes, study_days)
    if not 0 <= buffer_weeks <= MAX_BUFFER_WEEKS:
        raise ValueError(f"buffer_weeks must be 0..{MAX_BUFFER_WEEKS}, got {buffer_weeks}")
    caps = daily_capacities(weekly_minutes, study_days)
    filler = DayFiller(from_date, caps, blocked_dates, horizon(from_date))
    moves: list[TaskMove] = []
    previous: tuple[int, date] | None = None  # phase and due date of the last re-packed task
    try:
        for task in tasks:
            if task.finished:
                moves.append(TaskMove(task.task_id, task.start_date, task.due_date))
                continue
            if buffer_weeks and previous is not None and previous[0] != task.phase_order:
                filler.skip_to(previous[1] + timedelta(days=7 * buffer_weeks + 1))
            move = TaskMove(task.task_id, *filler.take(task.estimated_minutes))
            moves.append(move)
            previous = (task.phase_order, move.due_date)
    except OutOfTime:
        message = (
            f"At this pace the remaining tasks would take more than {HORIZON_YEARS} years; add hours or study days."
        )
        raise PlanDoesNotFit("weekly_hours", message, None) from None
    moved = tuple(
        move.task_id
        for task, move in zip(tasks, moves, strict=True)
        if (task.start_date, task.due_date) != (move.start_date, move.due_date)
    )
    end_date = max((move.due_date for move in moves), default=from_date)
    return Replan(tuple(moves), moved, end_date)


def _validate(tasks: Sequence[ScheduledTask], weekly_minutes: int, study_days: frozenset[int]):
    validate_capacity(weekly_minutes, study_days)
    if not study_days:
        raise PlanDoesNotFit("study_days", "Pick at least one study day.")
    for task in tasks:
        if task.estimated_minutes < 0:
            raise ValueError(f"task {task.task_id} has negative minutes")
