"""A Celery worker killed in the middle of sending a nudge, on the real stack.

The worker is killed (SIGKILL, as a crash or an OOM kill) while the SMTP server
holds its RCPT command, so the mail has not been accepted. The broker hands the
unacknowledged job to the next worker; the delivery row, not timing, decides
that no second mail goes out, and the recovery sweep makes sure the nudge is
not lost either.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from roadmaps.models import NudgeDelivery
from roadmaps.nudges import dispatch_due_nudges, requeue_stalled_deliveries
from roadmaps.nudges.journal import sent_journal
from roadmaps.nudges.schedule import send_lease
from tests.roadmaps.nudges.data import learner_due_this_hour, wait_for_delivery
from tests.servers import CeleryWorker, SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Jobs of a dead worker go back on the queue after 2 s, and the next worker looks every second.
QUICK_REDELIVERY = '{"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}'


@pytest.fixture
def mail_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def worker(django_db_blocker, mail_server):
    from config import celery_app

    env = {name: str(value) for name, value in mail_server.mail_settings().items()}
    env["CELERY_BROKER_TRANSPORT_OPTIONS"] = QUICK_REDELIVERY
    with django_db_blocker.unblock(), CeleryWorker(celery_app, extra_env=env) as worker:
        yield worker


def wait_for_log(worker: CeleryWorker, text: str, *, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.log_path.read_text(errors="replace").count(text) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not seen {count} times in {worker.log_path}")


def test_a_job_redelivered_after_its_worker_died_mid_send_sends_no_second_mail(worker, mail_server):
    inbox = mail_server.inbox
    learner = learner_due_this_hour()
    inbox.hold_recipients.set()

    dispatch_due_nudges(now=timezone.now())
    claimed = wait_for_delivery(learner, NudgeDelivery.Status.SENDING)
    worker.kill()
    inbox.hold_recipients.clear()

    # The next worker gets the dead one's job back from the broker and runs it.
    worker.start()
    wait_for_log(worker, "roadmaps.tasks.send_nudges", count=2)
    wait_for_log(worker, "succeeded", count=1)
    time.sleep(1.0)
    assert inbox.messages == []
    assert NudgeDelivery.objects.get(pk=claimed.pk).status == NudgeDelivery.Status.SENDING

    # Once the dead worker's lease is over, the sweep queues the nudge again: it arrives, once.
    after_the_lease = claimed.claimed_at + send_lease() + timedelta(seconds=1)
    assert requeue_stalled_deliveries(now=after_the_lease) == 1
    sent = wait_for_delivery(learner, NudgeDelivery.Status.SENT)
    time.sleep(1.5)  # a duplicate would arrive right behind the first
    assert [message["To"] for message in inbox.messages] == [learner.email]
    assert sent.attempts == 2


def wait_for_statuses(learners, wanted: list[str], timeout: float = 30.0) -> list[NudgeDelivery]:
    """The learners' deliveries once their statuses (in any order) are ``wanted``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = list(NudgeDelivery.objects.filter(user__in=learners).order_by("pk"))
        if sorted(d.status for d in deliveries) == sorted(wanted):
            return deliveries
        time.sleep(0.1)
    raise AssertionError(f"statuses {[d.status for d in deliveries]}, expected {wanted}")


def journaled(deliveries: list[NudgeDelivery]) -> set[int]:
    """The ids among ``deliveries`` that the sent journal has, waiting up to 30 s for one."""
    journal = sent_journal()
    deadline = time.monotonic() + 30
    while not (found := journal.read(deliveries)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return set(found)


def test_a_worker_killed_in_the_middle_of_a_chunk_sends_none_of_its_mails_twice(worker, mail_server):
    inbox = mail_server.inbox
    learners = [learner_due_this_hour() for _ in range(3)]
    inbox.hold_after_messages = 1  # the first mail of the chunk is accepted, the second hangs

    assert dispatch_due_nudges(now=timezone.now()).queued == 3
    (accepted,) = inbox.wait_for(1)
    Status = NudgeDelivery.Status
    # The whole chunk was claimed at once, and the accepted mail was journaled before the next went
    # out; the chunk is recorded in the database at its end, which this worker never reaches.
    deliveries = wait_for_statuses(learners, [Status.SENDING] * 3)
    assert journaled(deliveries) == {d.pk for d in deliveries if d.user.email == accepted["To"]}
    worker.kill()
    inbox.hold_after_messages = None

    worker.start()
    wait_for_log(worker, "roadmaps.tasks.send_nudges", count=2)
    wait_for_log(worker, "succeeded", count=1)
    time.sleep(1.0)
    assert len(inbox.messages) == 1  # the redelivered job leaves the dead worker's claims alone

    lease_over = max(d.claimed_at for d in deliveries) + send_lease() + timedelta(seconds=1)
    assert requeue_stalled_deliveries(now=lease_over) == 2  # the two not journaled as sent
    final = wait_for_statuses(learners, [Status.SENT] * 3)
    time.sleep(1.5)  # a duplicate would arrive right behind the others
    assert sorted(message["To"] for message in inbox.messages) == sorted(learner.email for learner in learners)
    assert sorted(d.attempts for d in final) == [1, 2, 2]
