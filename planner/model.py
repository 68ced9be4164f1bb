"""The planner's inputs and outputs: plain frozen dataclasses, no behaviour.

The Django layer translates its models to and from these; nothing here knows
about storage, time zones or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MilestoneSpec:
    key: str  # milestone slug, unique within its track
    title: str
    kind: str  # learn | build | apply | network (passed through, not checked)
    estimated_minutes: int  # > 0
    skills: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()  # keys of other milestones of the track


@dataclass(frozen=True)
class PhaseSpec:
    order: int
    title: str
    start_week: int  # 1-based, inclusive
    end_week: int  # inclusive
    milestones: tuple[MilestoneSpec, ...]


@dataclass(frozen=True)
class TrackSpec:
    phases: tuple[PhaseSpec, ...]
    min_weeks: int
    max_weeks: int


@dataclass(frozen=True)
class PlanRequest:
    track: TrackSpec
    start_date: date
    weekly_minutes: int  # learner capacity per week, > 0
    study_days: frozenset[int]  # ISO weekdays 1..7, non-empty
    known_skills: frozenset[str] = frozenset()
    target_weeks: int | None = None
    blocked_dates: frozenset[date] = frozenset()
    buffer_weeks: int = 0  # 0..MAX_BUFFER_WEEKS whole weeks of slack after each phase but the last


MAX_BUFFER_WEEKS = 2


@dataclass(frozen=True)
class Buffer:
    """Slack left free after a phase: no task is planned from ``start_date`` to ``end_date``."""

    after_phase_order: int
    start_date: date
    end_date: date  # inclusive


@dataclass(frozen=True)
class PlannedTask:
    sequence: int  # 0..n-1, the plan order (also the date order)
    milestone_key: str
    phase_order: int
    phase_title: str
    title: str  # "Python basics (part 2 of 3)" when the milestone was split
    kind: str
    estimated_minutes: int
    start_date: date  # first study day the task gets minutes
    due_date: date  # last study day the task gets minutes (inclusive)
    note: str  # "" or why it was shortened


@dataclass(frozen=True)
class SkippedMilestone:
    milestone_key: str
    title: str
    reason: str  # "Skipped: you already know python, pandas-numpy"


@dataclass(frozen=True)
class Plan:
    tasks: tuple[PlannedTask, ...]
    skipped: tuple[SkippedMilestone, ...]
    end_date: date  # due date of the last task (start_date if no task)
    total_minutes: int
    buffers: tuple[Buffer, ...] = ()


class PlanDoesNotFit(Exception):
    """The learner's choices cannot give a plan; ``field`` names the input to change.

    ``field`` is "weekly_hours", "target_weeks" or "study_days".
    ``required_weekly_minutes`` (whole hours, in minutes) is set when more weekly
    time would make the plan fit, None when no amount up to 168 h would.
    ``message`` is a sentence fit to show the learner.
    """

    def __init__(self, field: str, message: str, required_weekly_minutes: int | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.required_weekly_minutes = required_weekly_minutes

    def __reduce__(self):
        # Keeps the exception picklable (task queues) despite the extra arguments.
        return (type(self), (self.field, self.message, self.required_weekly_minutes))
