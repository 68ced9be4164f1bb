"""Hypothesis strategies: random tracks, learners, scheduled tasks and task states."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from planner import (
    MilestoneSpec,
    PhaseSpec,
    PlanRequest,
    ScheduledTask,
    TaskState,
    TrackSpec,
)

SKILLS = ("python", "sql", "git", "statistics", "pandas-numpy", "docker")
STATUSES = ("todo", "in_progress", "done", "skipped")

study_days = st.frozensets(st.integers(1, 7), min_size=1)
# Mostly realistic weeks, sometimes tiny ones that split milestones into many parts.
weekly_minutes = st.one_of(st.integers(60, 2400), st.integers(1, 59), st.integers(2400, 12000))
start_dates = st.dates(date(2024, 1, 1), date(2028, 12, 31))

# Strategies are built once here: building them inside draws dominates the run time.
_kinds = st.sampled_from(("learn", "build", "apply", "network"))
_minutes = st.integers(1, 900)
_skill_lists = st.lists(st.sampled_from(SKILLS), max_size=3, unique=True)
_picks = st.lists(st.integers(0, 1000), max_size=3)  # reduced modulo the candidates
_day_offsets = st.frozensets(st.integers(-10, 150), max_size=20)
_statuses = st.sampled_from(STATUSES)
_buffer_weeks = st.sampled_from((0, 0, 1, 2))


def _offset_dates(base: date, offsets: frozenset[int]) -> frozenset[date]:
    return frozenset(base + timedelta(days=offset) for offset in offsets)


@st.composite
def milestones_for_phase(draw, phase_number: int, earlier_keys: list[str]) -> list[MilestoneSpec]:
    count = draw(st.integers(0, 5))
    keys = [f"p{phase_number}-m{i}" for i in range(count)]
    # A hidden rank per milestone: prerequisites only point to lower ranks, so no cycle,
    # while the given order still often lists a milestone before its prerequisite.
    rank = draw(st.permutations(range(count)))
    milestones = []
    for i, key in enumerate(keys):
        candidates = earlier_keys + [keys[j] for j in range(count) if rank[j] < rank[i]]
        picks = draw(_picks) if candidates else []
        prerequisites = dict.fromkeys(candidates[pick % len(candidates)] for pick in picks)
        milestones.append(
            MilestoneSpec(
                key=key,
                title=f"Milestone {phase_number}.{i}",
                kind=draw(_kinds),
                estimated_minutes=draw(_minutes),
                skills=tuple(draw(_skill_lists)),
                prerequisites=tuple(prerequisites),
            )
        )
    return milestones


@st.composite
def tracks(draw) -> TrackSpec:
    phases: list[PhaseSpec] = []
    keys: list[str] = []
    week = 1
    for number in range(draw(st.integers(1, 4))):
        length = draw(st.integers(1, 6))
        milestones = draw(milestones_for_phase(number, list(keys)))
        keys += [m.key for m in milestones]
        phase = PhaseSpec(number * 10, f"Phase {number}", week, week + length - 1, tuple(milestones))
        phases.append(phase)
        week += length
    max_weeks = week - 1 + draw(st.integers(0, 3))
    # Shuffled, so that ordering by ``order`` is exercised too.
    return TrackSpec(tuple(draw(st.permutations(phases))), 1, max_weeks)


@st.composite
def plan_requests(draw, target: bool | None = None) -> PlanRequest:
    track = draw(tracks())
    start = draw(start_dates)
    want_target = draw(st.booleans()) if target is None else target
    # Mostly targets the phases can share; sometimes too few weeks for them.
    fewest = len(track.phases) if draw(st.integers(0, 9)) else 1
    target_weeks = draw(st.integers(fewest, 2 * track.max_weeks + 2)) if want_target else None
    return PlanRequest(
        track=track,
        start_date=start,
        weekly_minutes=draw(weekly_minutes),
        study_days=draw(study_days),
        known_skills=draw(st.frozensets(st.sampled_from(SKILLS))),
        target_weeks=target_weeks,
        blocked_dates=_offset_dates(start, draw(_day_offsets)),
        buffer_weeks=draw(_buffer_weeks),
    )


_task_start = st.dates(date(2025, 1, 1), date(2025, 12, 31))
_task_days = st.integers(0, 20)
_task_minutes = st.integers(0, 900)


@st.composite
def scheduled_tasks(draw) -> list[ScheduledTask]:
    tasks = []
    for task_id in range(1, draw(st.integers(0, 25)) + 1):
        start = draw(_task_start)
        tasks.append(
            ScheduledTask(
                task_id=task_id,
                estimated_minutes=draw(_task_minutes),
                start_date=start,
                due_date=start + timedelta(days=draw(_task_days)),
                finished=draw(st.booleans()),
            )
        )
    return tasks


_state_start = st.dates(date(2025, 1, 1), date(2025, 6, 30))
_completion_offset = st.none() | st.integers(0, 90)
_state_minutes = st.integers(0, 600)
_state_days = st.integers(0, 30)


@st.composite
def task_states(draw) -> list[TaskState]:
    states = []
    for _ in range(draw(st.integers(0, 20))):
        start = draw(_state_start)
        status = draw(_statuses)
        offset = draw(_completion_offset) if status in ("done", "skipped") else None
        states.append(
            TaskState(
                estimated_minutes=draw(_state_minutes),
                start_date=start,
                due_date=start + timedelta(days=draw(_state_days)),
                status=status,
                completed_on=None if offset is None else start + timedelta(days=offset),
            )
        )
    return states
