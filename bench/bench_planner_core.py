"""Cost of the pure planner on synthetic tracks of 50, 500 and 5000 milestones.

Run: python bench/bench_planner_core.py   (stdlib only; no Django, no database)

Each figure is the median of timeit repeats. "us/milestone" divides by the
milestone count and "ratio" compares that cost with the smallest track, so
linear growth shows as a ratio near 1. The track's calendar grows with it
(same learner, 10x the work spans 10x the days), so the ratio covers the
"linear in days + tasks" promise, not only the task count.
"""

import statistics
import sys
import timeit
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import planner  # noqa: E402

SIZES = (50, 500, 5000)
PHASE_SIZE = 10
WEEKLY_MINUTES = 30 * 60
START = date(2026, 1, 5)
SKILLS = ("python", "sql", "git", "statistics", "pandas-numpy", "docker", "ml", "cloud")
REPEAT = 7


def synthetic_track(milestones: int) -> planner.TrackSpec:
    """``milestones`` milestones in phases of 10, with in-phase and cross-phase prerequisites."""
    phases = []
    for number in range(-(-milestones // PHASE_SIZE)):
        size = min(PHASE_SIZE, milestones - number * PHASE_SIZE)
        items = tuple(synthetic_milestone(number, k, size) for k in range(size))
        # About two thirds of a week of work per phase: phases sometimes wait for their week.
        start_week = 1 + (2 * number) // 3
        phases.append(planner.PhaseSpec(number, f"Phase {number}", start_week, start_week, items))
    last_week = phases[-1].end_week
    return planner.TrackSpec(tuple(phases), min_weeks=last_week, max_weeks=last_week)


def synthetic_milestone(phase: int, k: int, size: int) -> planner.MilestoneSpec:
    prerequisites = []
    if k % 7 == 0 and k + 1 < size:
        prerequisites.append(f"p{phase}-m{k + 1}")  # listed before its prerequisite
    if k % 5 == 2:
        prerequisites.append(f"p{phase}-m{k - 2}")
    if k == 0 and phase > 0:
        prerequisites.append(f"p{phase - 1}-m0")
    index = phase * PHASE_SIZE + k
    return planner.MilestoneSpec(
        key=f"p{phase}-m{k}",
        title=f"Milestone {index}",
        kind="learn",
        estimated_minutes=60 + 30 * (index % 5),
        skills=(SKILLS[index % len(SKILLS)], SKILLS[(index + 3) % len(SKILLS)]),
        prerequisites=tuple(prerequisites),
    )


def request_for(track: planner.TrackSpec) -> planner.PlanRequest:
    blocked = frozenset(date.fromordinal(START.toordinal() + 11 * i) for i in range(50))
    return planner.PlanRequest(
        track=track,
        start_date=START,
        weekly_minutes=WEEKLY_MINUTES,
        study_days=frozenset({1, 2, 3, 4, 6}),
        known_skills=frozenset({"git"}),
        blocked_dates=blocked,
    )


def median_seconds(action, milestones: int) -> float:
    number = max(1, 5000 // milestones)  # keep each sample long enough to time
    samples = timeit.repeat(action, number=number, repeat=REPEAT)
    return statistics.median(samples) / number


def main() -> None:
    print(f"planner core, median of {REPEAT} timeit repeats, {WEEKLY_MINUTES // 60} h/week")
    header = ("milestones", 10), ("tasks", 6), ("days", 6), ("median ms", 10)
    header += ("us/milestone", 13), ("ratio", 6)
    print(" ".join(f"{name:>{width}}" for name, width in header))
    base = None
    for size in SIZES:
        request = request_for(synthetic_track(size))
        plan = planner.build_plan(request)
        seconds = median_seconds(lambda request=request: planner.build_plan(request), size)
        per_milestone = seconds / size
        base = base or per_milestone
        days = (plan.end_date - request.start_date).days + 1
        print(
            f"{size:>10} {len(plan.tasks):>6} {days:>6} {seconds * 1000:>10.2f}"
            f" {per_milestone * 1e6:>13.1f} {per_milestone / base:>6.2f}"
        )


if __name__ == "__main__":
    main()
