"""``manage.py serve``, the README's first command: on a fresh checkout in embedded mode
(SQLite, jobs in-process) it serves the pages with their static files and runs the
periodic jobs that Celery beat runs in the full stack. With SITE_URL unset its links
use the address it binds, and it opens no gunicorn control socket that another
server of the same user could take over."""

from __future__ import annotations

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

from roadmaps.management.commands.serve import site_url_for_bind

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


@pytest.fixture(scope="module")
def embedded_service(tmp_path_factory):
    """One server for the module's tests: each start collects the static files (about ten seconds)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    env = embedded_env(tmp_path)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True, timeout=300)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*manage, "serve", "--bind", f"127.0.0.1:{port}", "--jobs-every", "1"],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        # collectstatic runs first: minutes on a loaded machine, about ten seconds otherwise.
        wait_for(lambda: get(f"{base}/health/")[0] == 200, seconds=300, what="/health/")
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


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
