"""Load test: gunicorn on PostgreSQL and Redis, driven by locust, against a /ping/ floor.

    .venv/bin/python bench/load/run_load_test.py                       # saturation (default)
    .venv/bin/python bench/load/run_load_test.py --phase-seconds 5     # quicker saturation run
    .venv/bin/python bench/load/run_load_test.py --types task-tick --rounds 5   # one type, five times over
    .venv/bin/python bench/load/run_load_test.py --mode mixed --duration 60 --users 40

Needs PostgreSQL (user ``postgres``) and Redis on 127.0.0.1, and locust
(``pip install -e '.[bench]'``). All traffic stays on 127.0.0.1. It:

1. creates a fresh database (``--database``, default ``planner_load``, dropped
   at the end) and uses two Redis databases (``--broker-db`` 2, ``--cache-db``
   3), every key under ``--key-prefix``; at the start and the end it deletes
   the keys under that prefix only (never a whole database);
2. migrates, loads the catalog, collects static files when stale, and seeds
   learners through the services: each with an API token, a roadmap and a
   calendar feed;
3. starts gunicorn (sync workers, ``--workers``, default 2 x cores + 1; DEBUG
   off, throttles raised so the load is not throttled), waits for
   ``/health/``, and logs learners in through the login form;
4. drives it with locust (``bench/load/locustfile.py``, ``FastHttpUser``) in
   one of two modes, below;
5. checks that nothing was lost: every acknowledged write is stored.

Exits 1 on any request error, server traceback, lost write, or (saturation
mode) a request type below its target.

Saturation mode (the default): what each request type costs the server.
A closed loop: ``--users`` clients per phase (default 2 x workers, so every
worker always has a request waiting), each sending its next request as soon
as the previous answer is in, no think time. Mixing request types in one run
would give each type's share of the mix, not its throughput, so the run
measures one request type at a time, in phases on the same server with the
same workers, alternated with ``/ping/`` phases:

    ping, full feed, ping, feed 304, ping, dashboard, ping, task tick, ping

``--types`` measures only some types and ``--rounds`` each of them that many times
(``ping, task tick, ping, task tick, ping, ...``), each round against the two /ping/
phases around it, and prints each type's ratios and their median: a ratio moves
with the floor by a few percent from one phase to the next, so a change of a few
percent shows only over several rounds.

Each phase lasts ``--warmup`` + ``--phase-seconds``; only the requests
answered after the warm-up count. A type's requests/s at saturation is
divided by the mean of the two ``/ping/`` phases around it (the floor: no
database, no session; what the server, the workers and the load generator
manage at all), so a machine slowed by other programs moves both sides of the
ratio. Targets (issue 15): full feed >= 50%, feed 304 >= 70%, dashboard
>= 30%, task tick >= 30% of /ping/'s requests/s.

- full feed: ``GET`` of a feed without ``If-None-Match``, the pollers cycling
  through the feeds of the learners not logged in; before each feed phase
  the runner fetches every feed once (unmeasured), so the phase meets feeds
  as subscribed calendar apps do, built once and rebuilt after a change;
- feed 304: each poller subscribed to one feed of its own, polling it with
  the ETag of its last download (``If-None-Match``);
- in both feed phases the feed owners tick tasks meanwhile
  (``--owner-ticks`` per second in all, done <-> to do through the API), so
  feeds change: in the 304 phase the owners of the polled feeds, so each
  tick turns the next poll of that feed into a 200 with the new calendar
  (their share is printed); in the full feed phase any away learner, so
  full downloads meet rebuilt feeds. Those ticks are load besides the
  measured type, printed as their own row;
- dashboard: ``GET /dashboard/`` with the session cookie of a form login;
  the readers themselves tick tasks meanwhile (``--owner-ticks`` per second
  in all, the last third of each reader's tasks), so dashboards change while
  they are read, as a learner's page does after each tick: a page cache
  meets its misses (the share of views that followed a change is printed);
- task tick: ``PATCH /api/tasks/<id>/`` with an API token, each client
  flipping its learner's tasks between done and to do (every tick a change).

The load generator shares the machine: locust is one process (gevent, one
core at most) next to gunicorn, PostgreSQL and Redis. Its CPU share is
printed per phase. A generator at its limit caps the /ping/ phases first
(the cheapest request), which flatters the other types' ratios: when locust
takes about a core in a /ping/ phase, read the ratios as upper bounds.

Mixed mode (``--mode mixed``): calendar apps and learners with a think time
(0.5-1.5 s), all request types at once for ``--duration`` seconds, with
``/ping/`` requests among them; it prints per request type requests/s and
p50/p95/p99 and their ratios to the floor, and whether the floor's median
grew (the server kept up or queued). Its ratios are shares of that mix, not
capacities.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import figures
import psutil
import psycopg
import redis
import requests
from names import DASHBOARD, FEED_CONDITIONAL, FEED_FULL, FLOOR, OWNER_TICK, TICK
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = f"postgresql://postgres@{HOST}:5432/postgres"
# Set from the command line by configure_stores() before anything uses them.
DATABASE = "planner_load"
REDIS_BROKER_URL = f"redis://{HOST}:6379/2"
REDIS_CACHE_URL = f"redis://{HOST}:6379/3"
KEY_PREFIX = "load-test"
PASSWORD = "load-test-" + secrets.token_urlsafe(12)
# No request type is throttled at these rates; the limits themselves are not under test.
UNTHROTTLED = "1000000/minute"
THROTTLES = ("REGISTER", "LOGIN", "FEED_TOKEN", "FEED_ADDRESS", "EXPORT")
# How much the floor's median grows under load: up to 3x the server kept up,
# beyond 10x most requests waited in the queue for a free worker.
KEPT_UP_SLOWDOWN = 3
SATURATED_SLOWDOWN = 10


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("saturation", "mixed"), default="saturation")
    parser.add_argument("--duration", type=int, default=60, help="mixed: seconds of load (default 60)")
    parser.add_argument("--users", type=int, help="concurrent locust users (saturation: 2 x workers; mixed: 40)")
    parser.add_argument("--learners", type=int, default=200, help="learners to seed")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (default 2*cores+1)")
    parser.add_argument("--phase-seconds", type=int, default=15, help="saturation: measured seconds per phase")
    parser.add_argument("--warmup", type=int, default=3, help="saturation: unmeasured seconds opening each phase")
    parser.add_argument(
        "--owner-ticks",
        type=float,
        default=2,
        help="saturation: ticks per second by the learners whose feeds or dashboards are read",
    )
    parser.add_argument(
        "--types",
        nargs="+",
        choices=[phase.slug for phase in MEASURED],
        help="saturation: measure only these request types (default: all)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="saturation: measure each type this many times, each between its two /ping/ phases (default 1)",
    )
    parser.add_argument("--database", default="planner_load", help="PostgreSQL database, created and dropped")
    parser.add_argument("--broker-db", type=int, default=2, help="Redis database of the Celery broker")
    parser.add_argument("--cache-db", type=int, default=3, help="Redis database of the cache")
    parser.add_argument("--key-prefix", default="load-test", help="prefix of every Redis key of the run")
    args = parser.parse_args()
    if args.users is None:
        args.users = 2 * args.workers if args.mode == "saturation" else 40
    return args


def configure_stores(args: argparse.Namespace) -> None:
    global DATABASE, REDIS_BROKER_URL, REDIS_CACHE_URL, KEY_PREFIX
    DATABASE = args.database
    REDIS_BROKER_URL = f"redis://{HOST}:6379/{args.broker_db}"
    REDIS_CACHE_URL = f"redis://{HOST}:6379/{args.cache_db}"
    KEY_PREFIX = args.key_prefix


def main() -> int:
    args = parse_args()
    configure_stores(args)
    # Bounded whatever happens: seeding, start-up, the run and the checks.
    if args.mode == "saturation":
        give_up_after = len(phase_order(args)) * (args.warmup + args.phase_seconds + 30) + 600
    else:
        give_up_after = args.duration + 600
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.alarm(give_up_after)
    work_dir = Path(tempfile.mkdtemp(prefix="planner-load-"))
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    os.environ.update(service_environment(base_url, work_dir))
    reset_database()
    clear_redis()
    server, outcome = None, 1
    try:
        seed = prepare(args.learners)
        server = start_gunicorn(port, args.workers, work_dir)
        wait_until_healthy(base_url, server)
        # Saturation: at most half the learners sign in; the feeds polled are the others'.
        log_in(base_url, seed, count=min(args.users, len(seed["learners"]) // 2))
        idle_floor = idle_floor_p50(base_url)
        if args.mode == "saturation":
            outcome = saturate(base_url, args, seed, work_dir, server, idle_floor)
            return outcome
        print(f"Load: {args.users} users for {args.duration} s, spawned within 1 s", flush=True)
        usage = CpuUsage(server)
        run_locust(base_url, args, seed, work_dir)
        print(usage.summary())
        outcome = report(work_dir, server_log=work_dir / "gunicorn.log", idle_floor=idle_floor)
        return outcome
    finally:
        signal.alarm(0)  # each clean-up step has its own timeout
        stop(server)
        close_django_connections()
        drop_database()
        cleared = clear_redis()
        print(
            f"Stopped gunicorn, dropped the {DATABASE} database, deleted {cleared} Redis keys "
            f"under {KEY_PREFIX}: in {REDIS_BROKER_URL} and {REDIS_CACHE_URL}."
        )
        if outcome == 0:
            shutil.rmtree(work_dir)
        else:
            print(f"Logs, seed and raw samples kept in {work_dir}")


def close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def on_alarm(_signum, _frame) -> None:
    raise TimeoutError("the load test took too long; stopping")


def on_sigterm(_signum, _frame) -> None:
    raise SystemExit(143)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def service_environment(base_url: str, work_dir: Path) -> dict[str, str]:
    """Production-like settings (DEBUG off), pointed at the load test's own stores."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SITE_URL": base_url,
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{DATABASE}",
        "REDIS_URL": REDIS_BROKER_URL,
        "CACHE_REDIS_URL": REDIS_CACHE_URL,
        "DATA_DIR": str(work_dir / "data"),
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": KEY_PREFIX,
        # Kombu prefixes every broker key with this: the clean-up deletes them by it.
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(
            {"visibility_timeout": 3600, "global_keyprefix": f"{KEY_PREFIX}:"}
        ),
    }
    environment.update({f"THROTTLE_{scope}": UNTHROTTLED for scope in THROTTLES})
    return environment


def reset_database() -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def drop_database() -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def clear_redis() -> int:
    """Delete this run's keys (those under its prefix), never the rest of the databases."""
    deleted = 0
    for url in (REDIS_BROKER_URL, REDIS_CACHE_URL):
        store = redis.Redis.from_url(url, socket_timeout=10)
        keys = list(store.scan_iter(match=f"{KEY_PREFIX}:*", count=1000))
        for start in range(0, len(keys), 1000):
            deleted += store.delete(*keys[start : start + 1000])
    return deleted


def prepare(learner_count: int) -> dict:
    """Schema, catalog, static files and learners, in this process (Django on the load DB)."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import seeding
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_catalog", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if static_files_are_stale():
        print("Collecting static files (the pages link to their hashed names)...", flush=True)
        call_command("collectstatic", "--noinput", verbosity=0)
    seed = seeding.seed_learners(count=learner_count, password=PASSWORD, today=datetime.now(UTC).date())
    tasks = sum(len(learner["task_ids"]) for learner in seed["learners"])
    print(
        f"Seeded {learner_count} learners with {tasks} tasks in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return seed


def static_files_are_stale() -> bool:
    """True unless the collected manifest is newer than every source static file.

    Collecting and compressing takes about a minute; it is needed again only
    when a static file changed.
    """
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    collected_at = manifest.stat().st_mtime
    return any(
        os.path.getmtime(storage.path(path)) > collected_at
        for finder in get_finders()
        for path, storage in finder.list([])
    )


def start_gunicorn(port: int, workers: int, work_dir: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--timeout=30",
        "--graceful-timeout=10",
        # No control socket: gunicorn's default path is shared by every server this user runs.
        "--no-control-socket",
    ]
    log = open(work_dir / "gunicorn.log", "w")  # noqa: SIM115
    print(f"gunicorn: {workers} sync workers on {HOST}:{port}", flush=True)
    return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_healthy(base_url: str, server: subprocess.Popen, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{base_url}/health/ did not answer within {within} s")


def log_in(base_url: str, seed: dict, count: int) -> None:
    """One session per learner on the site, through the login form, before the clock starts.

    Logging in costs a deliberately slow password hash; done here, it does not
    crowd the first seconds of the measured run.
    """
    learners = seed["learners"][:count]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        cookies = list(pool.map(lambda learner: form_login(base_url, learner["email"]), learners))
    for learner, cookie in zip(learners, cookies, strict=True):
        learner["session_cookie"] = cookie
    print(f"Logged {count} learners in through /login/ in {time.perf_counter() - started:.1f} s")


def form_login(base_url: str, email: str) -> str:
    with requests.Session() as browser:
        form = browser.get(f"{base_url}/login/", timeout=30)
        form.raise_for_status()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        answer = browser.post(
            f"{base_url}/login/",
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or "sessionid" not in browser.cookies:
            raise RuntimeError(f"form login of {email} failed: {answer.status_code}")
        return browser.cookies["sessionid"]


def run_locust(base_url: str, args: argparse.Namespace, seed: dict, work_dir: Path) -> None:
    seed_file = work_dir / "seed.json"
    seed_file.write_text(json.dumps(seed))
    command = [
        sys.executable,
        "-m",
        "locust",
        f"--locustfile={LOCUSTFILE}",
        "--headless",
        f"--users={args.users}",
        f"--spawn-rate={args.users}",
        f"--run-time={args.duration}s",
        f"--host={base_url}",
        f"--csv={work_dir / 'locust'}",
        "--only-summary",
        "--stop-timeout=5",
        "CalendarApp",
        "Learner",
    ]
    environment = {**os.environ, "LOAD_SEED": str(seed_file), "LOAD_OUT": str(work_dir)}
    with open(work_dir / "locust.log", "w") as log:
        # locust exits 1 when a request failed; the report below says which.
        subprocess.run(
            command,
            cwd=REPO,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=args.duration + 120,
            check=False,
        )


class CpuUsage:
    """Where the machine's CPU went during the run.

    Gunicorn, locust, the PostgreSQL backends serving the load database, Redis,
    and the rest: a machine busy with other programs shows here, not only as
    slower figures.
    """

    def __init__(self, server: subprocess.Popen):
        self.server = psutil.Process(server.pid)
        self.started = time.monotonic()
        self.at_start = self.per_part()
        self.machine_start = busy_seconds()

    def per_part(self) -> dict[str, dict[int, float]]:
        parts: dict[str, dict[int, float]] = {"gunicorn": {}, "PostgreSQL": {}, "Redis": {}}
        for process in [self.server, *self.server.children(recursive=True)]:
            parts["gunicorn"][process.pid] = cpu_seconds(process)
        for process in psutil.process_iter(["cmdline", "name"]):
            command = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and f" {DATABASE} " in command:
                parts["PostgreSQL"][process.pid] = cpu_seconds(process)
            elif (process.info["name"] or "").startswith("redis-server"):
                parts["Redis"][process.pid] = cpu_seconds(process)
        parts["locust"] = {0: children_seconds()}
        return parts

    def shares(self) -> dict[str, float]:
        """Percent of one core per part since the start."""
        wall = time.monotonic() - self.started
        at_end = self.per_part()
        used = {
            part: sum(seconds - self.at_start[part].get(pid, 0.0) for pid, seconds in pids.items())
            for part, pids in at_end.items()
        }
        used["other programs"] = max(busy_seconds() - self.machine_start - sum(used.values()), 0)
        return {part: 100 * seconds / wall for part, seconds in used.items()}

    def summary(self) -> str:
        shares = ", ".join(f"{part} {share:.1f}%" for part, share in self.shares().items())
        cores = psutil.cpu_count()
        return f"CPU during the run ({cores} cores = {cores * 100}%): {shares}"


def cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:  # it ended meanwhile
        return 0.0
    return times.user + times.system


def children_seconds() -> float:
    """CPU of this script's finished children: after the run, that includes locust."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_seconds() -> float:
    machine = psutil.cpu_times()
    return sum(machine) - machine.idle - machine.iowait


def idle_floor_p50(base_url: str, requests_made: int = 50) -> float:
    """The floor's median with no load (one client, one request at a time), in ms."""
    times = []
    for _ in range(requests_made):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base_url}/ping/", timeout=5) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def report(work_dir: Path, server_log: Path, idle_floor: float) -> int:
    result = figures.measured(work_dir)
    print(f"\nMeasured over {result.seconds:.1f} s; latency in ms; the floor is GET /ping/.")
    print(figures.table(result))
    print(saturation(result, idle_floor))
    conditional = result.counters["feed_not_modified"] + result.counters["feed_changed"]
    print(
        f"Conditional feed polls answered 304: {result.counters['feed_not_modified']} of "
        f"{conditional} (the rest: the learner had changed the feed since)"
    )
    for name, example in result.error_examples.items():
        print(f"  error in {name}: {example}")
    tracebacks = server_log.read_text().count("Traceback")
    print(f"Server log: {tracebacks} tracebacks")
    lost = check_nothing_lost(work_dir)
    ok = result.errors == 0 and tracebacks == 0 and not lost
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def saturation(result: figures.Measured, idle_floor: float) -> str:
    """Whether the server kept up: a view that does nothing only slows down when requests queue.

    In a closed loop (each user waits for its answer) an overloaded server
    answers slower rather than failing, so errors alone cannot tell.
    """
    floor = next(row for row in result.rows if row.name == FLOOR)
    if not floor.count:
        return "The floor did not run in this window: no saturation check."
    slowdown = floor.p50 / idle_floor
    if slowdown <= KEPT_UP_SLOWDOWN:
        verdict = "kept up"
    elif slowdown <= SATURATED_SLOWDOWN:
        verdict = "was near capacity: some requests waited for a worker"
    else:
        verdict = "was saturated: requests queued for a worker"
    return (
        f"Floor p50 {floor.p50:.1f} ms under load vs {idle_floor:.1f} ms idle ({slowdown:.1f}x): "
        f"the server {verdict} (kept up: at most {KEPT_UP_SLOWDOWN}x; "
        f"saturated: over {SATURATED_SLOWDOWN}x)"
    )


def check_nothing_lost(work_dir: Path) -> bool:
    """True if any acknowledged write is missing from the database."""
    from roadmaps.models import Roadmap, Task
    from roadmaps.models.plans import TaskStatus

    ticked = figures.recorded_ids(work_dir, "ticked-*.txt")
    stored_done = set(Task.objects.filter(id__in=ticked, status=TaskStatus.DONE).values_list("id", flat=True))
    created = figures.recorded_ids(work_dir, "created-*.txt")
    stored_roadmaps = Roadmap.objects.filter(id__in=created).count()
    print(
        f"No data lost? {len(stored_done)} of {len(ticked)} tasks ticked done with a 200 are "
        f"stored as done; {stored_roadmaps} of {len(created)} roadmaps created with a 201 are stored"
    )
    missing = sorted(ticked - stored_done)
    if missing:
        print(f"  tasks not stored as done: {missing[:20]}")
    return bool(missing) or stored_roadmaps != len(created)


# --- Saturation mode ------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    label: str
    user_classes: tuple[str, ...]
    row: str  # the request name measured
    target: float | None  # least requests/s as a fraction of /ping/'s; None for the floor

    @property
    def slug(self) -> str:
        """The label as ``--types`` and the phase's directory name it."""
        return self.label.replace(" ", "-")

    @property
    def has_owners(self) -> bool:
        """Whether learners tick tasks during the phase (two locust users of their own)."""
        return any(name.endswith("Owner") for name in self.user_classes)


PING = Phase("ping", ("SatPing",), FLOOR, None)
MEASURED = (
    Phase("full feed", ("SatFeedFull", "FeedOwner"), FEED_FULL, 0.50),
    Phase("feed 304", ("SatFeedConditional", "FeedOwner"), FEED_CONDITIONAL, 0.70),
    Phase("dashboard", ("SatDashboard", "DashboardOwner"), DASHBOARD, 0.30),
    Phase("task tick", ("SatTick",), TICK, 0.30),
)


@dataclass
class PhaseResult:
    phase: Phase
    result: figures.Measured
    cpu: dict[str, float]  # percent of one core, per part
    crashes: int  # tracebacks in locust's log: the load itself broke

    @property
    def row(self) -> figures.Row:
        return next(row for row in self.result.rows if row.name == self.phase.row)


def saturate(
    base_url: str, args: argparse.Namespace, seed: dict, work_dir: Path, server: subprocess.Popen, idle_floor: float
) -> int:
    seed_file = work_dir / "seed.json"
    seed_file.write_text(json.dumps(seed))
    print(
        f"Saturation: gunicorn {args.workers} sync workers; locust (1 process, FastHttpUser) with "
        f"{args.users} closed-loop users per phase, no think time; {args.warmup} s warm-up + "
        f"{args.phase_seconds} s measured per phase; learners tick {args.owner_ticks:g}/s "
        "in the feed and dashboard phases; "
        f"{psutil.cpu_count()} cores shared by gunicorn, PostgreSQL, Redis, locust and other programs.",
        flush=True,
    )
    order = phase_order(args)
    done: list[PhaseResult] = []
    for number, phase in enumerate(order):
        out = work_dir / f"phase-{number:02d}-{phase.slug}"
        out.mkdir()
        usage = CpuUsage(server)
        if phase.row in (FEED_FULL, FEED_CONDITIONAL):
            # Every feed fetched once first: a feed's first build after seeding is not
            # what a subscribed calendar app meets (the owners' ticks then make rebuilds).
            prime_etags(base_url, seed, out / "seed.json")
            phase_seed = out / "seed.json"
        else:
            phase_seed = seed_file
        run_phase(base_url, args, phase, phase_seed, out)
        cpu = usage.shares()
        measured = figures.measured(out)
        crashes = (out / "locust.log").read_text().count("Traceback")
        done.append(PhaseResult(phase, measured, cpu, crashes))
        row = done[-1].row
        print(
            f"  phase {number + 1}/{len(order)} {phase.label:<10} {row.per_second:8.1f} req/s  "
            f"p50 {row.p50:6.1f} ms  errors {measured.errors}  CPU: "
            + ", ".join(f"{part} {share:.0f}%" for part, share in cpu.items()),
            flush=True,
        )
    return saturation_report(done, args, work_dir, idle_floor)


def phase_order(args: argparse.Namespace) -> list[Phase]:
    """/ping/ first, then each measured type followed by /ping/, ``--rounds`` times over."""
    chosen = [phase for phase in MEASURED if args.types is None or phase.slug in args.types]
    order = [PING]
    for _round in range(args.rounds):
        for phase in chosen:
            order += [phase, PING]
    return order


def prime_etags(base_url: str, seed: dict, seed_file: Path) -> None:
    """Every feed's current ETag, as a subscribed calendar app would hold it, into a copy of the seed."""

    def etag_of(learner: dict) -> tuple[str, str]:
        path = urlsplit(learner["feed_url"]).path
        # What locust's FastHttpUser sends: the ETag is that of the body it would get.
        answer = requests.get(base_url + path, headers={"Accept-Encoding": "gzip, deflate, br"}, timeout=30)
        answer.raise_for_status()
        return path, answer.headers["ETag"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        etags = dict(pool.map(etag_of, seed["learners"]))
    seed_file.write_text(json.dumps({**seed, "etags": etags}))


def run_phase(base_url: str, args: argparse.Namespace, phase: Phase, seed_file: Path, out: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "locust",
        f"--locustfile={LOCUSTFILE}",
        "--headless",
        f"--users={args.users + (2 if phase.has_owners else 0)}",
        f"--spawn-rate={args.users + 2}",
        f"--run-time={args.warmup + args.phase_seconds}s",
        f"--host={base_url}",
        "--only-summary",
        "--stop-timeout=5",
        *phase.user_classes,
    ]
    environment = {
        **os.environ,
        "LOAD_SEED": str(seed_file),
        "LOAD_OUT": str(out),
        "LOAD_WARMUP": str(args.warmup),
        "LOAD_OWNER_TICKS_PER_SECOND": str(args.owner_ticks),
        "LOAD_USERS": str(args.users),
        "LOAD_OWNED": "polled" if phase.row == FEED_CONDITIONAL else "all",
    }
    with open(out / "locust.log", "w") as log:
        subprocess.run(
            command,
            cwd=REPO,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=args.warmup + args.phase_seconds + 120,
            check=False,
        )


def saturation_report(done: list[PhaseResult], args: argparse.Namespace, work_dir: Path, idle_floor: float) -> int:
    print(
        f"\nRequests/s at saturation, per request type, against the mean of the /ping/ phases "
        f"before and after it ({args.workers} gunicorn sync workers, {args.users} closed-loop users, "
        f"{args.phase_seconds} s per phase); latency in ms."
    )
    header = (
        f"{'request type':<12}{'req/s':>8}{'/ping/':>8}{'ratio':>7}{'target':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'errors':>7}{'gunicorn':>9}{'locust':>7}{'PG':>5}  verdict"
    )
    lines = [header, "-" * len(header)]
    missed, errors = [], 0
    for index, entry in enumerate(done):
        row, cpu = entry.row, entry.cpu
        errors += entry.result.errors + entry.crashes
        cpu_cells = f"{cpu['gunicorn']:>8.0f}%{cpu['locust']:>6.0f}%{cpu['PostgreSQL']:>4.0f}%"
        if entry.phase.target is None:
            lines.append(
                f"{'/ping/':<12}{row.per_second:>8.1f}{'':>8}{'':>7}{'':>8}{row.p50:>8.1f}{row.p95:>8.1f}"
                f"{row.p99:>8.1f}{entry.result.errors:>7}{cpu_cells}  floor"
            )
            continue
        floor, ratio = floor_and_ratio(done, index)
        verdict = "met" if ratio >= entry.phase.target else "MISSED"
        if verdict == "MISSED":
            missed.append(f"{entry.phase.label} {ratio:.1%} < {entry.phase.target:.0%}")
        lines.append(
            f"{entry.phase.label:<12}{row.per_second:>8.1f}{floor:>8.1f}{ratio:>7.1%}{entry.phase.target:>8.0%}"
            f"{row.p50:>8.1f}{row.p95:>8.1f}{row.p99:>8.1f}{entry.result.errors:>7}{cpu_cells}  {verdict}"
        )
    print("\n".join(lines))
    print(
        "CPU: percent of one core over each phase (locust's includes its start-up); "
        f"{psutil.cpu_count() * 100}% is the whole machine."
    )
    for entry in done:
        if entry.phase.has_owners:
            owners = next((row for row in entry.result.rows if row.name == OWNER_TICK), None)
            counters = entry.result.counters
            who = "the dashboard readers" if entry.phase.row == DASHBOARD else "the feed owners"
            line = (
                f"{entry.phase.label}: {who} ticked {owners.per_second:.1f}/s (p50 {owners.p50:.1f} ms)"
                if owners
                else f"{entry.phase.label}: {who} ticked NOTHING"
            )
            if entry.phase.row == DASHBOARD and owners:
                # Each tick changes one reader's dashboard: at most that many views a second are new pages.
                line += (
                    f"; at most {owners.per_second / entry.row.per_second:.1%} of the dashboards viewed "
                    "followed a change (a page cache's misses)"
                )
            if entry.phase.row == FEED_CONDITIONAL:
                changed, same = counters["feed_changed"], counters["feed_not_modified"]
                total = changed + same
                line += (
                    f"; conditional polls: {same} answered 304, {changed} answered 200 with a changed feed "
                    f"({changed / total:.1%} of {total})"
                    if total
                    else "; no conditional poll measured"
                )
            print(line)
    for phase in MEASURED:
        ratios = [ratio for entry, ratio in measured_ratios(done) if entry.phase == phase]
        if len(ratios) > 1:
            print(
                f"{phase.label}: {len(ratios)} rounds, ratios {', '.join(f'{ratio:.1%}' for ratio in ratios)}; "
                f"median {statistics.median(ratios):.1%}"
            )
    floors = [entry.row for entry in done if entry.phase.target is None]
    print(
        f"/ping/ phases: {', '.join(f'{row.per_second:.0f}' for row in floors)} req/s; "
        f"p50 {statistics.median(row.p50 for row in floors):.1f} ms under load vs {idle_floor:.1f} ms idle "
        "(one request at a time): every worker had requests waiting."
    )
    for entry in done:
        for name, example in entry.result.error_examples.items():
            print(f"  error in {entry.phase.label} / {name}: {example}")
        if entry.crashes:
            print(f"  locust raised {entry.crashes} exceptions in the {entry.phase.label} phase (see its locust.log)")
    tracebacks = (work_dir / "gunicorn.log").read_text().count("Traceback")
    print(f"Server log: {tracebacks} tracebacks")
    lost = check_writes_kept(work_dir)
    if missed:
        print("Targets missed: " + "; ".join(missed))
    ok = errors == 0 and tracebacks == 0 and not lost and not missed
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def floor_and_ratio(done: list[PhaseResult], index: int) -> tuple[float, float]:
    """A measured phase's floor (the mean of the /ping/ phases around it) and its ratio to it."""
    floor = statistics.mean([done[index - 1].row.per_second, done[index + 1].row.per_second])
    return floor, (done[index].row.per_second / floor if floor else float("nan"))


def measured_ratios(done: list[PhaseResult]) -> list[tuple[PhaseResult, float]]:
    return [
        (entry, floor_and_ratio(done, index)[1]) for index, entry in enumerate(done) if entry.phase.target is not None
    ]


def check_writes_kept(work_dir: Path) -> bool:
    """True if a task's stored status is not what its last acknowledged tick set.

    Each task is ticked by one client at a time, so after its last ``ok`` only a
    tick sent but not answered before the phase stopped can have changed it.
    """
    from roadmaps.models import Task

    last_ok: dict[int, str] = {}
    sent_since: dict[int, set[str]] = {}
    for path in sorted(work_dir.glob("phase-*/writes-*.txt")):  # phase order
        *lines, _unfinished = path.read_text().split("\n")
        for line in lines:
            task_id, status, stage = line.split()
            if stage == "ok":
                last_ok[int(task_id)] = status
                sent_since[int(task_id)] = set()
            else:
                sent_since.setdefault(int(task_id), set()).add(status)
    stored = dict(Task.objects.filter(id__in=last_ok).values_list("id", "status"))
    wrong = sorted(
        task_id for task_id, status in last_ok.items() if stored.get(task_id) not in {status, *sent_since[task_id]}
    )
    print(
        f"No data lost? {len(last_ok) - len(wrong)} of {len(last_ok)} ticked tasks hold the status of their "
        "last acknowledged tick (or of a tick still in flight at a phase's end)"
    )
    if wrong:
        print(f"  tasks not as acknowledged: {wrong[:20]}")
    return bool(wrong)


def stop(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()  # gunicorn's master stops its workers gracefully
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
