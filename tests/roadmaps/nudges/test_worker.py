"""Nudges on the real stack: a Celery worker process on Redis, sending through an SMTP server.

One worker and one SMTP server serve the module (a worker takes seconds to
start); each test starts with an empty inbox. The worker reads the test
database on its own connection, so the tests commit their data. It runs on the
real clock, so the learners here are due in the current hour.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from roadmaps.models import NudgeDelivery
from roadmaps.nudges import dispatch_due_nudges
from tests.roadmaps.nudges.data import learner_due_this_hour, refresh_profile, wait_for_delivery
from tests.servers import CeleryWorker, SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def mail_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, mail_server):
    from config import celery_app

    env = {name: str(value) for name, value in mail_server.mail_settings().items()}
    env["NUDGE_RETRY_BASE_SECONDS"] = "1"  # retry after 1 s, not 60
    with django_db_blocker.unblock(), CeleryWorker(celery_app, extra_env=env) as worker:
        yield worker


@pytest.fixture
def inbox(worker, mail_server):
    mail_server.inbox.messages.clear()
    mail_server.inbox.refuse_next = mail_server.inbox.refused = 0
    return mail_server.inbox


def test_a_dispatched_nudge_is_mailed_by_the_worker_with_a_working_unsubscribe_link(inbox):
    learner = learner_due_this_hour()

    result = dispatch_due_nudges(now=timezone.now())

    assert result.queued == 1
    (message,) = inbox.wait_for(1)
    assert message["To"] == learner.email
    assert message["Subject"].startswith("Week 3: 0% done, ")
    link = str(message["List-Unsubscribe"]).strip()  # a long header is folded before its value
    assert link.startswith("<http://localhost:8000/nudges/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Grace," in text
    assert f"Unsubscribe: {link.strip('<>')}" in text
    assert "<p>Hello Grace,</p>" in html
    assert wait_for_delivery(learner, NudgeDelivery.Status.SENT).attempts == 1

    response = Client(enforce_csrf_checks=True).post(
        urlsplit(link.strip("<>")).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    profile = refresh_profile(learner)
    assert (profile.nudges_enabled, profile.next_nudge_at) == (False, None)


def test_a_refused_nudge_is_retried_by_the_worker_and_arrives_exactly_once(inbox):
    learner = learner_due_this_hour()
    inbox.refuse_next = 1  # "451 Try again later" to the first try

    dispatch_due_nudges(now=timezone.now())

    delivery = wait_for_delivery(learner, NudgeDelivery.Status.SENT)
    assert delivery.attempts == 2
    assert "451" in delivery.last_error  # kept from the refused try
    assert inbox.refused == 1
    time.sleep(1.5)  # a duplicate would arrive right behind the first
    assert [message["To"] for message in inbox.messages] == [learner.email]
