"""Load test: gunicorn on PostgreSQL and Redis, driven by locust, against a /ping/ floor.

    .venv/bin/python bench/load/run_load_test.py --duration 60 --users 40
    .venv/bin/python bench/load/run_load_test.py --duration 10 --users 5   # smoke

Needs PostgreSQL (user ``postgres``) and Redis on 127.0.0.1, and locust
(``pip install -e '.[bench]'``). All traffic stays on 127.0.0.1. It:

1. creates a fresh database ``planner_load`` (dropped at the end) and uses Redis
   databases 2 (broker) and 3 (cache), flushed before and after;
2. migrates, loads the catalog, collects static files, and seeds learners
   through the services: each with an API token, a roadmap and a calendar feed;
3. starts gunicorn (DEBUG off, throttles raised so the load is not throttled),
   waits for ``/health/``, and logs the learners in through the login form;
4. runs locust headless for ``--duration`` seconds (``bench/load/locustfile.py``)
   and prints, per request type: requests/s, p50/p95/p99 latency, errors, and
   the p50 and requests/s as ratios of the ``/ping/`` floor of the same run;
5. checks that nothing was lost: every task locust saw ticked done with a 200
   is stored as done, every roadmap created with a 201 is stored.

Exits 1 on any request error, server traceback, or lost write.
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
from datetime import UTC, datetime
from pathlib import Path

import figures
import psutil
import psycopg
import redis
import requests
from names import FLOOR
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = f"postgresql://postgres@{HOST}:5432/postgres"
DATABASE = "planner_load"
REDIS_BROKER_URL = f"redis://{HOST}:6379/2"
REDIS_CACHE_URL = f"redis://{HOST}:6379/3"
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
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=40, help="concurrent locust users")
    parser.add_argument("--learners", type=int, default=200, help="learners to seed")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (default 2*cores+1)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    # Bounded whatever happens: seeding, start-up, the run and the checks.
    give_up_after = args.duration + 600
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.alarm(give_up_after)
    work_dir = Path(tempfile.mkdtemp(prefix="planner-load-"))
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    os.environ.update(service_environment(base_url, work_dir))
    reset_database()
    flush_redis()
    server, outcome = None, 1
    try:
        seed = prepare(args.learners)
        server = start_gunicorn(port, args.workers, work_dir)
        wait_until_healthy(base_url, server)
        log_in(base_url, seed, count=min(args.users, len(seed["learners"])))
        idle_floor = idle_floor_p50(base_url)
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
        flush_redis()
        print(f"Stopped gunicorn, dropped the {DATABASE} database, flushed Redis databases 2 and 3.")
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


def flush_redis() -> None:
    for url in (REDIS_BROKER_URL, REDIS_CACHE_URL):
        redis.Redis.from_url(url, socket_timeout=10).flushdb()


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

    def summary(self) -> str:
        wall = time.monotonic() - self.started
        at_end = self.per_part()
        used = {
            part: sum(seconds - self.at_start[part].get(pid, 0.0) for pid, seconds in pids.items())
            for part, pids in at_end.items()
        }
        used["other programs"] = max(busy_seconds() - self.machine_start - sum(used.values()), 0)
        shares = ", ".join(f"{part} {100 * seconds / wall:.1f}%" for part, seconds in used.items())
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
