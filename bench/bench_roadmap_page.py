"""Benchmark: the roadmap page of a 514-task plan, against the dashboard of the same plan in the same run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner REDIS_URL=redis://127.0.0.1:6379/0
    export CACHE_REDIS_URL=redis://127.0.0.1:6379/1
    .venv/bin/python bench/bench_roadmap_page.py [--runs 40]

Needs a migrated database (it loads the catalog from fixtures/ if the track is
missing). It creates two throwaway learners with the catalog's largest plan
(new-graduates-path at 4 h a week on all seven days: 514 tasks): one starting
today, nothing done (every task has its full set of buttons: the largest page),
one started 40 weeks ago with every task due before today done; measures, then
deletes all of it.

Each page is fetched in process through Django's test client (middleware,
session, queries, view and template: everything but the network), interleaved,
``--runs`` times after warm-up; normal garbage collection (no ``gc.freeze``).
Printed: HTML size (target <= 150 KB), median and p90 server time (target <= 30 ms)
and the median CPU time of this process alone (less sensitive to a busy machine, but
without PostgreSQL's own work)
of the roadmap page with every task (the default, ``?show=all``) and this week's
(``?show=week``), and of the dashboard of the same plan (the floor), with the ratio to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Profile, User  # noqa: E402
from roadmaps.catalog import selectors as catalog_selectors  # noqa: E402
from roadmaps.catalog.loader import load_catalog  # noqa: E402
from roadmaps.models import Role, Track  # noqa: E402
from roadmaps.plans import services  # noqa: E402

TRACK = "new-graduates-path"
WEEKLY_HOURS = 4


def make_learner(*, weeks_ago: int, done_until_today: bool):
    """A learner with the 514-task plan started ``weeks_ago`` weeks back; tasks due by today done if asked."""
    if not Track.objects.filter(slug=TRACK).exists():
        load_catalog()
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.invalid", password=None)
    profile = Profile.objects.create(user=user, timezone="UTC")
    today = profile.local_today(timezone.now())
    track = catalog_selectors.tracks_with_milestones().get(slug=TRACK)
    inputs = services.PlanInputs(
        role=Role.objects.filter(tracks=track).first(),
        track=track,
        start_date=today - timedelta(weeks=weeks_ago),
        weekly_hours=WEEKLY_HOURS,
        study_days=[1, 2, 3, 4, 5, 6, 7],
        known_skills=[],
    )
    roadmap = services.roadmap_create(user=user, inputs=inputs)
    if done_until_today:
        roadmap.tasks.filter(due_date__lt=today).update(status="done", completed_at=timezone.now())
    return user, roadmap


def measure(urls: dict[str, tuple[Client, str]], runs: int) -> dict[str, dict]:
    for client, url in urls.values():  # warm-up: templates compiled, connections open
        for _ in range(3):
            assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    sizes, queries = {}, {}
    for _ in range(runs):
        for name, (client, url) in urls.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            times[name].append((time.perf_counter() - start) * 1000)
            sizes[name] = len(response.content)
    for name, (client, url) in urls.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[name] = len(captured)
    return {
        name: {
            "bytes": sizes[name],
            "median": statistics.median(times[name]),
            "cpu": statistics.median(cpu[name]),
            "p90": statistics.quantiles(times[name], n=10)[-1],
            "queries": queries[name],
        }
        for name in urls
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Plain static storage: no collectstatic manifest needed (the URLs are all the page asks of it).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override = override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain})
    override.enable()
    people = [make_learner(weeks_ago=0, done_until_today=False), make_learner(weeks_ago=40, done_until_today=True)]
    try:
        (fresh_user, fresh), (busy_user, busy) = people
        fresh_client, busy_client = Client(), Client()
        fresh_client.force_login(fresh_user)
        busy_client.force_login(busy_user)
        urls = {
            "new plan ?show=all": (fresh_client, f"/roadmaps/{fresh.id}/"),
            "40 weeks in, all": (busy_client, f"/roadmaps/{busy.id}/"),
            "40 weeks in, week": (busy_client, f"/roadmaps/{busy.id}/?show=week"),
            "dashboard (floor)": (busy_client, f"/roadmaps/{busy.id}/dashboard/"),
        }
        results = measure(urls, args.runs)
        floor = results["dashboard (floor)"]["median"]
        done = busy.tasks.filter(status="done").count()
        print(f"{fresh.tasks.count()} tasks, {fresh.milestones.count()} milestones; {args.runs} interleaved runs")
        print(f"new plan: nothing done; 40 weeks in: the {done} tasks due before today done (on track)")
        cpu_floor = results["dashboard (floor)"]["cpu"]
        columns = [("HTML KB", 9), ("median ms", 11), ("p90 ms", 9), ("x floor", 9), ("CPU ms", 8), ("x", 6)]
        columns.append(("queries", 9))
        print(f"{'page':<22}" + "".join(f"{title:>{width}}" for title, width in columns))
        for name, result in results.items():
            print(
                f"{name:<22}{result['bytes'] / 1024:>9.1f}{result['median']:>11.1f}{result['p90']:>9.1f}"
                f"{result['median'] / floor:>9.2f}{result['cpu']:>8.1f}{result['cpu'] / cpu_floor:>6.2f}"
                f"{result['queries']:>9}"
            )
        for name in ("new plan ?show=all", "40 weeks in, all"):
            result = results[name]
            print(
                f"{name}: HTML <= 150 KB {'met' if result['bytes'] <= 150 * 1024 else 'MISSED'}; "
                f"median <= 30 ms {'met' if result['median'] <= 30 else 'MISSED'} "
                f"(floor {floor:.1f} ms, ratio {result['median'] / floor:.2f}; "
                f"this process's CPU {result['cpu']:.1f} ms, floor {cpu_floor:.1f} ms)"
            )
    finally:
        for user, _roadmap in people:
            user.delete()


if __name__ == "__main__":
    main()
