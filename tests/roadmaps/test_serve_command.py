"""``manage.py serve``, the README's first command: on a fresh checkout in embedded mode
(SQLite, jobs in-process) it serves the pages with their static files and runs the
periodic jobs that Celery beat runs in the full stack. With SITE_URL unset its links
use the address it binds, and it opens no gunicorn control socket that another
server of the same user could take over."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from roadmaps.management.commands.serve import (
    STAMP_NAME,
    site_url_for_bind,
    static_files_are_current,
    static_sources_stamp,
)

BASE_DIR = Path(__file__).resolve().parents[2]
DISPATCH_DONE = "periodic job roadmaps.tasks.dispatch_due_nudges done"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_env(tmp_path: Path) -> dict[str, str]:
    """Nothing from the developer's shell: no DATABASE_URL, no REDIS_URL, an empty static root."""
    (tmp_path / "home").mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        # A home of its own: gunicorn would put its default control socket in ~/.gunicorn/.
        "HOME": str(tmp_path / "home"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHONUNBUFFERED": "1",
    }


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def post_json(url: str, body: dict, headers: dict | None = None) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def get_json(url: str, headers: dict) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return json.loads(response.read())


MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, *extra: str):
    """``manage.py serve`` on a free port until /health/ answers; yields its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*MANAGE, "serve", "--bind", f"127.0.0.1:{port}", *extra],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        # A first start runs collectstatic: minutes on a loaded machine, about ten seconds otherwise.
        wait_for(lambda: get(f"{base}/health/")[0] == 200, seconds=300, what="/health/")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def embedded_service(tmp_path_factory):
    """One server for the module's tests, started on an empty static root (so it collects)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    env = embedded_env(tmp_path)
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True, timeout=300)
    log = tmp_path / "serve.log"
    with serving(env, log, "--jobs-every", "1") as base:
        yield base, log


def test_a_fresh_checkout_serves_its_pages_with_their_hashed_static_files(embedded_service):
    base, log = embedded_service
    status, page = wait_for(
        lambda: get(f"{base}/login/")[0] == 200 and get(f"{base}/login/"), seconds=120, what="/login/"
    )

    stylesheet = re.search(r'href="(/static/roadmaps/app\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page[:500]
    css_status, css = get(base + stylesheet.group(1))
    assert css_status == 200
    assert "body" in css


def hashed_stylesheet(base: str) -> str:
    status, page = wait_for(
        lambda: get(f"{base}/login/")[0] == 200 and get(f"{base}/login/"), seconds=120, what="/login/"
    )
    stylesheet = re.search(r'href="(/static/roadmaps/app\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page[:500]
    return stylesheet.group(1)


def test_a_second_start_with_unchanged_static_files_skips_collectstatic(embedded_service):
    base, log = embedded_service
    tmp_path = log.parent
    assert "Static files changed: running collectstatic." in log.read_text()
    assert (tmp_path / "static" / STAMP_NAME).is_file()
    collected = {path: path.stat().st_mtime_ns for path in (tmp_path / "static").rglob("*") if path.is_file()}

    second_log = tmp_path / "second-serve.log"
    with serving(embedded_env(tmp_path), second_log) as second:
        stylesheet = hashed_stylesheet(second)
        css_status, css = get(second + stylesheet)

    text = second_log.read_text()
    assert "Static files unchanged since the last collect: collectstatic skipped." in text
    assert "running collectstatic" not in text
    assert (css_status, "body" in css) == (200, True)
    # Nothing in the static root was written again.
    assert {path: path.stat().st_mtime_ns for path in (tmp_path / "static").rglob("*") if path.is_file()} == collected


def test_the_static_stamp_changes_when_a_source_file_changes_and_a_collect_is_stale_without_one(tmp_path, settings):
    sources, root = tmp_path / "sources", tmp_path / "root"
    sources.mkdir(), root.mkdir()
    (sources / "site.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [sources]
    settings.STATIC_ROOT = root
    manifest = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": manifest}
    first = static_sources_stamp()
    (root / "staticfiles.json").write_text("{}")

    assert static_sources_stamp() == first
    assert not static_files_are_current(first)  # never collected with a stamp
    (root / STAMP_NAME).write_text(first)
    assert static_files_are_current(first)

    (sources / "site.css").write_text("body { color: darkblue }")  # another size
    changed = static_sources_stamp()
    (sources / "extra.js").write_text("")
    added = static_sources_stamp()
    os.utime(sources / "extra.js", ns=(0, 0))  # same size, another mtime

    assert len({first, changed, added, static_sources_stamp()}) == 4
    assert not static_files_are_current(changed)
    (root / "staticfiles.json").unlink()
    (root / STAMP_NAME).write_text(changed)
    assert not static_files_are_current(changed)  # the collected manifest is gone


def test_embedded_mode_runs_the_nudge_dispatch_in_process(embedded_service):
    base, log = embedded_service

    wait_for(lambda: DISPATCH_DONE in log.read_text(), seconds=120, what="a dispatch run")

    assert "failed" not in log.read_text()


def test_with_site_url_unset_feed_links_use_the_address_serve_binds(embedded_service):
    base, log = embedded_service
    token = post_json(f"{base}/api/auth/register/", {"email": "port@example.org", "password": "a long passphrase 42"})[
        "token"
    ]

    urls = get_json(f"{base}/api/calendar/", {"Authorization": f"Token {token}"})

    assert urls["feed_url"].startswith(f"{base}/calendar/")
    assert get(urls["feed_url"])[0] == 200


def test_serve_opens_no_gunicorn_control_socket(embedded_service):
    base, log = embedded_service
    home = Path(log).parent / "home"

    assert get(f"{base}/health/")[0] == 200
    assert list(home.rglob("*")) == []
    assert "control socket" not in log.read_text().lower()


@pytest.mark.parametrize(
    ("bind", "site_url"),
    [
        ("127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("localhost:9000", "http://localhost:9000"),
        ("0.0.0.0:8080", "http://localhost:8080"),
        ("[::]:8081", "http://localhost:8081"),
        ("[::1]:8082", "http://[::1]:8082"),
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("unix:/tmp/planner.sock", None),
    ],
)
def test_the_site_url_for_a_bind_address_is_the_one_a_browser_here_reaches(bind, site_url):
    assert site_url_for_bind(bind) == site_url


@pytest.mark.parametrize("file", ["Dockerfile", "docker-compose.yml", "README.md", "docs/operator-guide.md"])
def test_every_gunicorn_command_in_the_repository_turns_the_control_socket_off(file):
    commands = [
        line for line in (BASE_DIR / file).read_text().splitlines() if re.search(r"gunicorn\"?,? \"?config\.wsgi", line)
    ]

    assert commands, f"no gunicorn command found in {file}"
    assert all("--no-control-socket" in line for line in commands), commands
