"""compute_progress: how far a learner is, and where the plan says they should be.

One rule, used by the API, the pages and the nudges alike. ``today`` is the
learner's local date, always passed in; figures are as of the end of today.

* Skipped tasks leave the plan: they count in neither ``minutes_done`` nor
  ``minutes_total`` and are reported as ``minutes_skipped``. Done tasks count
  as done.
* Percentages weigh tasks by estimated minutes (by count when every task in
  the plan has 0 minutes) and are rounded to 1 decimal; an unfinished plan
  shows at most 99.9 so rounding never claims it is complete. A plan with no
  task left (none, or all skipped) is complete (100.0).
* Expected: the minutes of the plan's tasks due by the end of today (due_date
  <= today), as ``minutes_expected`` and as a percentage of the total.
* Status, by slack in minutes (done minus expected), against one study day's
  minutes (``day_minutes``: the week's minutes over its study days): "behind"
  when more than one study day's minutes are overdue (slack < -day_minutes),
  "ahead" when more than one study day's minutes are done beyond what is due
  (slack > day_minutes), else "on_track". A finished plan is never "behind".
* Overdue: unfinished (todo, in progress) tasks whose due_date < today, as
  input indexes.
* Streak: consecutive ISO weeks with at least one task finished (done or
  skipped, by ``completed_on``), ending with today's week, or with last week if
  nothing was finished yet this week.
* Projected end: today if nothing is left. Otherwise the pace of the last four
  weeks: minutes done with ``completed_on`` in the 28 days ending today (fewer
  days when the plan started less than 28 days ago, but at least 7), and the
  end is today + ceil(remaining / pace) days (date.max if that overflows).
  With no history (nothing done yet, or the plan starts after today) the
  plan's own end: the latest due date of the tasks left. With history but no
  minute done in the window, None: no pace to project from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = frozenset({"todo", "in_progress", "done", "skipped"})
FINISHED_STATUSES = frozenset({"done", "skipped"})
_UNFINISHED_CAP = 99.9
PACE_WINDOW_DAYS = 28
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
    minutes_done: int  # minutes of done tasks
    minutes_total: int  # minutes of the plan: every task but the skipped ones
    minutes_skipped: int
    minutes_expected: int  # minutes of the plan due by the end of today
    expected_percent: float  # 0..100, 1 decimal, as of the end of today
    status: str  # "ahead" | "on_track" | "behind"
    overdue_task_indexes: tuple[int, ...]
    streak_weeks: int
    projected_end_date: date | None


def compute_progress(tasks: Sequence[TaskState], *, today: date, day_minutes: int) -> Progress:
    """Progress of ``tasks`` as of the end of ``today``; see the module docstring."""
    _validate(tasks, day_minutes)
    plan = [task for task in tasks if task.status != "skipped"]
    done = [task for task in plan if task.status == "done"]
    minutes_total = sum(task.estimated_minutes for task in plan)
    minutes_done = sum(task.estimated_minutes for task in done)
    minutes_expected = sum(task.estimated_minutes for task in plan if task.due_date <= today)
    all_done = len(done) == len(plan)
    return Progress(
        percent_complete=_percent(plan, [t.status == "done" for t in plan], all_done),
        minutes_done=minutes_done,
        minutes_total=minutes_total,
        minutes_skipped=sum(task.estimated_minutes for task in tasks if task.status == "skipped"),
        minutes_expected=minutes_expected,
        expected_percent=_percent(plan, [t.due_date <= today for t in plan], not plan, cap=100.0),
        status=_status(minutes_done - minutes_expected, day_minutes, all_done),
        overdue_task_indexes=tuple(
            i for i, task in enumerate(tasks) if task.status not in FINISHED_STATUSES and task.due_date < today
        ),
        streak_weeks=_streak_weeks(tasks, today),
        projected_end_date=_projected_end(plan, all_done, minutes_total - minutes_done, today),
    )


def _validate(tasks: Sequence[TaskState], day_minutes: int) -> None:
    if day_minutes <= 0:
        raise ValueError(f"day_minutes must be > 0, got {day_minutes}")
    for index, task in enumerate(tasks):
        if task.status not in STATUSES:
            raise ValueError(f"task {index} has unknown status {task.status!r}")
        if task.estimated_minutes < 0:
            raise ValueError(f"task {index} has negative minutes")


def _percent(plan: Sequence[TaskState], counted: Sequence[bool], complete: bool, cap=_UNFINISHED_CAP) -> float:
    if complete:
        return 100.0
    # All-zero estimates would make every share 0/0: count tasks instead.
    weights = [task.estimated_minutes for task in plan]
    if sum(weights) == 0:
        weights = [1] * len(plan)
    share = sum(weight for weight, c in zip(weights, counted, strict=True) if c)
    return min(cap, round(100 * share / sum(weights), 1))


def _status(slack_minutes: int, day_minutes: int, all_done: bool) -> str:
    if slack_minutes > day_minutes:
        return "ahead"
    if slack_minutes < -day_minutes and not all_done:
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


def _projected_end(plan: Sequence[TaskState], all_done: bool, remaining: int, today: date) -> date | None:
    if all_done:
        return today
    first_start = min(task.start_date for task in plan)
    done = [task for task in plan if task.status == "done"]
    if not done or first_start > today:
        return max(today, max(task.due_date for task in plan if task.status != "done"))
    window_days = max(MIN_PACE_DAYS, min(PACE_WINDOW_DAYS, (today - first_start).days + 1))
    window_start = today - timedelta(days=window_days - 1)
    recent = sum(
        task.estimated_minutes for task in done if task.completed_on and window_start <= task.completed_on <= today
    )
    if recent == 0:
        return None
    # remaining / (recent / window_days), rounded up, in integers.
    days = -(-remaining * window_days // recent)
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return date.max
