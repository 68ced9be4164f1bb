"""What a send batch reports, records and logs, one delivery at a time (found by tools/mutation.py).

Each count of the batch's result is checked with two deliveries of the same
outcome; the mails go over one SMTP connection; a row that disappeared is not
an error; finishing a row never touches another run's row; the log lines an
operator reads name the delivery and the error.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import requeue_stalled_deliveries, send_nudge_batch
from roadmaps.nudges.delivery import claim
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import deliveries_of, mails_to, nudge_learner, roadmap_for, utc
from tests.servers import free_port

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch, dispatched = nudges_data.eager_celery, nudges_data.run_dispatch, nudges_data.dispatched

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT
Status = NudgeDelivery.Status


@pytest.fixture(autouse=True)
def signed_up(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)


row = nudges_data.row


class Recorder:
    """Accepts every message, or refuses every recipient for good; notes each client connection."""

    def __init__(self):
        self.refuse = False
        self.connections: set = set()
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.connections.add(session.peer)
        if self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def recorder(settings):
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    yield handler
    controller.stop()


def test_a_batch_counts_each_delivery_skipped_and_records_why(dispatched):
    learners = [nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)]
    ids = dispatched()
    for learner in learners:
        learner.profile.nudges_enabled = False
        learner.profile.save(update_fields=["nudges_enabled"])

    result = send_nudge_batch(ids, clock=lambda: SLOT)

    assert (result.sent, result.skipped, result.failed, result.not_claimed) == (0, 2, 0, 0)
    assert [(row(pk).status, row(pk).last_error) for pk in ids] == [(Status.SKIPPED, "nudges were turned off")] * 2


def test_a_batch_counts_each_delivery_refused_for_good(dispatched, recorder):
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = dispatched()
    recorder.refuse = True

    result = send_nudge_batch(ids, clock=lambda: SLOT)

    assert (result.sent, result.skipped, result.failed, result.not_claimed) == (0, 0, 2, 0)
    assert [row(pk).status for pk in ids] == [Status.FAILED] * 2


def test_a_batch_sends_all_its_mails_over_one_connection(dispatched, recorder):
    learners = [nudge_learner(now=SIGN_UP) for _ in range(3)]
    ids = dispatched()

    result = send_nudge_batch(ids, clock=lambda: SLOT)

    assert result.sent == 3
    assert len(recorder.messages) == 3
    assert len(recorder.connections) == 1
    assert [row(pk).status for pk in ids] == [Status.SENT] * 3
    assert all(mails_to(learner) == [] for learner in learners)  # they went to the server, not the outbox


def test_a_delivery_gone_before_its_send_counts_as_not_claimed_and_the_rest_is_sent(dispatched):
    gone, kept = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = dispatched()
    NudgeDelivery.objects.filter(user=gone).delete()

    result = send_nudge_batch(ids, clock=lambda: SLOT)

    assert (result.sent, result.not_claimed) == (1, 1)
    assert len(mails_to(kept)) == 1
    assert mails_to(gone) == []


def test_sending_one_delivery_leaves_a_row_another_run_is_sending_untouched(dispatched):
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    mine, theirs = dispatched()
    assert claim(theirs, now=SLOT)

    assert send_nudge_batch([mine], clock=lambda: SLOT).sent == 1

    assert (row(mine).status, row(mine).sent_at) == (Status.SENT, SLOT)
    assert (row(theirs).status, row(theirs).sent_at) == (Status.SENDING, None)


def test_a_failed_send_is_logged_with_the_delivery_and_its_error(dispatched, recorder, caplog):
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    recorder.refuse = True

    with caplog.at_level(logging.WARNING, logger="roadmaps.nudges.delivery"):
        send_nudge_batch([delivery_id], clock=lambda: SLOT)

    error = row(delivery_id).last_error
    assert error.startswith("SMTPRecipientsRefused")
    logged = [r.getMessage() for r in caplog.records if r.name == "roadmaps.nudges.delivery"]
    assert logged == [f"nudge {delivery_id} failed: {error}"]


def test_the_sweep_logs_how_many_deliveries_it_queued_again(dispatched, django_capture_on_commit_callbacks, caplog):
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    dispatched()

    with (
        caplog.at_level(logging.WARNING, logger="roadmaps.nudges.dispatch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = requeue_stalled_deliveries(now=SLOT + timedelta(hours=2), enqueue=lambda ids: None)

    assert count == 2
    logged = [r.getMessage() for r in caplog.records if r.name == "roadmaps.nudges.dispatch"]
    assert logged == ["queued 2 stalled nudge deliveries again"]


def test_a_roadmap_finished_within_the_window_of_two_slots_gets_its_last_nudge_once(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap = roadmap_for(learner, status=Roadmap.Status.COMPLETED)
    # Finished on Sunday at noon: within eight days of this Monday's slot and of the next one.
    Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=utc(2026, 11, 8, 12))

    run_dispatch(SLOT)
    run_dispatch(SLOT + timedelta(weeks=1))

    assert [d.week_start.isoformat() for d in deliveries_of(learner)] == ["2026-11-09"]
    assert len(mails_to(learner)) == 1


class TakenOver(Recorder):
    """While the message is being transferred, another run takes the row over and records its outcome."""

    delivery_id = 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.to_thread(self.other_run_finishes)
        return await super().handle_DATA(server, session, envelope)

    def other_run_finishes(self):
        NudgeDelivery.objects.filter(pk=self.delivery_id).update(status=Status.FAILED, last_error="the other run")
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_send_whose_row_another_run_finished_meanwhile_leaves_that_outcome(dispatched, settings):
    handler = TakenOver()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
        nudge_learner(now=SIGN_UP)
        (delivery_id,) = dispatched()
        handler.delivery_id = delivery_id

        send_nudge_batch([delivery_id], clock=lambda: SLOT)
    finally:
        controller.stop()

    assert (row(delivery_id).status, row(delivery_id).last_error, row(delivery_id).sent_at) == (
        Status.FAILED,
        "the other run",
        None,
    )
