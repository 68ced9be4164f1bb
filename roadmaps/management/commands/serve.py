"""Run the whole service in one process tree: gunicorn for the web, and in embedded
mode (no REDIS_URL) the periodic jobs in a scheduler thread, since jobs then run
in-process instead of on a Celery worker and beat.

- When ``SITE_URL`` is not set, links (feed URLs, mails) use the address ``serve``
  binds: ``--bind 127.0.0.1:8123`` gives ``http://127.0.0.1:8123``; a wildcard
  address (``0.0.0.0``, ``[::]``) gives ``localhost`` with the bound port.
- Static files are collected (and compressed) only when they changed: a stamp of
  every source file's path, size and mtime is kept in ``STATIC_ROOT``, and an
  unchanged stamp skips ``collectstatic``, so a restart takes a second or two, not
  ten. When they did change, ``collectstatic`` runs in a child process: its peak
  memory (about 250 MiB) is returned when it exits instead of being inherited by
  every forked worker.
- gunicorn's control socket is off: its default path (``~/.gunicorn/gunicorn.ctl``)
  is shared by every server the same user runs, and a second server would take it
  over from the first.
"""

import hashlib
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from gunicorn.app.base import BaseApplication

logger = logging.getLogger(__name__)


class WebServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Imported only now: WhiteNoise indexes the static files when the app is
        # built, and they must be collected first (a fresh clone has none yet).
        from config.wsgi import application

        return application


def run_periodic_jobs(stop: threading.Event, every_seconds: float) -> None:
    """The embedded stand-in for Celery beat: the same tasks, on the same schedule."""
    from celery import current_app

    # Outside a worker nothing has imported the task modules yet.
    current_app.loader.import_default_modules()
    while not stop.wait(every_seconds):
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            try:
                outcome = current_app.tasks[entry["task"]].apply(throw=True).result
            except Exception:
                logger.exception("periodic job %s failed", entry["task"])
            else:
                logger.info("periodic job %s done: %s", entry["task"], outcome)
            finally:
                close_old_connections()


WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def site_url_for_bind(bind: str) -> str | None:
    """The http:// address a browser on this machine reaches for a gunicorn ``bind``; None for a unix socket."""
    if bind.startswith(("unix:", "fd://")):
        return None
    parsed = urlsplit(f"//{bind}")
    host = parsed.hostname or ""
    port = parsed.port or 8000
    if host in WILDCARD_HOSTS:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def use_bound_address_for_links(bind: str) -> None:
    """With SITE_URL unset, point the links at the address being served (before gunicorn forks)."""
    site_url = site_url_for_bind(bind)
    if settings.SITE_URL_IS_SET or site_url is None:
        return
    settings.SITE_URL = site_url
    os.environ["SITE_URL"] = site_url
    hostname = urlsplit(site_url).hostname
    if "ALLOWED_HOSTS" not in os.environ and hostname not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, hostname]


STAMP_NAME = ".collected-sources"


def static_sources_stamp() -> str:
    """A digest of what ``collectstatic`` would read and how it would write it: each
    source file's path, size and mtime (from the same finders), and the storage backend."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(repr(settings.STORAGES["staticfiles"]).encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def static_files_are_current(stamp: str) -> bool:
    """True when the last collect read these very sources and its output is still there."""
    root = Path(settings.STATIC_ROOT)
    stamp_file = root / STAMP_NAME
    collected = not manifest_storage() or (root / "staticfiles.json").is_file()
    return collected and stamp_file.is_file() and stamp_file.read_text() == stamp


def manifest_storage() -> bool:
    return "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]


def collect_static_if_stale(stdout) -> bool:
    """Run ``collectstatic`` (in a child process) unless the sources are unchanged; True if it ran."""
    stamp = static_sources_stamp()
    if static_files_are_current(stamp):
        stdout.write("Static files unchanged since the last collect: collectstatic skipped.")
        return False
    stdout.write("Static files changed: running collectstatic.")
    stdout.flush()
    (Path(settings.STATIC_ROOT) / STAMP_NAME).unlink(missing_ok=True)  # no stamp until the collect is whole
    manage = Path(settings.BASE_DIR) / "manage.py"
    subprocess.run([sys.executable, str(manage), "collectstatic", "--noinput", "-v0"], check=True)
    # Written last: a collect that was interrupted leaves the old stamp, so the next start collects again.
    (Path(settings.STATIC_ROOT) / STAMP_NAME).write_text(stamp)
    return True


class Command(BaseCommand):
    help = "Serve the web app with gunicorn; in embedded mode also run the periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--jobs-every",
            type=float,
            default=None,
            help="seconds between runs of the periodic jobs in embedded mode (default: NUDGE_DISPATCH_EVERY_MINUTES)",
        )

    def handle(self, *args, bind: str, workers: int, threads: int, jobs_every: float | None, **options):
        collect_static_if_stale(self.stdout)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            stop = threading.Event()
            every = jobs_every or settings.NUDGE_DISPATCH_EVERY_MINUTES * 60
            threading.Thread(target=run_periodic_jobs, args=(stop, every), daemon=True).start()
            self.stdout.write(f"Embedded mode: jobs run in-process, periodic jobs every {every}s.")
        use_bound_address_for_links(bind)
        self.stdout.write(f"Serving on http://{bind}/ (links use {settings.SITE_URL})")
        WebServer(
            {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "control_socket_disable": True,
            }
        ).run()
