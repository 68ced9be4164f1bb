"""Real servers for integration tests: an SMTP server on localhost and a Celery worker process.

The worker is a separate ``celery worker`` process on the real Redis broker,
reading the same PostgreSQL test database as the tests, so tests that use it
must commit their data (``@pytest.mark.django_db(transaction=True)``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpInbox:
    """What the SMTP server received; ``refuse_next`` makes it answer 451 to that many messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_next: int = 0
    refused: int = 0
    # While set, the server holds every RCPT command unanswered: a sender is stuck mid-send.
    hold_recipients: threading.Event = field(default_factory=threading.Event)
    # Once this many messages are in, the server holds every later RCPT the same way.
    hold_after_messages: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        while self.hold_recipients.is_set() or (
            self.hold_after_messages is not None and len(self.messages) >= self.hold_after_messages
        ):
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)} in {timeout}s")


class SmtpServer:
    def __init__(self):
        self.inbox = SmtpInbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def mail_settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
        }


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("integration tests need PostgreSQL: set DATABASE_URL (see README)")
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryWorker:
    """A ``celery worker`` subprocess on its own queue, so stale messages never reach it."""

    def __init__(self, app, extra_env: dict[str, str] | None = None):
        if not settings.REDIS_URL:
            raise RuntimeError("integration tests need Redis: set REDIS_URL (see README)")
        self.app = app
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "test-artifacts" / f"celery-{self.queue}.log"

    def __enter__(self) -> CeleryWorker:
        self.previous_queue = self.app.conf.task_default_queue
        self.app.conf.task_default_queue = self.queue
        self.start()
        return self

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_QUEUE": self.queue, **self.extra_env}
        self.log_path.parent.mkdir(exist_ok=True)
        log = self.log_path.open("ab")
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}@localhost",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited: see {self.log_path}")
            if self.app.control.ping(destination=[f"{self.queue}@localhost"], timeout=0.5):
                return
        raise RuntimeError(f"celery worker did not start in {timeout}s: see {self.log_path}")

    def kill(self) -> None:
        """Kill -9, as a crash would: unacknowledged tasks stay on the broker."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.app.conf.task_default_queue = self.previous_queue


@contextmanager
def broker_unreachable(app) -> Iterator[None]:
    """Point the app's producers at a closed loopback port, as if Redis were down.

    Sending a task then fails for real (connection refused); on leaving, the
    producers are rebuilt on the real broker.
    """
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    _drop_producer_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url = previous
        _drop_producer_pools(app)


def _drop_producer_pools(app) -> None:
    # Celery builds these lazily from broker_url; dropping them makes it build new ones.
    app._pool = None
    app.amqp._producer_pool = None
