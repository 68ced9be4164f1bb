"""The export job on the real stack: a Celery worker process, Redis and an SMTP server.

One worker and one SMTP server serve the whole module (starting a worker takes
seconds); each test starts with an empty inbox. The worker reads the test
database from its own connection, so the tests commit their data.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport
from tests.roadmaps.calendar.data import icalendar_events, roadmap_with_tasks, vobject_events
from tests.servers import CeleryWorker, SmtpServer, broker_unreachable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def mail_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, mail_server):
    from config import celery_app

    mail_env = {name: str(value) for name, value in mail_server.mail_settings().items()}
    with django_db_blocker.unblock(), CeleryWorker(celery_app, extra_env=mail_env) as worker:
        yield worker


@pytest.fixture
def inbox(worker, mail_server):
    mail_server.inbox.messages.clear()
    mail_server.inbox.refuse_next = mail_server.inbox.refused = 0
    return mail_server.inbox


def wait_until_sent(export_id: str, timeout: float = 30.0) -> CalendarExport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = CalendarExport.objects.get(pk=export_id)
        if export.status == CalendarExport.Status.SENT:
            return export
        time.sleep(0.1)
    raise AssertionError(f"export {export_id} still {export.status} after {timeout}s")


def test_an_export_request_e_mails_the_roadmap_through_the_worker(learner, learner_client, inbox):
    plan = roadmap_with_tasks(learner, tasks=5)

    response = learner_client.post(f"/api/roadmaps/{plan.roadmap.id}/export/")

    assert response.status_code == 202
    (message,) = inbox.wait_for(1)
    assert message["To"] == learner.email
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "ml-engineer-roadmap.ics" in text
    assert "<strong>Ml Engineer</strong>" in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "ml-engineer-roadmap.ics"
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_content().encode()
    assert len(icalendar_events(ics)) == len(vobject_events(ics)) == plan.event_count
    assert wait_until_sent(response.json()["id"]).attempts == 1


def test_a_refused_delivery_is_retried_and_arrives_exactly_once(learner, learner_client, inbox):
    plan = roadmap_with_tasks(learner, tasks=2)
    inbox.refuse_next = 1

    response = learner_client.post(f"/api/roadmaps/{plan.roadmap.id}/export/")

    export = wait_until_sent(response.json()["id"])
    assert export.attempts == 2
    assert inbox.refused == 1
    time.sleep(1.0)  # a duplicate would arrive right behind the first
    assert len(inbox.messages) == 1


def test_an_export_asked_for_while_the_broker_is_down_is_mailed_once_the_sweep_requeues_it(
    learner, learner_client, inbox
):
    from config import celery_app

    plan = roadmap_with_tasks(learner, tasks=3)

    with broker_unreachable(celery_app):
        response = learner_client.post(f"/api/roadmaps/{plan.roadmap.id}/export/")

    assert response.status_code == 202
    export_id = response.json()["id"]
    assert CalendarExport.objects.get(pk=export_id).status == "pending"
    time.sleep(1.0)
    assert inbox.messages == []

    # The periodic sweep, once the row has waited longer than a job's retries could.
    later = timezone.now() + calendar_services.EXPORT_STALL + timedelta(minutes=1)
    assert calendar_services.requeue_stalled_exports(now=later) == 1

    assert wait_until_sent(export_id).attempts == 1
    time.sleep(1.0)  # a duplicate would arrive right behind the first
    (message,) = inbox.messages
    assert message["To"] == learner.email
