"""Planner cost per catalog track, on a synthetic track 10x the longest, and the
queries and time of POST /api/roadmaps/ for the longest track.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner .venv/bin/python bench/bench_planner.py
Figures are medians of repeated runs; the ratio column compares cost per task so
linear growth shows as a ratio near 1.
"""

import os
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import planner  # noqa: E402
from accounts.services import get_or_create_api_token, user_register  # noqa: E402
from roadmaps.catalog import selectors as catalog_selectors  # noqa: E402
from roadmaps.catalog.loader import load_catalog  # noqa: E402
from roadmaps.plans import planning  # noqa: E402

START = date(2026, 1, 5)
HORIZON_HOURS = 8 * 52 * 10


def median_seconds(action, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def request_for(spec: planner.TrackSpec, weekly_hours: int = 10) -> planner.PlanRequest:
    return planner.PlanRequest(
        track=spec,
        start_date=START,
        weekly_minutes=weekly_hours * 60,
        study_days=frozenset({1, 2, 3, 4, 5, 6}),
    )


def scaled(spec: planner.TrackSpec, factor: int) -> planner.TrackSpec:
    """The track with each phase ``factor`` times longer and its milestones ``factor`` times over."""
    phases = []
    for phase in spec.phases:
        milestones = tuple(
            replace(
                m,
                key=f"{m.key}-x{copy}",
                prerequisites=tuple(
                    f"{p}-x{copy}" for p in m.prerequisites if any(o.key == p for o in phase.milestones)
                ),
            )
            for copy in range(factor)
            for m in phase.milestones
        )
        phases.append(replace(phase, milestones=milestones))
    phases = [replace(p, start_week=(p.start_week - 1) * factor + 1, end_week=p.end_week * factor) for p in phases]
    return replace(
        spec,
        phases=tuple(phases),
        min_weeks=spec.min_weeks * factor,
        max_weeks=spec.max_weeks * factor,
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    load_catalog()
    tracks = list(catalog_selectors.tracks_with_milestones())
    print(f"{'track':45} {'tasks':>6} {'median ms':>10} {'us/task':>8}")
    for track in tracks:
        spec = planning.track_spec(track)
        tasks = len(planner.build_plan(request_for(spec)).tasks)
        seconds = median_seconds(lambda spec=spec: planner.build_plan(request_for(spec)))
        print(f"{track.slug:45} {tasks:>6} {seconds * 1000:>10.2f} {seconds / tasks * 1e6:>8.1f}")

    hours = {t.slug: sum(m.estimated_hours for p in t.phases.all() for m in p.milestones.all()) for t in tracks}
    # The 10x copy must stay inside the planner's 10-year horizon at 10 h/week.
    base_track = max((t for t in tracks if hours[t.slug] * 10 <= HORIZON_HOURS), key=lambda t: hours[t.slug])
    compare_growth(planning.track_spec(base_track), base_track.slug)

    longest = max(tracks, key=lambda t: hours[t.slug])
    bench_create_roadmap(longest)


def compare_growth(base_spec: planner.TrackSpec, name: str) -> None:
    big_spec = scaled(base_spec, 10)
    base_plan = planner.build_plan(request_for(base_spec))
    big_plan = planner.build_plan(request_for(big_spec))
    base = median_seconds(lambda: planner.build_plan(request_for(base_spec)))
    big = median_seconds(lambda: planner.build_plan(request_for(big_spec)), repeat=5)
    base_days = (base_plan.end_date - START).days
    big_days = (big_plan.end_date - START).days
    print(f"\n{name}: {len(base_plan.tasks)} tasks over {base_days} days in {base * 1000:.2f} ms")
    print(f"synthetic 10x track: {len(big_plan.tasks)} tasks over {big_days} days in {big * 1000:.2f} ms")
    print(
        f"time ratio 10x/1x: {big / base:.2f} for {len(big_plan.tasks) / len(base_plan.tasks):.2f}x the tasks "
        f"and {big_days / base_days:.2f}x the days (linear growth = a ratio near 10)"
    )


def bench_create_roadmap(track) -> None:
    user = user_register(email=f"bench-{time.time_ns()}@example.com", password="bench-Passphrase-77")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {get_or_create_api_token(user)}")
    body = {
        "role": track.roles.first().slug,
        "track": track.slug,
        "start_date": date.today().isoformat(),
        "weekly_hours": 10,
        "study_days": [1, 2, 3, 4, 5, 6],
    }
    try:
        # Django clears the query log when a request starts: start the capture from empty.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/roadmaps/", body, content_type="application/json")
        assert response.status_code == 201, response.content
        task_count = len(response.json()["tasks"])
        query_count = len(queries.captured_queries)
        seconds = median_seconds(lambda: client.post("/api/roadmaps/", body, content_type="application/json"))
        print(
            f"\nPOST /api/roadmaps/ for {track.slug}: {task_count} tasks, {query_count} SQL queries, "
            f"median {seconds * 1000:.1f} ms ({connection.vendor})"
        )
    finally:
        user.delete()


if __name__ == "__main__":
    main()
