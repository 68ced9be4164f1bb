"""build_plan: a track and a learner's week in, a dated plan out.

Rules, in the order they apply:

* Order: phases by ``order``; within a phase the given milestone order, except
  that a milestone waits for its prerequisites (see ``ordering``).
* Known skills: a milestone whose skills are all known is skipped; one with some
  known keeps ceil(minutes * unknown / all) minutes, at least 30 (see ``skills``).
* Splitting: a milestone becomes the fewest tasks of at most ``weekly_minutes``
  each, sizes differing by at most one minute, titled "X (part i of k)".
* Capacity: each study day gets ``weekly_minutes / len(study_days)``, the
  remainder going to the earliest weekdays, so any 7-day window sums to
  ``weekly_minutes``. Blocked dates lose their capacity. Tasks fill the days
  in order, each one consecutive capacity: start_date is the first day it gets
  minutes, due_date the last.
* Phases follow each other with no idle weeks: a phase starts where the
  previous one ends, on the same day's remaining capacity. The track's
  ``start_week``/``end_week`` are the expected pace, never a wait.
* Buffer: with ``buffer_weeks`` b (0..2), after every phase but the last the
  next phase starts no earlier than b * 7 days after the previous phase's last
  day; those days are the plan's ``buffers`` and hold no task. So the longest
  run of days without a task is the buffer (plus days without capacity).
* Target: with ``target_weeks`` each phase gets a scaled window (see
  ``windows``) and must end within it; starting early is always allowed.
* Same as re-planning: packing is the one ``replan`` does (same day filling,
  same buffer rule), so creating a plan and re-planning it from its start day
  with the same inputs give the same dates.
* Limits: nothing may run past start_date + 10 years. When the plan misses a
  window or that limit, PlanDoesNotFit(field="weekly_hours") carries the
  smallest whole number of hours a week (<= 168) that fits, found by binary
  search (finishing dates only move earlier as capacity grows), or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from planner.capacity import (
    HORIZON_YEARS,
    ONE_DAY,
    DayFiller,
    OutOfTime,
    daily_capacities,
    horizon,
    validate_capacity,
)
from planner.model import (
    MAX_BUFFER_WEEKS,
    Buffer,
    Plan,
    PlanDoesNotFit,
    PlannedTask,
    PlanRequest,
    SkippedMilestone,
)
from planner.ordering import order_milestones, sorted_phases, validate_track
from planner.search import least_passing
from planner.skills import Work, adjust_for_known_skills, part_title, split_minutes
from planner.windows import scaled_windows, week_end

MAX_WEEKLY_HOURS = 168

Span = tuple[int, date, date]  # minutes, start date, due date of one task


@dataclass(frozen=True)
class _Frame:
    """When each phase (by plan index) must end, and the last usable day."""

    deadlines: tuple[date, ...] | None
    last_day: date
    goal: str  # how the error message names the limit: "in 26 weeks"


def build_plan(request: PlanRequest) -> Plan:
    """The dated plan for ``request``; see the module docstring for the rules.

    Raises ValueError for malformed input (weekly_minutes <= 0, bad weekdays,
    bad track) and PlanDoesNotFit for choices the learner can change.
    """
    _validate(request)
    placed = order_milestones(request.track)
    work, skipped = adjust_for_known_skills(placed, request.known_skills)
    frame = _frame(request)
    try:
        spans = _pack(work, request.weekly_minutes, frame, request)
    except OutOfTime:
        raise _weekly_hours_error(work, frame, request) from None
    return _assemble(work, skipped, spans, request)


def _validate(request: PlanRequest) -> None:
    validate_capacity(request.weekly_minutes, request.study_days)
    validate_track(request.track)
    if not request.study_days:
        raise PlanDoesNotFit("study_days", "Pick at least one study day.")
    if request.target_weeks is not None and request.target_weeks < 1:
        raise PlanDoesNotFit("target_weeks", "The target must be at least one week.")
    if not 0 <= request.buffer_weeks <= MAX_BUFFER_WEEKS:
        raise ValueError(f"buffer_weeks must be 0..{MAX_BUFFER_WEEKS}, got {request.buffer_weeks}")


def _frame(request: PlanRequest) -> _Frame:
    start, last_day = request.start_date, horizon(request.start_date)
    phases = sorted_phases(request.track)
    target = request.target_weeks
    if target is None:
        return _Frame(None, last_day, f"within {HORIZON_YEARS} years")
    if 7 * target - 1 > (last_day - start).days:
        message = f"A plan can span at most {HORIZON_YEARS} years; {target} weeks is longer."
        raise PlanDoesNotFit("target_weeks", message)
    if len(phases) > target:
        message = f"This track has {len(phases)} phases, so it needs at least {len(phases)} weeks."
        raise PlanDoesNotFit("target_weeks", message)
    windows = scaled_windows(phases, target, request.track.max_weeks)
    deadlines = tuple(week_end(start, window.end_week) for window in windows)
    return _Frame(deadlines, last_day, f"in {target} week{_plural(target)}")


def _pack(work: Sequence[Work], weekly_minutes: int, frame: _Frame, request: PlanRequest) -> list[tuple[Span, ...]]:
    """Dates for every task of every milestone; OutOfTime when a limit is missed."""
    caps = daily_capacities(weekly_minutes, request.study_days)
    filler = DayFiller(request.start_date, caps, request.blocked_dates, frame.last_day)
    spans: list[tuple[Span, ...]] = []
    current_phase = None
    for item in work:
        phase_index = item.placed.phase_index
        if request.buffer_weeks and current_phase is not None and phase_index != current_phase:
            filler.skip_to(buffer_end(spans[-1][-1][2], request.buffer_weeks) + ONE_DAY)
        current_phase = phase_index
        parts = tuple((minutes, *filler.take(minutes)) for minutes in split_minutes(item.minutes, weekly_minutes))
        # Checking each milestone's last task is enough: tasks only move forward.
        if frame.deadlines is not None and parts[-1][2] > frame.deadlines[phase_index]:
            raise OutOfTime
        spans.append(parts)
    return spans


def _assemble(
    work: Sequence[Work],
    skipped: tuple[SkippedMilestone, ...],
    spans: Sequence[tuple[Span, ...]],
    request: PlanRequest,
) -> Plan:
    tasks: list[PlannedTask] = []
    for item, parts in zip(work, spans, strict=True):
        milestone, phase = item.placed.milestone, item.placed.phase
        for part, (minutes, start, due) in enumerate(parts, start=1):
            task = PlannedTask(
                sequence=len(tasks),
                milestone_key=milestone.key,
                phase_order=phase.order,
                phase_title=phase.title,
                title=part_title(milestone.title, part, len(parts)),
                kind=milestone.kind,
                estimated_minutes=minutes,
                start_date=start,
                due_date=due,
                note=item.note,
            )
            tasks.append(task)
    end_date = tasks[-1].due_date if tasks else request.start_date
    total = sum(task.estimated_minutes for task in tasks)
    return Plan(tuple(tasks), skipped, end_date, total, _buffers(tasks, request.buffer_weeks))


def buffer_end(phase_end: date, buffer_weeks: int) -> date:
    """Last day of the buffer after a phase ending on ``phase_end`` (``phase_end`` with no buffer)."""
    return phase_end + timedelta(days=7 * buffer_weeks)


def _buffers(tasks: Sequence[PlannedTask], buffer_weeks: int) -> tuple[Buffer, ...]:
    if buffer_weeks == 0:
        return ()
    return tuple(
        Buffer(before.phase_order, before.due_date + ONE_DAY, buffer_end(before.due_date, buffer_weeks))
        for before, after in zip(tasks, tasks[1:], strict=False)
        if before.phase_order != after.phase_order
    )


def _weekly_hours_error(work: Sequence[Work], frame: _Frame, request: PlanRequest) -> PlanDoesNotFit:
    required = _required_weekly_minutes(work, frame, request)
    if required is None:
        message = (
            f"This plan cannot finish {frame.goal} even at {MAX_WEEKLY_HOURS} hours a week: "
            "too many days are blocked or too few are left. Allow more time or unblock days."
        )
        return PlanDoesNotFit("weekly_hours", message, None)
    message = (
        f"This plan needs at least {hours_phrase(required)} a week to finish {frame.goal}; "
        f"you have {format_hours(request.weekly_minutes)}."
    )
    return PlanDoesNotFit("weekly_hours", message, required)


def _required_weekly_minutes(work: Sequence[Work], frame: _Frame, request: PlanRequest) -> int | None:
    """Smallest whole hours a week (as minutes) that fits, or None if 168 h does not."""

    def fits(hours: int) -> bool:
        try:
            _pack(work, hours * 60, frame, request)
        except OutOfTime:
            return False
        return True

    # The learner's own capacity failed, and fitting is monotone, so start above it.
    hours = least_passing(fits, request.weekly_minutes // 60 + 1, MAX_WEEKLY_HOURS)
    return None if hours is None else hours * 60


def format_hours(minutes: int) -> str:
    """Hours with at most one decimal and no trailing ".0": 480 -> "8", 450 -> "7.5"."""
    text = f"{minutes / 60:.1f}"
    return text.removesuffix(".0")


def hours_phrase(minutes: int) -> str:
    hours = format_hours(minutes)
    return f"{hours} hour" if hours == "1" else f"{hours} hours"


def _plural(count: int) -> str:
    return "" if count == 1 else "s"
