"""Benchmark: the weekly nudges of 10,000 learners, against a render-only floor.

Run against a migrated database, e.g.:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner
    .venv/bin/python bench/bench_nudges.py [--learners 10000] [--runs 3]

It creates throwaway learners (bulk inserts), each with an active roadmap of
12 tasks and a nudge due now (spread over seven time zones), measures, then
deletes all of it. Mail goes to ``bench/wire_mail.py``: each message is built
and serialized as Django's SMTP backend does, without a socket.

Printed, as medians over the runs:
- dispatch + send: ``dispatch_due_nudges`` (batches of 500 under SKIP LOCKED,
  one delivery row per learner) and then ``send_nudge_batch`` on every queued
  chunk, as the Celery jobs would run them, called in-process; with the
  number of SQL statements (counted by a connection execute wrapper);
- floor: building the very same 10,000 e-mails (templates, progress, MIME,
  serialized as for SMTP) from data loaded beforehand: what any sender of these
  mails must pay;
- the ratio of the two, and SQL queries a learner.

Each run is followed by its floor, in the same process (alternating), with the
garbage collector as production runs it (no ``gc.freeze``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["EMAIL_BACKEND"] = "bench.wire_mail.WireBackend"

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Profile, User, wall_clock_to_utc  # noqa: E402
from bench.wire_mail import sent as wire_sent  # noqa: E402
from bench.wire_mail import wire_bytes  # noqa: E402
from roadmaps.models import NudgeDelivery, Roadmap, Role, Task, Track  # noqa: E402
from roadmaps.nudges import dispatch_due_nudges, nudge_message, send_nudge_batch  # noqa: E402
from roadmaps.nudges.dispatch import SEND_CHUNK, chunks  # noqa: E402
from roadmaps.nudges.loading import Chunk, load_chunk  # noqa: E402

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]
TASKS_PER_ROADMAP = 12
# Three weeks in, the plan expects 7 tasks done: learners are behind, on track or ahead.
DONE_TASKS = (4, 7, 9)


def due_slot_now(zone_name: str, now: datetime) -> tuple[int, int, datetime]:
    """Weekday, hour and UTC instant of the start of the current hour on that zone's clock."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = now.astimezone(zone)
    return local.isoweekday(), local.hour, wall_clock_to_utc(local.date(), local.hour, zone)


def make_learners(tag: str, count: int, now: datetime) -> tuple[list[int], Role, Track]:
    users = User.objects.bulk_create(
        User(email=f"bench-{tag}-{n}@example.invalid", name=f"Learner {n}", password="!") for n in range(count)
    )
    profiles = []
    for n, user in enumerate(users):
        zone = ZONES[n % len(ZONES)]
        weekday, hour, slot = due_slot_now(zone, now)
        profiles.append(Profile(user=user, timezone=zone, nudge_weekday=weekday, nudge_hour=hour, next_nudge_at=slot))
    Profile.objects.bulk_create(profiles, batch_size=2000)
    # Nudges go to verified addresses only (accounts/verification.py).
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users), batch_size=2000
    )
    role = Role.objects.create(slug=f"bench-{tag}", name="Bench Engineer", category="emerging")
    track = Track.objects.create(slug=f"bench-{tag}", name="Bench", audience="-", min_weeks=1, max_weeks=520)
    start = now.date() - timedelta(weeks=3)
    roadmaps = Roadmap.objects.bulk_create(
        (
            Roadmap(
                user=user,
                role=role,
                track=track,
                start_date=start,
                end_date=start + timedelta(days=3 * TASKS_PER_ROADMAP),
                weekly_hours=8,
                study_days=[1, 2, 3, 4, 5],
            )
            for user in users
        ),
        batch_size=2000,
    )
    Task.objects.bulk_create(
        (
            Task(
                roadmap=roadmap,
                sequence=n + 1,
                title=f"Study part {n + 1}",
                milestone_title="Milestone",
                phase_order=1,
                phase_title="Foundations",
                kind="learn",
                estimated_minutes=120,
                start_date=start + timedelta(days=3 * n),
                due_date=start + timedelta(days=3 * n + 2),
                status="done" if n < DONE_TASKS[index % 3] else "todo",
                completed_at=now - timedelta(days=2) if n < DONE_TASKS[index % 3] else None,
            )
            for index, roadmap in enumerate(roadmaps)
            for n in range(TASKS_PER_ROADMAP)
        ),
        batch_size=5000,
    )
    return [user.id for user in users], role, track


def reset(user_ids: list[int], now: datetime) -> None:
    NudgeDelivery.objects.filter(user_id__in=user_ids).delete()
    for zone in ZONES:
        _, _, slot = due_slot_now(zone, now)
        Profile.objects.filter(user_id__in=user_ids, timezone=zone).update(next_nudge_at=slot)
    wire_sent.clear()


class QueryCounter:
    """Counts every SQL statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Run:
    dispatch_seconds: float
    dispatch_queries: int
    total_seconds: float
    total_queries: int
    sent: int


def dispatch_and_send(now: datetime) -> Run:
    queued: list[int] = []
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        dispatch_due_nudges(now=now, enqueue=queued.extend)
        dispatched, dispatch_queries = time.perf_counter(), counter.count
        sent = sum(send_nudge_batch(chunk).sent for chunk in chunks(queued, SEND_CHUNK))
        finished = time.perf_counter()
    return Run(dispatched - started, dispatch_queries, finished - started, counter.count, sent)


def render_only(chunk: Chunk) -> float:
    started = time.perf_counter()
    for delivery in chunk.deliveries.values():
        wire_bytes(nudge_message(delivery, chunk.tasks_of(delivery)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    # The benchmark runs on the real clock: the learners are due in the current hour.
    now = timezone.now().astimezone(UTC)
    print(f"creating {options.learners:,} learners ...", flush=True)
    user_ids, role, track = make_learners(tag, options.learners, now)
    try:
        runs, floors = [], []
        for number in range(options.runs):
            reset(user_ids, now)
            run = dispatch_and_send(now)
            recipients = {to for to, _ in wire_sent}
            assert run.sent == options.learners == len(wire_sent) == len(recipients), (run.sent, len(wire_sent))
            runs.append(run)
            ids = list(NudgeDelivery.objects.filter(user_id__in=user_ids).values_list("pk", flat=True))
            floors.append(render_only(load_chunk(ids)))
            print(
                f"run {number + 1}: dispatch + send {run.total_seconds:.2f} s, floor {floors[-1]:.2f} s, "
                f"ratio {run.total_seconds / floors[-1]:.2f}, "
                f"{run.total_queries / options.learners:.3f} queries a learner",
                flush=True,
            )
        report(options.learners, runs, floors)
    finally:
        User.objects.filter(id__in=user_ids).delete()
        role.delete()
        track.delete()


def report(learners: int, runs: list[Run], floors: list[float]) -> None:
    def median(values) -> float:
        return statistics.median(values)

    total, floor = median(r.total_seconds for r in runs), median(floors)
    dispatch = median(r.dispatch_seconds for r in runs)
    label = f"median of {len(runs)} runs" if len(runs) > 1 else "single run"
    print()
    print(f"nudges to {learners:,} learners ({label}, SMTP serialization without a socket)")
    print(f"  dispatch + send : {total:8.2f} s  ({total / learners * 1e3:.3f} ms a learner)")
    print(f"    of which dispatch: {dispatch:.2f} s, {median(r.dispatch_queries for r in runs):.0f} SQL queries")
    queries = median(r.total_queries for r in runs)
    print(f"  SQL queries     : {queries:8.0f}    ({queries / learners:.2f} a learner)")
    print(f"  floor (render)  : {floor:8.2f} s  ({floor / learners * 1e3:.3f} ms a learner)")
    print(f"  ratio           : {total / floor:8.2f} x the floor")


if __name__ == "__main__":
    main()
