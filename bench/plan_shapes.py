"""Shape of the plans the catalog gives: end date and longest idle run, per track and weekly hours.

Run: python bench/plan_shapes.py   (stdlib only; reads fixtures/catalog/tracks.json, no database)

For each of the catalog's tracks, at 5 and 10 hours a week on weekdays
(Monday to Friday), starting Monday 2026-11-16, with no known skill, no target
and no buffer, it prints the plan's end date, its length in weeks and the
longest run of consecutive study days (days with capacity) between the first
and the last session that hold no session. With phases following each other
that run is 0: a learner never meets an idle study day.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import planner  # noqa: E402
from planner.sessions import SessionTask, plan_sessions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = date(2026, 11, 16)
STUDY_DAYS = frozenset({1, 2, 3, 4, 5})
HOURS = (5, 10)


def track_spec(track: dict) -> planner.TrackSpec:
    phases = tuple(
        planner.PhaseSpec(
            order=phase["order"],
            title=phase["title"],
            start_week=phase["start_week"],
            end_week=phase["end_week"],
            milestones=tuple(
                planner.MilestoneSpec(
                    key=m["slug"],
                    title=m["title"],
                    kind=m["kind"],
                    estimated_minutes=m["estimated_hours"] * 60,
                    skills=tuple(m.get("skills", ())),
                    prerequisites=tuple(m.get("prerequisites", ())),
                )
                for m in phase["milestones"]
            ),
        )
        for phase in track["phases"]
    )
    return planner.TrackSpec(phases=phases, min_weeks=track["min_weeks"], max_weeks=track["max_weeks"])


def longest_idle_run(plan: planner.Plan, weekly_minutes: int) -> int:
    tasks = [SessionTask(t.sequence, t.sequence, t.estimated_minutes, t.start_date, t.due_date) for t in plan.tasks]
    busy = {s.date for s in plan_sessions(tasks, weekly_minutes=weekly_minutes, study_days=STUDY_DAYS)}
    if not busy:
        return 0
    longest = run = 0
    day = min(busy)
    while day <= max(busy):
        if day.isoweekday() in STUDY_DAYS:
            run = 0 if day in busy else run + 1
            longest = max(longest, run)
        day += timedelta(days=1)
    return longest


def main() -> None:
    tracks = json.loads((ROOT / "fixtures" / "catalog" / "tracks.json").read_text(encoding="utf-8"))
    print(f"start {START.isoformat()} (Mon), study days Mon-Fri, no known skills, no target, no buffer")
    print(
        f"{'track':<40} {'h/week':>6} {'hours':>6} {'end date':>11} {'weeks':>6} {'longest idle run (study days)':>30}"
    )
    for track in tracks:
        spec = track_spec(track)
        for hours in HOURS:
            request = planner.PlanRequest(
                track=spec, start_date=START, weekly_minutes=hours * 60, study_days=STUDY_DAYS
            )
            plan = planner.build_plan(request)
            weeks = (plan.end_date - START).days // 7 + 1
            idle = longest_idle_run(plan, hours * 60)
            print(
                f"{track['slug']:<40} {hours:>6} {plan.total_minutes // 60:>6} {plan.end_date.isoformat():>11} "
                f"{weeks:>6} {idle:>30}"
            )


if __name__ == "__main__":
    main()
