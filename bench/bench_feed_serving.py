"""Benchmark: serving the calendar feed, as ratios against floors measured in the same run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner REDIS_URL=redis://127.0.0.1:6379/0
    export CACHE_REDIS_URL=redis://127.0.0.1:6379/1   # the cache database gunicorn will use
    .venv/bin/python bench/bench_feed_serving.py [--workers 5] [--seconds 10] [--clients 4]

Needs a migrated database and Redis. It creates a throwaway learner whose feed
holds 1,000 study sessions (all inside the feed's window, seven one-hour tasks
a study day) plus their milestone and phase markers, measures, then deletes all
of it. Normal garbage collection throughout (no ``gc.freeze``).

Printed, in one run:
1. rebuild: the feed fetched right after a change (a task ticked or reopened,
   untimed), in process through Django's test client: queries, event
   revisions, rendering, gzip and the cache write; against the floor, the very
   same events built and serialized by ``icalendar`` alone from values prepared
   beforehand. Target: <= 1.3x.
2. over HTTP, gunicorn (sync workers, by default 2 x cores + 1 as the operator
   guide advises; the count printed) on 127.0.0.1, one
   request at a time, p50 of interleaved requests: ``/ping/`` (no database,
   no session), the unchanged feed fetched in full with ``Accept-Encoding:
   gzip`` as Google and Outlook poll (target <= 3x ping) and without gzip (for
   reference), and a ``304`` to a matching ``If-None-Match`` (target <= 2x).
3. saturation: closed loop, no think time, ``--clients`` client processes
   (forked before the test data exists, so they stay lean), each
   sending its next request as soon as the answer arrives, for ``--seconds``
   each, taken in ``--slices`` alternating turns so that load drift on a
   shared machine hits both alike: requests/s of the unchanged full feed
   (gzip) against ``/ping/``'s (target >= 50%).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The benchmark hammers one feed URL from one address: lift the limits (the feed's
# throttles are one counter each per window, whatever the rate).
os.environ["THROTTLE_FEED_TOKEN"] = "1000000/second"
os.environ["THROTTLE_FEED_ADDRESS"] = "1000000/second"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Profile, User  # noqa: E402
from roadmaps.calendar import ics  # noqa: E402
from roadmaps.calendar import services as calendar_services  # noqa: E402
from roadmaps.models import Milestone, Phase, Roadmap, Role, Skill, Task, Track  # noqa: E402
from roadmaps.plans import services  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from ical_floor import floor_build, plain_events  # noqa: E402

TASKS = 1000  # one session each, + 250 milestone markers + 25 phase markers
TASKS_PER_DAY = 7  # an hour each: 35 weekly hours over five study days
TASKS_PER_MILESTONE = 4
MILESTONES_PER_PHASE = 10
HOST = "127.0.0.1"


# --- Data -------------------------------------------------------------------------------


def make_learner(tag: str, today: date) -> User:
    """A learner with one roadmap of TASKS tasks inside the feed's window, bulk-created."""
    user = User.objects.create_user(email=f"bench-{tag}@example.invalid", password=None)
    Profile.objects.create(user=user, timezone="UTC")
    role = Role.objects.create(slug=f"bench-{tag}", name="Bench Engineer", category="emerging")
    track = Track.objects.create(slug=f"bench-{tag}", name="Bench", audience="-", min_weeks=1, max_weeks=520)
    skills = [Skill.objects.create(slug=f"bench-{tag}-{n}", name=f"Skill {n}", category="bench") for n in range(3)]
    milestone_count = -(-TASKS // TASKS_PER_MILESTONE)
    phases = Phase.objects.bulk_create(
        Phase(track=track, order=n + 1, title=f"Phase {n + 1}", start_week=1, end_week=520)
        for n in range(-(-milestone_count // MILESTONES_PER_PHASE))
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
    window = ics.FeedWindow.around(today)
    roadmap = Roadmap.objects.create(
        user=user,
        role=role,
        track=track,
        start_date=window.first_day,
        end_date=window.last_day,
        weekly_hours=TASKS_PER_DAY * 5,
        study_days=[1, 2, 3, 4, 5],
    )
    Task.objects.bulk_create(task_row(roadmap, milestones, n, window.first_day) for n in range(TASKS))
    return user


def task_row(roadmap: Roadmap, milestones: list[Milestone], n: int, monday: date) -> Task:
    milestone = milestones[n // TASKS_PER_MILESTONE]
    phase_order = n // TASKS_PER_MILESTONE // MILESTONES_PER_PHASE + 1
    study_day = n // TASKS_PER_DAY
    start = monday + timedelta(weeks=study_day // 5, days=study_day % 5)
    return Task(
        roadmap=roadmap,
        milestone=milestone,
        sequence=n + 1,
        title=f"Study part {n + 1}",
        milestone_title=milestone.title,
        phase_order=phase_order,
        phase_title=f"Phase {phase_order}",
        kind="learn",
        estimated_minutes=60,
        start_date=start,
        due_date=start,
        note="Read the chapter and do the exercises" if n % 3 == 0 else "",
        status="done" if n % 5 == 0 else "todo",
    )


def cleanup(user: User, tag: str) -> None:
    calendar_services.feed_revoke(user=user)
    user.delete()
    Track.objects.filter(slug=f"bench-{tag}").delete()
    Role.objects.filter(slug=f"bench-{tag}").delete()
    Skill.objects.filter(slug__startswith=f"bench-{tag}-").delete()


# --- 1. Rebuild against the icalendar-only floor ---------------------------------------


def measure_rebuild(user: User, path: str, runs: int) -> dict:
    client = Client(HTTP_HOST="localhost")
    first = client.get(path)
    assert first.status_code == 200
    options = calendar_services.calendar_options(user)
    name, plain = plain_events(first.content)
    assert floor_build(options, name, plain) == first.content, "the floor must make the very same bytes"
    task = Task.objects.select_related("roadmap").filter(roadmap__user=user).order_by("sequence")[1]
    rebuild, floor = [], []
    for run in range(runs + 1):
        services.task_mark(task=task, status="done" if run % 2 == 0 else "todo", now=timezone.now())
        began = time.perf_counter()
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.status_code
        began = time.perf_counter()
        floor_build(options, name, plain)
        floor_elapsed = time.perf_counter() - began
        if run:  # the first of each is a warm-up
            rebuild.append(elapsed)
            floor.append(floor_elapsed)
    return {
        "events": len(plain),
        "sessions": sum(1 for props in plain if str({k: v for k, v, _ in props}["UID"]).startswith("session-")),
        "bytes": len(first.content),
        "rebuild": statistics.median(rebuild),
        "floor": statistics.median(floor),
    }


# --- 2 and 3. Over HTTP -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/ping/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request on a new connection (gunicorn's sync workers close each one)."""
    connection_ = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection_.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = connection_.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection_.close()


def latency_p50s(port: int, requests: dict[str, tuple[str, dict, int]], runs: int) -> dict[str, float]:
    """Median seconds of each request, taking turns so load drift hits all alike."""
    timings: dict[str, list[float]] = {name: [] for name in requests}
    for run in range(runs + 5):
        for name, (path, headers, expected) in requests.items():
            began = time.perf_counter()
            status, _, _ = fetch(port, path, headers)
            elapsed = time.perf_counter() - began
            assert status == expected, (name, status)
            if run >= 5:
                timings[name].append(elapsed)
    return {name: statistics.median(values) for name, values in timings.items()}


def closed_loop_client(port: int, path: str, headers: dict, start_at: float, seconds: float) -> tuple[int, int]:
    """From ``start_at`` (time.monotonic, shared by all processes) for ``seconds``:
    each request sent as soon as the previous answer arrived."""
    time.sleep(max(0.0, start_at - time.monotonic()))
    deadline = start_at + seconds
    done = failed = 0
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(port, path, headers)
        except OSError as error:
            print(f"  {path}: {error}", file=sys.stderr)
            status = 0
        if status == 200:
            done += 1
        else:
            failed += 1
    return done, failed


def load_client(jobs, results) -> None:
    """A client process: runs closed loops until told to stop (None)."""
    while (job := jobs.get()) is not None:
        results.put(closed_loop_client(*job))


class LoadClients:
    """The closed-loop client processes, forked before any test data exists.

    Forked later, each would inherit the benchmark's heap (a thousand parsed
    events and their floor) and pay for it in every garbage collection and
    copy-on-write fault, on the same two cores as the server: the load
    generator must stay lean for the server to be what is measured.
    """

    def __init__(self, count: int):
        self.jobs, self.results = multiprocessing.Queue(), multiprocessing.Queue()
        self.processes = [
            multiprocessing.Process(target=load_client, args=(self.jobs, self.results), daemon=True)
            for _ in range(count)
        ]
        for process in self.processes:
            process.start()

    def requests_per_second(self, port: int, path: str, headers: dict, seconds: float) -> float:
        start_at = time.monotonic() + 0.2  # every client starts at the same moment
        for _ in self.processes:
            self.jobs.put((port, path, headers, start_at, seconds))
        outcomes = [self.results.get() for _ in self.processes]
        failures = sum(failed for _, failed in outcomes)
        if failures:
            raise SystemExit(f"{path}: {failures} requests failed under load")
        return sum(done for done, _ in outcomes) / seconds

    def stop(self) -> None:
        for _ in self.processes:
            self.jobs.put(None)
        for process in self.processes:
            process.join(timeout=30)


def interleaved_rates(
    clients: LoadClients, port: int, targets: list[tuple[str, dict]], seconds: float, slices: int
) -> list[float]:
    """Requests/s of each target, in ``slices`` turns each, so load drift hits all alike."""
    rates: list[list[float]] = [[] for _ in targets]
    for _ in range(slices):
        for index, (path, headers) in enumerate(targets):
            rates[index].append(clients.requests_per_second(port, path, headers, seconds / slices))
    return [statistics.mean(values) for values in rates]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default 2 x cores + 1, as docs/operator-guide.md advises)",
    )
    parser.add_argument("--clients", type=int, default=4, help="closed-loop client processes at saturation")
    parser.add_argument("--seconds", type=float, default=10, help="saturation time of each request kind")
    parser.add_argument("--slices", type=int, default=5, help="turns the saturation time is taken in, alternating")
    parser.add_argument("--runs", type=int, default=21, help="rebuilds timed")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind for the p50s")
    args = parser.parse_args()
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        raise SystemExit("set REDIS_URL (and CACHE_REDIS_URL): the feed's body is served from Redis")

    clients = LoadClients(args.clients)  # before any data: see LoadClients
    tag = uuid.uuid4().hex[:10]
    user = make_learner(tag, timezone.now().date())
    server = None
    try:
        feed = calendar_services.feed_get_or_create(user=user)
        path = urlsplit(calendar_services.feed_urls(feed)["feed_url"]).path
        rebuild = measure_rebuild(user, path, args.runs)

        port = free_port()
        server = start_gunicorn(port, args.workers)
        gzip_headers = {"Accept-Encoding": "gzip"}
        status, headers, body = fetch(port, path, gzip_headers)
        assert status == 200 and headers.get("Content-Encoding") == "gzip", (status, headers)
        etag = headers["ETag"]
        not_modified = fetch(port, path, {**gzip_headers, "If-None-Match": etag})
        assert not_modified[0] == 304 and "Content-Length" not in not_modified[1], not_modified[:2]
        p50 = latency_p50s(
            port,
            {
                "ping": ("/ping/", {}, 200),
                "full_gzip": (path, gzip_headers, 200),
                "full_identity": (path, {}, 200),
                "not_modified": (path, {**gzip_headers, "If-None-Match": etag}, 304),
            },
            args.requests,
        )
        ping_rps, feed_rps = interleaved_rates(
            clients, port, [("/ping/", {}), (path, gzip_headers)], args.seconds, args.slices
        )
    finally:
        clients.stop()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        cleanup(user, tag)

    ms = {name: value * 1000 for name, value in p50.items()}
    print(
        f"calendar feed serving: {rebuild['events']:,} events ({rebuild['sessions']:,} study sessions), "
        f"{rebuild['bytes']:,} bytes "
        f"({len(body):,} gzipped), {connection.vendor}, Redis cache, {os.cpu_count()} CPUs, normal GC"
    )
    print(f"1. rebuild after a change (median of {args.runs}, in process)")
    print(f"   feed rebuilt through the view   {rebuild['rebuild'] * 1000:8.1f} ms")
    print(f"   floor: icalendar alone           {rebuild['floor'] * 1000:8.1f} ms")
    print(f"   ratio rebuild / floor            {rebuild['rebuild'] / rebuild['floor']:8.2f}   (target <= 1.3)")
    print(f"2. over HTTP, gunicorn {args.workers} sync workers, one request at a time, p50 of {args.requests}")
    print(f"   /ping/                           {ms['ping']:8.2f} ms")
    print(f"   full feed, unchanged, gzip       {ms['full_gzip']:8.2f} ms   ratio {ms['full_gzip'] / ms['ping']:5.2f}")
    print("                                                 (target <= 3)")
    print(
        f"   full feed, unchanged, identity   {ms['full_identity']:8.2f} ms   "
        f"ratio {ms['full_identity'] / ms['ping']:5.2f}   (reference)"
    )
    print(
        f"   304 Not Modified                 {ms['not_modified']:8.2f} ms   "
        f"ratio {ms['not_modified'] / ms['ping']:5.2f}   (target <= 2)"
    )
    print(
        f"3. saturation, closed loop, no think time, {args.clients} client processes, "
        f"gunicorn {args.workers} sync workers, {args.seconds:g} s each in {args.slices} alternating turns"
    )
    print(f"   /ping/                           {ping_rps:8.0f} req/s")
    print(
        f"   full feed, unchanged, gzip       {feed_rps:8.0f} req/s   "
        f"{feed_rps / ping_rps:5.0%} of /ping/   (target >= 50%)"
    )


if __name__ == "__main__":
    main()
