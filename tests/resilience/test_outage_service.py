"""The real service (gunicorn, PostgreSQL) with Redis at a closed loopback port: it answers,
and its log (Django's lines, tracebacks, gunicorn's access lines) carries no secret.

The pages are shown working through the test client (test_redis_outage.py): here they
would need a collectstatic first, which costs minutes on a busy machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from roadmaps.calendar import services as calendar_services
from tests import servers
from tests.factories import PASSWORD, UserFactory, token_for
from tests.roadmaps.calendar.data import roadmap_with_tasks
from tests.servers import ROOT, free_port

pytestmark = pytest.mark.django_db(transaction=True)


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def service_without_redis(tmp_path: Path):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": servers.test_database_url(),
        "REDIS_URL": dead,
        "CACHE_REDIS_URL": dead,
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        # The styled error pages link hashed static files: collect them, as a deployment does.
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True, timeout=600)
    log = tmp_path / "gunicorn.log"
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        "-",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not (_listening(port) and call(base, "GET", "/ping/")[0] == 200):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_service_answers_without_redis_and_logs_no_secret(service_without_redis, settings):
    base, log = service_without_redis
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the service reads
    grace = UserFactory(email="grace@example.com")
    plan = roadmap_with_tasks(grace, tasks=3)
    api_token = token_for(grace)
    feed = calendar_services.feed_get_or_create(user=grace)
    guessed_token = "guessed-secret-token-that-does-not-exist"

    assert call(base, "POST", "/api/auth/token/", {"email": grace.email, "password": PASSWORD})[0] == 200
    assert call(base, "GET", f"/calendar/{feed.token}.ics")[0] == 200
    assert call(base, "GET", f"/calendar/{guessed_token}.ics")[0] == 404
    status, body = call(base, "POST", "/api/calendar/rotate/", token=api_token)
    assert status == 200
    rotated_token = json.loads(body)["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert call(base, "GET", f"/calendar/{feed.token}.ics")[0] == 404
    assert call(base, "DELETE", "/api/calendar/", token=api_token)[0] == 204
    assert call(base, "GET", f"/calendar/{rotated_token}.ics")[0] == 404
    assert call(base, "POST", f"/api/roadmaps/{plan.roadmap.id}/export/", token=api_token)[0] == 202
    assert call(base, "GET", "/nudges/unsubscribe/an-unsubscribe-secret/")[0] in (200, 400, 404)

    time.sleep(0.5)  # the access lines are written after each answer
    text = log.read_text()
    assert "Cache unreachable, going on without it" in text
    assert "/calendar/[redacted].ics" in text  # gunicorn's access lines and Django's "Not Found" line
    for secret in (feed.token, rotated_token, guessed_token, api_token, "an-unsubscribe-secret"):
        assert secret not in text
    assert "Internal Server Error" not in text
