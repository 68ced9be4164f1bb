"""Short constructors for planner inputs, so each test shows only what matters to it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from planner import MilestoneSpec, PhaseSpec, PlanRequest, TrackSpec

MONDAY = date(2026, 1, 5)
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def day(offset: int, start: date = MONDAY) -> date:
    return start + timedelta(days=offset)


def milestone(
    key: str,
    minutes: int = 60,
    *,
    skills: Iterable[str] = (),
    prerequisites: Iterable[str] = (),
    kind: str = "learn",
    title: str | None = None,
) -> MilestoneSpec:
    return MilestoneSpec(
        key=key,
        title=title or key.replace("-", " ").capitalize(),
        kind=kind,
        estimated_minutes=minutes,
        skills=tuple(skills),
        prerequisites=tuple(prerequisites),
    )


def phase(order: int, *milestones: MilestoneSpec, weeks: tuple[int, int] = (1, 4), title: str = "") -> PhaseSpec:
    return PhaseSpec(
        order=order,
        title=title or f"Phase {order}",
        start_week=weeks[0],
        end_week=weeks[1],
        milestones=tuple(milestones),
    )


def track(*phases: PhaseSpec, max_weeks: int | None = None, min_weeks: int = 1) -> TrackSpec:
    last = max((p.end_week for p in phases), default=1)
    return TrackSpec(phases=tuple(phases), min_weeks=min_weeks, max_weeks=max_weeks or last)


def request(
    spec: TrackSpec,
    *,
    weekly_minutes: int = 600,
    study_days: Iterable[int] = WEEKDAYS,
    known: Iterable[str] = (),
    target_weeks: int | None = None,
    blocked: Iterable[date] = (),
    start: date = MONDAY,
) -> PlanRequest:
    return PlanRequest(
        track=spec,
        start_date=start,
        weekly_minutes=weekly_minutes,
        study_days=frozenset(study_days),
        known_skills=frozenset(known),
        target_weeks=target_weeks,
        blocked_dates=frozenset(blocked),
    )


def one_phase_track(*milestones: MilestoneSpec, weeks: tuple[int, int] = (1, 52)) -> TrackSpec:
    return track(phase(1, *milestones, weeks=weeks))
