"""plan_sessions: which minutes of which task a learner studies on each day.

Sessions are derived from the dated tasks, never stored: a task's dates plus
the learner's week determine them, so they are always consistent with the
tasks and cost no extra writes (see ``roadmaps/plans/sessions.py``).

Rules, in the order they apply:

* Capacity: the same per-weekday capacity as scheduling (``capacity``);
  blocked dates and non-study days have none.
* Packing groups: tasks packed in one pass (one creation, or one re-plan) share
  a group. Within a group, tasks are taken in plan order (``sequence``); each
  fills, from its own ``start_date`` on, the capacity its group has left on
  each day, exactly as the scheduler placed it. This replays the scheduler's
  packing, so sessions end on the task's ``due_date``. Tasks of another group
  (finished before a later re-plan) do not take capacity from this group: that
  re-plan already gave their days to the re-packed tasks. Only the sessions an
  earlier group keeps (see "Finished early") count against a later group, so
  a day never holds more than its capacity.
* Should stored dates not match the week any more (a task reopened after a
  re-plan), the task keeps filling later study days past its due date: a day
  never exceeds its capacity and a task's sessions always sum to its minutes.
* Finished early: a task finished on day F keeps its sessions up to and
  including F and loses the later ones; nothing else moves (the capacity it
  leaves stays free until the learner re-plans).
* Order: within a day, sessions are numbered 0, 1, ... in plan order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from planner.capacity import ONE_DAY, daily_capacities, validate_capacity

# A task whose stored dates no longer fit the week may spill this far at most.
_MAX_SPILL_DAYS = 366 * 11


@dataclass(frozen=True)
class SessionTask:
    task_id: int
    sequence: int  # plan order
    estimated_minutes: int
    start_date: date
    due_date: date
    finished_on: date | None = None  # local date it was finished (done or skipped), None while open
    group: int = 0  # packing group: tasks packed in one pass share it


@dataclass(frozen=True)
class Session:
    date: date
    task_id: int
    minutes: int  # > 0
    order: int  # position within the day, 0 first


def plan_sessions(
    tasks: Sequence[SessionTask],
    *,
    weekly_minutes: int,
    study_days: frozenset[int],
    blocked_dates: frozenset[date] = frozenset(),
) -> tuple[Session, ...]:
    """Every session of ``tasks``, sorted by (date, order); see the module docstring."""
    validate_capacity(weekly_minutes, study_days)
    caps = daily_capacities(weekly_minutes, study_days)
    raw: list[tuple[date, int, int, int]] = []  # date, sequence, task id, minutes
    by_group: dict[int, list[SessionTask]] = defaultdict(list)
    for task in tasks:
        by_group[task.group].append(task)
    kept: dict[date, int] = defaultdict(int)  # minutes of sessions kept by earlier groups
    for group in sorted(by_group):
        used = defaultdict(int, kept)
        for task in sorted(by_group[group], key=lambda t: t.sequence):
            for day, minutes in _fill(task, caps, blocked_dates, used):
                if task.finished_on is None or day <= task.finished_on:
                    raw.append((day, task.sequence, task.task_id, minutes))
                    kept[day] += minutes
    raw.sort()
    sessions: list[Session] = []
    for day, _sequence, task_id, minutes in raw:
        order = sessions[-1].order + 1 if sessions and sessions[-1].date == day else 0
        sessions.append(Session(day, task_id, minutes, order))
    return tuple(sessions)


def _fill(task: SessionTask, caps: tuple[int, ...], blocked: frozenset[date], used: dict[date, int]):
    """(day, minutes) pairs taking ``task``'s minutes from its start date on; updates ``used``."""
    remaining = task.estimated_minutes
    day = task.start_date
    last = task.start_date + _MAX_SPILL_DAYS * ONE_DAY
    while remaining > 0 and day <= last:
        capacity = 0 if day in blocked else caps[day.weekday()]
        free = capacity - used[day]
        if free > 0:
            taken = min(free, remaining)
            used[day] += taken
            remaining -= taken
            yield day, taken
        day += ONE_DAY
