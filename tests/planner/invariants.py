"""Independent checks of the planner's promises, shared by unit and property tests.

They re-derive what a plan must satisfy from the inputs alone (capacity per
weekday, kept minutes, prerequisite order, phase windows, the ten-year limit)
from the rules in the planner's module docstrings, rather than reusing planner
code, so a bug in the planner cannot hide by agreeing with itself. Only the
planner's public data types are imported (tests/planner/test_purity.py checks).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

from planner import MilestoneSpec, PhaseSpec, Plan, PlanRequest, TrackSpec

ONE_DAY = timedelta(days=1)
Span = tuple[int, date, date]  # minutes, start, due


class Capacity:
    """The rules' day capacity: weekly minutes over the study days, remainder to the earliest."""

    def __init__(self, weekly_minutes: int, study_days: frozenset[int], blocked: frozenset[date]):
        days = sorted(study_days)
        base, extra = divmod(weekly_minutes, len(days))
        self.by_iso_day = {d: base + (1 if rank < extra else 0) for rank, d in enumerate(days)}
        self.blocked = blocked

    def on(self, day: date) -> int:
        if day in self.blocked:
            return 0
        return self.by_iso_day.get(day.isoweekday(), 0)

    def between(self, first: date, last: date) -> int:
        """Capacity over first..last inclusive (0 when first > last)."""
        total, day = 0, first
        while day <= last:
            total += self.on(day)
            day += ONE_DAY
        return total


def assert_spans_fit(spans: Sequence[Span], capacity: Capacity) -> None:
    """Some allocation gives every task its minutes within its own dates, capacity never exceeded.

    Tasks are in date order, so placing each as early as possible is optimal:
    if this greedy placement fails, no placement exists.
    """
    cursor, left = None, 0
    for minutes, start, due in spans:
        if cursor is None or cursor < start:
            cursor, left = start, capacity.on(start)
        need = minutes
        while True:
            used = min(need, left)
            need, left = need - used, left - used
            if need == 0:
                break
            cursor += ONE_DAY
            left = capacity.on(cursor)
            assert cursor <= due, f"{minutes} minutes do not fit in {start}..{due}"


def assert_spans_are_tight(spans: Sequence[Span], capacity: Capacity) -> None:
    """Each task gets minutes on its first and last day and uses every day in between fully."""
    for minutes, start, due in spans:
        assert start <= due
        assert capacity.on(start) > 0 and capacity.on(due) > 0, (start, due)
        interior = capacity.between(start + ONE_DAY, due - ONE_DAY)
        assert minutes >= interior + (2 if start < due else 1), (minutes, start, due)


def assert_weeks_within_capacity(spans: Sequence[Span], anchor: date, weekly: int) -> None:
    """Tasks lying inside one 7-day window from ``anchor`` never sum past ``weekly``."""
    per_week: dict[int, int] = {}
    for minutes, start, due in spans:
        week = (start - anchor).days // 7
        if (due - anchor).days // 7 == week:
            per_week[week] = per_week.get(week, 0) + minutes
    assert all(total <= weekly for total in per_week.values()), per_week


def assert_in_order(spans: Sequence[Span]) -> None:
    for (_, _, due), (_, start, _) in itertools.pairwise(spans):
        assert start >= due


def kept_minutes(milestone: MilestoneSpec, known: frozenset[str]) -> int | None:
    """Minutes the rules keep for ``milestone``; None when it is skipped."""
    skills = set(milestone.skills)
    if skills and skills <= known:
        return None
    unknown = len(skills - known)
    if unknown == len(skills):
        return milestone.estimated_minutes
    proportional = Fraction(milestone.estimated_minutes * unknown, len(skills))
    ceil = -(-proportional.numerator // proportional.denominator)
    return min(milestone.estimated_minutes, max(30, ceil))


def reference_order(track: TrackSpec) -> list[str]:
    """Naive stable order: repeatedly the first given milestone whose prerequisites are placed."""
    keys: list[str] = []
    for phase in sorted(track.phases, key=lambda p: p.order):
        pending = list(phase.milestones)
        same_phase = {m.key for m in pending}
        while pending:
            index = next(
                i for i, m in enumerate(pending) if all(p not in same_phase or p in keys for p in m.prerequisites)
            )
            keys.append(pending.pop(index).key)
    return keys


def spans_of(plan: Plan) -> list[Span]:
    return [(t.estimated_minutes, t.start_date, t.due_date) for t in plan.tasks]


def assert_valid_plan(plan: Plan, request: PlanRequest) -> None:
    """Every promise build_plan makes, checked from the inputs."""
    capacity = Capacity(request.weekly_minutes, request.study_days, request.blocked_dates)
    spans = spans_of(plan)
    assert [t.sequence for t in plan.tasks] == list(range(len(plan.tasks)))
    assert all(0 < t.estimated_minutes <= request.weekly_minutes for t in plan.tasks)
    assert all(t.start_date >= request.start_date for t in plan.tasks)
    assert_in_order(spans)
    assert_spans_fit(spans, capacity)
    assert_spans_are_tight(spans, capacity)
    assert_weeks_within_capacity(spans, request.start_date, request.weekly_minutes)
    assert_minutes_accounted(plan, request)
    assert_milestone_order(plan, request.track)
    assert_phase_limits(plan, request, capacity)
    assert plan.end_date == (plan.tasks[-1].due_date if plan.tasks else request.start_date)
    assert plan.total_minutes == sum(t.estimated_minutes for t in plan.tasks)


def assert_minutes_accounted(plan: Plan, request: PlanRequest) -> None:
    """Each milestone is skipped or fully present: its tasks sum to exactly its kept minutes."""
    skipped = {s.milestone_key: s for s in plan.skipped}
    tasks_by_key: dict[str, list] = {}
    for task in plan.tasks:
        tasks_by_key.setdefault(task.milestone_key, []).append(task)
    milestones = [m for p in request.track.phases for m in p.milestones]
    assert len(skipped) + len(tasks_by_key) == len(milestones)
    for milestone in milestones:
        kept = kept_minutes(milestone, request.known_skills)
        if kept is None:
            reason = skipped[milestone.key].reason
            assert reason == "Skipped: you already know " + ", ".join(dict.fromkeys(milestone.skills))
            assert milestone.key not in tasks_by_key
            continue
        tasks = tasks_by_key[milestone.key]
        assert sum(t.estimated_minutes for t in tasks) == kept
        sizes = [t.estimated_minutes for t in tasks]
        assert max(sizes) - min(sizes) <= 1
        assert_titles_and_notes(milestone, tasks, kept)
        sequences = [t.sequence for t in tasks]
        assert sequences == list(range(sequences[0], sequences[0] + len(tasks)))


def assert_titles_and_notes(milestone: MilestoneSpec, tasks: list, kept: int) -> None:
    if len(tasks) == 1:
        assert tasks[0].title == milestone.title
    else:
        for part, task in enumerate(tasks, start=1):
            assert task.title == f"{milestone.title} (part {part} of {len(tasks)})"
    for task in tasks:
        assert task.kind == milestone.kind
        if kept < milestone.estimated_minutes:
            assert task.note.startswith("Shortened: you already know ")
        else:
            assert task.note == ""


def assert_milestone_order(plan: Plan, track: TrackSpec) -> None:
    in_plan = list(dict.fromkeys(t.milestone_key for t in plan.tasks))
    planned = set(in_plan)
    assert in_plan == [key for key in reference_order(track) if key in planned]
    orders = [t.phase_order for t in plan.tasks]
    assert orders == sorted(orders)


def ten_years_after(day: date) -> date:
    """The last day a plan may use (planner/scheduling.py: "nothing may run past
    start_date + 10 years"): the same calendar day, 29 February giving 28 February."""
    if (day.month, day.day) == (2, 29):
        return date(day.year + 10, 2, 28)
    return date(day.year + 10, day.month, day.day)


def round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


def expected_windows(phases: Sequence[PhaseSpec], target_weeks: int, max_weeks: int) -> list[tuple[int, int]]:
    """(first week, last week) of each phase under a target, from the rule in planner/windows.py's docstring.

    Each phase ends at end_week * target / max_weeks rounded half up, the last
    one on the target itself; an end is pulled up to leave its phase at least
    one week and down to leave one week to each phase after it; each phase
    starts the week after the previous one ends.
    """
    count, windows = len(phases), []
    for index, phase in enumerate(phases):
        first = windows[-1][1] + 1 if windows else 1
        weeks_left_for_later = count - 1 - index
        if weeks_left_for_later == 0:
            last = target_weeks
        else:
            scaled = round_half_up(Fraction(phase.end_week * target_weeks, max_weeks))
            last = min(max(scaled, first), target_weeks - weeks_left_for_later)
        windows.append((first, last))
    return windows


def phase_deadlines(request: PlanRequest) -> dict[int, date | None]:
    """Per phase order: latest due date (None without a target)."""
    phases = sorted(request.track.phases, key=lambda p: p.order)
    if request.target_weeks is None:
        return {p.order: None for p in phases}
    windows = expected_windows(phases, request.target_weeks, request.track.max_weeks)
    start = request.start_date
    return {p.order: start + timedelta(weeks=last) - ONE_DAY for p, (_first, last) in zip(phases, windows, strict=True)}


def assert_phase_limits(plan: Plan, request: PlanRequest, capacity: Capacity) -> None:
    """No idle days: each task starts on the first day with capacity after the previous one
    (or, at a phase change, after the buffer); each phase ends in its window."""
    deadlines = phase_deadlines(request)
    previous = None
    for task in plan.tasks:
        deadline = deadlines[task.phase_order]
        if deadline is not None:
            assert task.due_date <= deadline
        if previous is None:
            assert capacity.between(request.start_date, task.start_date - ONE_DAY) == 0
        elif previous.phase_order != task.phase_order and request.buffer_weeks:
            earliest = previous.due_date + timedelta(days=7 * request.buffer_weeks + 1)
            assert task.start_date >= earliest
            assert capacity.between(earliest, task.start_date - ONE_DAY) == 0
        else:
            assert capacity.between(previous.due_date + ONE_DAY, task.start_date - ONE_DAY) == 0
        previous = task
