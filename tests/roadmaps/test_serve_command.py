"""``manage.py serve``, the README's first command: on a fresh checkout in embedded mode
(SQLite, jobs in-process) it serves the pages with their static files and runs the
periodic jobs that Celery beat runs in the full stack."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DISPATCH_DONE = "periodic job roadmaps.tasks.dispatch_due_nudges done"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_env(tmp_path: Path) -> dict[str, str]:
    """Nothing from the developer's shell: no DATABASE_URL, no REDIS_URL, an empty static root."""
    return {
        "PATH": os.environ["PATH"],
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


@pytest.fixture
def embedded_service(tmp_path):
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
        yield f"http://127.0.0.1:{port}", log
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
