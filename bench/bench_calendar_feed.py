"""Benchmark: the calendar feed of a roadmap of 1,000 tasks, against an icalendar-only floor.

Run against a migrated database, e.g.:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner
    .venv/bin/python bench/bench_calendar_feed.py

It creates a throwaway learner with one roadmap of 1,000 tasks (and its own
role, track, phases, milestones and skills), measures, then deletes all of it.

Printed, as medians over the runs:
- feed: a full ``GET {feed_url}`` through Django's test client (URL routing,
  middleware, the throttles and the cached entry in one cache round trip);
- floor: the very same events built and serialized by ``icalendar`` alone, from
  plain values prepared beforehand (what any icalendar-based feed must pay;
  ``bench/ical_floor.py``, shared with ``bench_feed_serving.py``);
- the serialization alone of that prebuilt calendar, for reference;
- 304: a conditional ``GET`` with a matching ``If-None-Match``, and its
  ratio to the cached full fetch.

All with the garbage collector as production runs it (no ``gc.freeze``); the
feed and floor after ``gc.freeze()`` are printed after them for reference.

Since the feed keeps its body in the cache, "feed" here is an unchanged feed
served from the cache; ``bench_feed_serving.py`` measures the rebuild after a
change, over HTTP and at saturation. Only the tasks inside the feed's window
(8 weeks back, 26 ahead) are events.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The benchmark hammers one feed URL: lift the per-token and per-address limits.
os.environ["THROTTLE_FEED_TOKEN"] = "1000000/minute"
os.environ["THROTTLE_FEED_ADDRESS"] = "1000000/minute"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from icalendar import Calendar  # noqa: E402

from accounts.models import Profile, User  # noqa: E402
from roadmaps.calendar import services as calendar_services  # noqa: E402
from roadmaps.models import Milestone, Phase, Roadmap, Role, Skill, Task, Track  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ical_floor import floor_build, plain_events  # noqa: E402

TASKS = 1000
TASKS_PER_MILESTONE = 4
MILESTONES_PER_PHASE = 10
RUNS = 31
START = date(2026, 11, 2)


def make_roadmap(tag: str) -> User:
    """A learner with one roadmap of TASKS tasks, every row bulk-created."""
    user = User.objects.create_user(email=f"bench-{tag}@example.invalid", password=None)
    Profile.objects.create(user=user, timezone="Europe/Berlin")
    role = Role.objects.create(slug=f"bench-{tag}", name="Bench Engineer", category="emerging")
    track = Track.objects.create(slug=f"bench-{tag}", name="Bench", audience="-", min_weeks=1, max_weeks=520)
    skills = [Skill.objects.create(slug=f"bench-{tag}-{n}", name=f"Skill {n}", category="bench") for n in range(3)]
    milestone_count = -(-TASKS // TASKS_PER_MILESTONE)
    phase_count = -(-milestone_count // MILESTONES_PER_PHASE)
    phases = Phase.objects.bulk_create(
        Phase(track=track, order=n + 1, title=f"Phase {n + 1}", start_week=1, end_week=520) for n in range(phase_count)
    )
    milestones = Milestone.objects.bulk_create(
        Milestone(
            phase=phases[n // MILESTONES_PER_PHASE],
            order=n + 1,
            slug=f"bench-{tag}-{n}",
            title=f"Milestone {n + 1}",
            kind="learn",
            estimated_hours=6,
        )
        for n in range(milestone_count)
    )
    Milestone.skills.through.objects.bulk_create(
        Milestone.skills.through(milestone_id=m.id, skill_id=s.id) for m in milestones for s in skills
    )
    roadmap = Roadmap.objects.create(
        user=user,
        role=role,
        track=track,
        start_date=START,
        end_date=START + timedelta(days=TASKS),
        weekly_hours=10,
        study_days=[1, 2, 3, 4, 5],
    )
    Task.objects.bulk_create(task_row(roadmap, milestones, n) for n in range(TASKS))
    return user


def task_row(roadmap: Roadmap, milestones: list[Milestone], n: int) -> Task:
    milestone = milestones[n // TASKS_PER_MILESTONE]
    phase_order = n // TASKS_PER_MILESTONE // MILESTONES_PER_PHASE + 1
    start = START + timedelta(days=n)
    return Task(
        roadmap=roadmap,
        milestone=milestone,
        sequence=n + 1,
        title=f"Study part {n + 1}",
        milestone_title=milestone.title,
        phase_order=phase_order,
        phase_title=f"Phase {phase_order}",
        kind="learn",
        estimated_minutes=90,
        start_date=start,
        due_date=start + timedelta(days=1),
        note="Read the chapter and do the exercises" if n % 3 == 0 else "",
        status="done" if n % 5 == 0 else "todo",
    )


def interleaved_medians(actions: dict, runs: int = RUNS) -> dict[str, float]:
    """Median seconds of each action, taking turns so load drift hits all alike."""
    for action in actions.values():
        action()  # warm caches, connections and imports
    timings = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            # Normal garbage collection inside each action; collected between them so
            # that one action's garbage is not billed to the next (the 304 follows
            # the floor's hundreds of thousands of objects).
            gc.collect()
            began = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in timings.items()}


def count_queries(action) -> int:
    executed = []
    with connection.execute_wrapper(lambda execute, *args: executed.append(1) or execute(*args)):
        action()
    return len(executed)


def main() -> None:
    tag = uuid.uuid4().hex[:10]
    user = make_roadmap(tag)
    try:
        feed = calendar_services.feed_get_or_create(user=user)
        path = urlsplit(calendar_services.feed_urls(feed)["feed_url"]).path
        client = Client(HTTP_HOST="localhost")
        first = client.get(path)
        assert first.status_code == 200, first.status_code
        etag = first.headers["ETag"]
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
        event_count = len(Calendar.from_ical(first.content).walk("VEVENT"))
        full_queries = count_queries(lambda: client.get(path))
        not_modified_queries = count_queries(lambda: client.get(path, HTTP_IF_NONE_MATCH=etag))

        options = calendar_services.calendar_options(user)
        name, plain = plain_events(first.content)
        # The floor makes the very same bytes as the feed, from values prepared beforehand.
        assert floor_build(options, name, plain) == first.content
        floor_calendar = Calendar.from_ical(first.content)

        actions = {
            "feed": lambda: client.get(path),
            "floor": lambda: floor_build(options, name, plain),
            "serialize": floor_calendar.to_ical,
            "304": lambda: client.get(path, HTTP_IF_NONE_MATCH=etag),
        }
        # What production runs: the garbage collector scans everything, as in a server.
        medians = interleaved_medians(actions)
        # For reference only: with the heap frozen (``gc.freeze``) first, as this script
        # used to measure; a server process does not do that.
        gc.collect()
        gc.freeze()
        try:
            frozen = interleaved_medians(actions)
        finally:
            gc.unfreeze()
    finally:
        cleanup(user, tag)

    feed_ms, floor_ms = medians["feed"] * 1000, medians["floor"] * 1000
    serialize_ms, not_modified_ms = medians["serialize"] * 1000, medians["304"] * 1000
    print(
        f"calendar feed, {TASKS} tasks ({event_count} events, {len(first.content):,} bytes), "
        f"{connection.vendor}, median of {RUNS} interleaved runs"
    )
    print(f"  feed through the view       {feed_ms:9.1f} ms  ({full_queries} queries)")
    print(f"  floor: icalendar alone      {floor_ms:9.1f} ms  (same events, build + serialize)")
    print(f"    of which to_ical()        {serialize_ms:9.1f} ms")
    print(f"  overhead ratio feed / floor {feed_ms / floor_ms:9.2f}")
    print(f"  304 Not Modified            {not_modified_ms:9.1f} ms  ({not_modified_queries} queries)")
    print(f"  ratio 304 / cached full     {not_modified_ms / feed_ms:9.3f}")
    frozen_feed, frozen_floor = frozen["feed"] * 1000, frozen["floor"] * 1000
    print("  for reference, after gc.freeze() (not what a server runs):")
    print(f"    feed {frozen_feed:.1f} ms, floor {frozen_floor:.1f} ms, ratio {frozen_feed / frozen_floor:.2f}")


def cleanup(user: User, tag: str) -> None:
    calendar_services.feed_revoke(user=user)  # also forgets its cached version
    user.delete()  # roadmap and tasks go with it
    Track.objects.filter(slug=f"bench-{tag}").delete()  # phases and milestones too
    Role.objects.filter(slug=f"bench-{tag}").delete()
    Skill.objects.filter(slug__startswith=f"bench-{tag}-").delete()


if __name__ == "__main__":
    main()
