"""The traffic of the load test: calendar apps polling feeds, and learners on the site.

Run by ``bench/load/run_load_test.py``, which seeds the learners and passes
``LOAD_SEED`` (the seed JSON) and ``LOAD_OUT`` (a directory for results).

- ``CalendarApp``: polls one learner's feed, mostly with the ETag of its last
  full download in ``If-None-Match`` (a ``304`` unless the feed changed).
- ``Learner``: logged in (API token, and the session cookie of a form login),
  opens the dashboard, reads its progress, ticks tasks done, creates roadmaps.
- Both call ``GET /ping/`` now and then: the floor, measured in the same run.

Those two are the mixed mode (``--mode mixed``). The saturation mode (the
default) runs one request type per locust run, closed loop (no think time):
``SatPing``, ``SatFeedFull``, ``SatFeedConditional``, ``SatDashboard`` and
``SatTick``, with ``FeedOwner`` ticking the polled feeds' tasks in the feed
phases and ``DashboardOwner`` the readers' own tasks in the dashboard phase;
see ``run_load_test.py``. Its ticks flip tasks between done and to do,
each written as ``<task id> <status> sent`` before and ``... ok`` on its 200
(``writes-<pid>.txt``), for the runner's check that nothing was lost.

Each locust process writes, into ``LOAD_OUT``: every task id it saw ticked done
with a ``200`` (``ticked-<pid>.txt``, one line per tick, as it happens), every
roadmap id created with a ``201`` (``created-<pid>.txt``), and its own response
times in milliseconds, unrounded (``samples-<pid>.json``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from locust import FastHttpUser, between, constant, constant_pacing, events, task
from names import (
    CREATE,
    DASHBOARD,
    FEED_CONDITIONAL,
    FEED_FULL,
    FLOOR,
    OWNER_TICK,
    PROGRESS,
    TICK,
)

SEED = json.loads(Path(os.environ["LOAD_SEED"]).read_text())
OUT_DIR = Path(os.environ["LOAD_OUT"])
LEARNERS = SEED["learners"]
# Learners on the site are the first seeded ones (those the runner logged in);
# calendar apps take feeds from the other end, so most polled feeds are of
# learners who are away, as most subscriptions are.
LOGGED_IN = [learner for learner in LEARNERS if learner.get("session_cookie")]
next_learner = itertools.count()
# The first seconds of each phase (spawning, a cold worker) are not measured.
WARMUP_SECONDS = float(os.environ.get("LOAD_WARMUP", "0"))
next_feed = itertools.count()


class Results:
    """What this process measured, between the test's start and stop."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.error_examples: dict[str, str] = {}
        self.counters: Counter[str] = Counter()
        self.started = self.stopped = None
        self.ticked = self.created = self.writes = None

    def start(self) -> None:
        pid = os.getpid()
        # Line-buffered: a tick is on disk as soon as its 200 is seen.
        self.ticked = open(OUT_DIR / f"ticked-{pid}.txt", "a", buffering=1)  # noqa: SIM115
        self.created = open(OUT_DIR / f"created-{pid}.txt", "a", buffering=1)  # noqa: SIM115
        self.writes = open(OUT_DIR / f"writes-{pid}.txt", "a", buffering=1)  # noqa: SIM115
        # Measured from the end of the warm-up (none in the mixed mode).
        self.started = time.time() + WARMUP_SECONDS

    def stop(self) -> None:
        self.stopped = time.time()
        self.ticked.close()
        self.created.close()
        self.writes.close()
        payload = {
            "started": self.started,
            "stopped": self.stopped,
            "samples": self.samples,
            "errors": self.errors,
            "error_examples": self.error_examples,
            "counters": self.counters,
        }
        (OUT_DIR / f"samples-{os.getpid()}.json").write_text(json.dumps(payload))

    def measuring(self) -> bool:
        return self.started is not None and self.stopped is None and time.time() >= self.started

    def count(self, counter: str) -> None:
        if self.measuring():
            self.counters[counter] += 1

    def record_write(self, task_id: int, status: str, stage: str) -> None:
        """``sent`` before the request, ``ok`` on its 200: whether measured or not, every write counts."""
        if self.writes is not None and not self.writes.closed:
            self.writes.write(f"{task_id} {status} {stage}\n")

    def record(self, file, object_id: int) -> None:
        # An answer that lands after the stop is not recorded: the check is only ever weaker.
        if not file.closed:
            file.write(f"{object_id}\n")


results = Results()


@events.test_start.add_listener
def on_test_start(**_kwargs) -> None:
    results.start()


@events.test_stop.add_listener
def on_test_stop(**_kwargs) -> None:
    results.stop()


@events.request.add_listener
def on_request(name: str, response_time: float, exception, **_kwargs) -> None:
    if not results.measuring():
        return
    results.samples[name].append(response_time)
    if exception is not None:
        results.errors[name] += 1
        results.error_examples.setdefault(name, repr(exception)[:300])


class Client(FastHttpUser):
    abstract = True
    # A client that waits longer than this has given up: that is an error.
    network_timeout = 10.0
    connection_timeout = 5.0

    @task(1)
    def floor(self) -> None:
        self.client.get("/ping/", name=FLOOR)


def poll_conditionally(client, path: str, etag: str) -> str:
    """One conditional poll of a feed, counted as a 304 or a changed feed; the ETag to send next."""
    headers = {"If-None-Match": etag}
    with client.get(path, name=FEED_CONDITIONAL, headers=headers, catch_response=True) as response:
        if response.status_code == 304:
            results.count("feed_not_modified")
        elif response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content:
            # The learner ticked something since: the new calendar, and its ETag.
            results.count("feed_changed")
            return response.headers.get("ETag")
        else:
            response.failure(f"expected 304 or a calendar, got {response.status_code}")
    return etag


class CalendarApp(Client):
    """A calendar app subscribed to one learner's feed."""

    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        learner = LEARNERS[-1 - next(next_feed) % len(LEARNERS)]
        feed_url = urlsplit(learner["feed_url"])
        # The feed URL is built from SITE_URL: it must point at this server only.
        assert feed_url.hostname == "127.0.0.1", feed_url
        self.feed_path = feed_url.path
        self.etag = None

    @task(1)
    def poll_without_etag(self) -> None:
        with self.client.get(self.feed_path, name=FEED_FULL, catch_response=True) as response:
            if response.status_code != 200 or b"BEGIN:VCALENDAR" not in response.content:
                response.failure(f"expected a calendar, got {response.status_code}")
                return
            self.etag = response.headers.get("ETag")

    @task(4)
    def poll_with_etag(self) -> None:
        if self.etag is None:
            self.poll_without_etag()
            return
        self.etag = poll_conditionally(self.client, self.feed_path, self.etag)


class Learner(Client):
    """A logged-in learner on the site and its API."""

    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        learner = LOGGED_IN[next(next_learner) % len(LOGGED_IN)]
        self.roadmap_id = learner["roadmap_id"]
        self.api_headers = {"Authorization": f"Token {learner['api_token']}"}
        self.page_headers = {"Cookie": f"sessionid={learner['session_cookie']}"}
        # Ticked tasks go to the back: once all are done, ticking again is still a write.
        self.to_tick = deque(learner["task_ids"])
        self.new_roadmap = SEED["new_roadmaps"][learner["roadmap_id"] % len(SEED["new_roadmaps"])]

    @task(4)
    def dashboard(self) -> None:
        with self.client.get(
            "/dashboard/",
            name=DASHBOARD,
            headers=self.page_headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A lost session would be a 302 to the login page, not a dashboard.
            if response.status_code != 200:
                response.failure(f"expected the dashboard, got {response.status_code}")

    @task(2)
    def progress(self) -> None:
        self.client.get(f"/api/roadmaps/{self.roadmap_id}/progress/", name=PROGRESS, headers=self.api_headers)

    @task(3)
    def tick(self) -> None:
        task_id = self.to_tick.popleft()
        self.to_tick.append(task_id)
        with self.client.patch(
            f"/api/tasks/{task_id}/",
            name=TICK,
            json={"status": "done"},
            headers=self.api_headers,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.json().get("status") != "done":
                response.failure(f"expected the task done, got {response.status_code}")
                return
            results.record(results.ticked, task_id)

    @task(1)
    def create_roadmap(self) -> None:
        body = {**self.new_roadmap, "start_date": datetime.now(UTC).date().isoformat()}
        with self.client.post(
            "/api/roadmaps/", name=CREATE, json=body, headers=self.api_headers, catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"expected 201, got {response.status_code}: {response.text[:200]}")
                return
            results.record(results.created, response.json()["id"])


# --- Saturation mode: one request type at a time, closed loop (no think time) ---
#
# ``run_load_test.py --mode saturation`` runs locust once per phase and names the
# user classes of that phase on the command line: ``SatPing`` alone, or one
# request type's class plus ``FeedOwner`` for the feed phases. Each such user
# sends its next request as soon as the previous answer is in.

# Feeds polled in the saturation phases: the learners not logged in (the back of the list).
AWAY = [learner for learner in LEARNERS if not learner.get("session_cookie")] or LEARNERS
next_poller = itertools.count()
# The conditional pollers' feeds, one per user; the owners tick those (in the 304
# phase, LOAD_OWNED=polled) or every away learner's (in the full feed phase).
POLLED = AWAY[: int(os.environ.get("LOAD_USERS", "10"))]
OWNED = POLLED if os.environ.get("LOAD_OWNED") == "polled" else AWAY
next_owner = itertools.count()
# The feed owners tick this often in total, spread over the FeedOwner users.
OWNER_TICKS_PER_SECOND = float(os.environ.get("LOAD_OWNER_TICKS_PER_SECOND", "2"))
TOGGLE = {"done": "todo", "todo": "done"}


class Saturating(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 10.0
    connection_timeout = 5.0


class SatPing(Saturating):
    """The floor: ``GET /ping/`` (no database, no session), back to back."""

    @task
    def ping(self) -> None:
        self.client.get("/ping/", name=FLOOR)


class SatFeedFull(Saturating):
    """A calendar app without a validator, the whole feed every time: the pollers
    cycle through the away learners' feeds, each from its own offset."""

    def on_start(self) -> None:
        offset = next(next_poller) * 7
        assert all(urlsplit(learner["feed_url"]).hostname == "127.0.0.1" for learner in AWAY)
        self.turn = itertools.cycle(urlsplit(AWAY[(offset + i) % len(AWAY)]["feed_url"]).path for i in range(len(AWAY)))

    @task
    def poll(self) -> None:
        with self.client.get(next(self.turn), name=FEED_FULL, catch_response=True) as response:
            if response.status_code != 200 or b"BEGIN:VCALENDAR" not in response.content:
                response.failure(f"expected a calendar, got {response.status_code}")


class SatFeedConditional(Saturating):
    """A calendar app subscribed to one feed, polling it with the ETag of its last download.

    Each poller has a feed of its own (``POLLED``, one per user); the owners tick
    those feeds' tasks meanwhile, so each tick turns the next poll into a 200
    with the new calendar, and the polls after it into 304s again.
    """

    def on_start(self) -> None:
        self.path = urlsplit(POLLED[next(next_poller) % len(POLLED)]["feed_url"]).path
        # The runner downloads every feed just before this phase: the poller starts with its ETag.
        self.etag = SEED["etags"][self.path]

    @task
    def poll(self) -> None:
        self.etag = poll_conditionally(self.client, self.path, self.etag)


class SatDashboard(Saturating):
    """A signed-in learner reloading ``/dashboard/`` (session cookie of a form login)."""

    def on_start(self) -> None:
        learner = LOGGED_IN[next(next_learner) % len(LOGGED_IN)]
        self.page_headers = {"Cookie": f"sessionid={learner['session_cookie']}"}

    @task
    def dashboard(self) -> None:
        with self.client.get(
            "/dashboard/", name=DASHBOARD, headers=self.page_headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"expected the dashboard, got {response.status_code}")


class Ticker:
    """Flips tasks between done and to do through ``PATCH /api/tasks/<id>/``: every tick is a change.

    Each task is ticked by one user only, so the last acknowledged status of a
    task is the one stored (checked by the runner from ``writes-<pid>.txt``).
    """

    def setup_ticks(self, learners: list[dict]) -> None:
        # Not ``tasks``: locust's name for a user's task list.
        self.queue = deque((task_id, learner["api_token"]) for learner in learners for task_id in learner["task_ids"])
        self.status: dict[int, str] = {}

    def tick_next(self, client, name: str) -> None:
        task_id, token = self.queue.popleft()
        self.queue.append((task_id, token))
        wanted = TOGGLE[self.status.get(task_id, "todo")]
        results.record_write(task_id, wanted, "sent")
        with client.patch(
            f"/api/tasks/{task_id}/",
            name=name,
            json={"status": wanted},
            headers={"Authorization": f"Token {token}"},
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.json().get("status") != wanted:
                response.failure(f"expected the task {wanted}, got {response.status_code}")
                return
            self.status[task_id] = wanted
            results.record_write(task_id, wanted, "ok")


def tasks_split(learner: dict) -> tuple[dict, dict]:
    """A logged-in learner's tasks in two: the first two thirds for ``SatTick``, the last
    third for ``DashboardOwner`` (each task has one ticker, for the runner's lost-write check)."""
    task_ids = learner["task_ids"]
    cut = len(task_ids) - max(1, len(task_ids) // 3)
    return {**learner, "task_ids": task_ids[:cut]}, {**learner, "task_ids": task_ids[cut:]}


class SatTick(Ticker, Saturating):
    """A signed-in learner ticking its own tasks back to back."""

    def on_start(self) -> None:
        self.setup_ticks([tasks_split(LOGGED_IN[next(next_learner) % len(LOGGED_IN)])[0]])

    @task
    def tick(self) -> None:
        self.tick_next(self.client, TICK)


class Owner(Ticker, FastHttpUser):
    """Learners ticking their tasks while others read what those ticks change.

    A fixed count at a fixed pace (``LOAD_OWNER_TICKS_PER_SECOND`` in all): load
    on the server besides the measured type, reported as its own row.
    """

    abstract = True
    fixed_count = 2
    network_timeout = 10.0
    connection_timeout = 5.0

    wait_time = constant_pacing(fixed_count / OWNER_TICKS_PER_SECOND)

    def owned(self) -> list[dict]:
        raise NotImplementedError  # each phase's owners say whose tasks they tick

    def on_start(self) -> None:
        number = next(next_owner)
        # Owners share the learners: owner 0 the even ones, owner 1 the odd ones.
        self.setup_ticks(self.owned()[number :: self.fixed_count])
        # In a random order: a sweep through the feeds in the pollers' order could keep
        # pace with them, every tick landing just after the pollers' visit.
        shuffled = list(self.queue)
        random.Random(number).shuffle(shuffled)
        self.queue = deque(shuffled)

    @task
    def tick(self) -> None:
        self.tick_next(self.client, OWNER_TICK)


class FeedOwner(Owner):
    """Owners of the polled feeds ticking their tasks during the feed phases, so feeds change."""

    def owned(self) -> list[dict]:
        return OWNED


class DashboardOwner(Owner):
    """The dashboard readers themselves ticking tasks during the dashboard phase (the last
    third of each one's tasks), so dashboards change while they are read: a page cache
    meets the misses a learner's own ticks cause."""

    def owned(self) -> list[dict]:
        return [tasks_split(learner)[1] for learner in LOGGED_IN]
