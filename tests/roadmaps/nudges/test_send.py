"""Sending: the claim that makes it once, the lease, and which mail errors are retried.

The mail-error tests talk to real SMTP servers on localhost (aiosmtpd): the
suite's own, and a picky one here that refuses some recipients or hangs up in
the middle of a message.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import send_nudge_batch
from roadmaps.nudges.delivery import claim, give_up, is_retryable, release
from roadmaps.nudges.schedule import MAX_SEND_ATTEMPTS
from roadmaps.nudges.tasks import send_nudges
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import deliveries_of, mail_counts, mails_to, nudge_learner
from tests.servers import free_port

pytestmark = pytest.mark.django_db
eager_celery, dispatched = nudges_data.eager_celery, nudges_data.dispatched

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT
Status = NudgeDelivery.Status


@pytest.fixture(autouse=True)
def signed_up(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)


def status_of(delivery_id: int) -> NudgeDelivery:
    return NudgeDelivery.objects.get(pk=delivery_id)


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5


# --- The claim ------------------------------------------------------------------------


def test_the_same_send_job_run_twice_sends_one_mail(dispatched):
    learner = nudge_learner(now=SIGN_UP)
    ids = dispatched()

    first, second = send_nudge_batch(ids), send_nudge_batch(ids)

    assert (first.sent, second.sent, second.not_claimed) == (1, 0, 1)
    assert len(mails_to(learner)) == 1
    delivery = status_of(ids[0])
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (Status.SENT, 1, SLOT)


def test_a_delivery_another_run_is_sending_is_left_to_it_within_the_lease(dispatched, settings):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    learner = nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    assert claim(delivery_id, now=SLOT)

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT + timedelta(minutes=14))

    assert result.not_claimed == 1
    assert mails_to(learner) == []
    assert status_of(delivery_id).status == Status.SENDING


def test_a_redelivered_job_takes_over_a_delivery_stuck_past_its_lease(dispatched, settings):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    learner = nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    assert claim(delivery_id, now=SLOT)  # ... and the worker died

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT + timedelta(minutes=16))

    assert result.sent == 1
    assert len(mails_to(learner)) == 1
    delivery = status_of(delivery_id)
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)


def test_a_sent_delivery_is_never_claimed_again_however_late(dispatched):
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    send_nudge_batch([delivery_id])

    assert not claim(delivery_id, now=SLOT + timedelta(days=30))


@pytest.mark.parametrize("mails", [1, 5])
def test_a_send_batch_claims_in_one_query_and_records_each_mail_in_one(
    mails, dispatched, django_assert_num_queries, settings
):
    settings.NUDGE_SENT_JOURNAL = False  # without Redis (test_journal.py: with it)
    for _ in range(mails):
        nudge_learner(now=SIGN_UP)
    ids = dispatched()

    # The deliveries with learner, profile and roadmap, their tasks; the claim of
    # the whole chunk; then one "sent" per mail, written before the next mail
    # goes out (by design: see the module).
    with django_assert_num_queries(3 + mails):
        assert send_nudge_batch(ids).sent == mails


def test_skipped_deliveries_of_a_batch_are_recorded_in_one_query(dispatched, django_assert_num_queries):
    learners = [nudge_learner(now=SIGN_UP) for _ in range(3)]
    ids = dispatched()
    for learner in learners:
        learner.roadmaps.update(status=Roadmap.Status.ARCHIVED)

    with django_assert_num_queries(4):
        assert send_nudge_batch(ids, clock=lambda: SLOT).skipped == 3

    assert {(d.status, d.last_error, d.attempts) for d in map(status_of, ids)} == {
        (Status.SKIPPED, "the roadmap is gone", 1)
    }
    assert all(mails_to(learner) == [] for learner in learners)


def test_a_run_that_used_half_the_lease_hands_the_rest_of_its_chunk_back_untried(dispatched, settings):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    first, second = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = sorted(dispatched())
    # The claim, the first send, then a mail server so slow that 8 minutes have gone.
    times = iter([SLOT, SLOT, SLOT + timedelta(minutes=8)])

    result = send_nudge_batch(ids, clock=lambda: next(times))

    assert (result.sent, result.retry_ids) == (1, ids[1:])
    assert "half the send lease" in result.retry_error
    assert status_of(ids[0]).status == Status.SENT
    assert sum(mail_counts().values()) == 1
    assert (status_of(ids[1]).status, status_of(ids[1]).attempts) == (Status.PENDING, 0)
    retried = send_nudge_batch(result.retry_ids, clock=lambda: SLOT + timedelta(minutes=9))
    assert retried.sent == 1
    assert mail_counts() == Counter({first.email: 1, second.email: 1})


def test_a_run_within_half_its_lease_sends_the_whole_chunk(dispatched, settings):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = sorted(dispatched())
    times = iter([SLOT, SLOT, SLOT + timedelta(minutes=7, seconds=30)])

    assert send_nudge_batch(ids, clock=lambda: next(times)).sent == 2


# --- Mail errors, against real SMTP servers -----------------------------------------------


def test_a_refused_message_goes_back_to_pending_and_is_sent_once_on_the_retry(dispatched, smtp_server, settings):
    use_smtp(settings, smtp_server.port)
    first, second = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = dispatched()
    smtp_server.inbox.refuse_next = 1  # "451 Try again later" to the first message

    refused = send_nudge_batch(ids)

    assert refused.sent == 0
    assert refused.retry_ids == ids  # the refused one and the one not tried yet
    assert "451" in refused.retry_error
    delivery = status_of(ids[0])
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert status_of(ids[1]).attempts == 0

    retried = send_nudge_batch(refused.retry_ids)

    assert (retried.sent, retried.retry_ids) == (2, [])
    received = [message["To"] for message in smtp_server.inbox.messages]
    assert sorted(received) == sorted([first.email, second.email])
    assert status_of(ids[0]).attempts == 2


def test_a_mail_server_that_is_down_leaves_every_delivery_pending_untouched(dispatched, settings):
    use_smtp(settings, free_port())  # nothing listens there
    nudge_learner(now=SIGN_UP)
    nudge_learner(now=SIGN_UP)
    ids = dispatched()

    result = send_nudge_batch(ids)

    assert result.retry_ids == ids
    assert "ConnectionRefusedError" in result.retry_error
    assert [(d.status, d.attempts) for d in map(status_of, ids)] == [(Status.PENDING, 0)] * 2


class PickyHandler:
    """Refuses recipients named "bounce..." for good; can hang up after the message body."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.hang_up_after_data = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        if self.hang_up_after_data:
            # The server has the message, then the line drops before "250".
            server.transport.close()
        return "250 Message accepted for delivery"


@pytest.fixture
def picky_server(settings):
    handler = PickyHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    yield handler
    controller.stop()


def test_a_recipient_refused_for_good_fails_and_the_batch_goes_on(dispatched, picky_server):
    bouncing = nudge_learner(now=SIGN_UP, email="bounce@example.com")
    fine = nudge_learner(now=SIGN_UP)
    ids = dispatched()

    result = send_nudge_batch(ids)

    assert (result.sent, result.failed, result.retry_ids) == (1, 1, [])
    assert deliveries_of(bouncing)[0].status == Status.FAILED
    assert "550" in deliveries_of(bouncing)[0].last_error
    assert deliveries_of(fine)[0].status == Status.SENT
    assert len(picky_server.messages) == 1


def test_a_connection_lost_after_the_message_went_out_is_not_retried(dispatched, picky_server):
    learner = nudge_learner(now=SIGN_UP)
    ids = dispatched()
    picky_server.hang_up_after_data = True

    result = send_nudge_batch(ids)

    # The server may have taken it: a retry could deliver a second copy.
    assert (result.failed, result.retry_ids) == (1, [])
    delivery = deliveries_of(learner)[0]
    assert delivery.status == Status.FAILED
    assert "SMTPServerDisconnected" in delivery.last_error
    assert len(picky_server.messages) == 1


def test_a_delivery_that_used_up_its_attempts_fails_instead_of_retrying(dispatched, smtp_server, settings):
    use_smtp(settings, smtp_server.port)
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    NudgeDelivery.objects.filter(pk=delivery_id).update(attempts=MAX_SEND_ATTEMPTS - 1)
    smtp_server.inbox.refuse_next = 1

    result = send_nudge_batch([delivery_id])

    assert (result.failed, result.retry_ids) == (1, [])
    assert status_of(delivery_id).status == Status.FAILED


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"Mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"No such user")}), False),
        (smtplib.SMTPSenderRefused(451, b"Try later", "planner@localhost"), True),
        (smtplib.SMTPSenderRefused(553, b"Not allowed", "planner@localhost"), False),
        (smtplib.SMTPDataError(451, b"Try later"), True),
        (smtplib.SMTPDataError(554, b"Rejected"), False),
        (smtplib.SMTPResponseException(421, b"Closing"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (ValueError("a bug"), False),
    ],
    ids=lambda value: value if isinstance(value, bool) else type(value).__name__,
)
def test_only_errors_from_before_the_server_took_the_message_are_retried(error, retryable):
    assert is_retryable(error) is retryable


# --- The job ---------------------------------------------------------------------------


def test_the_send_job_gives_up_once_its_retries_are_used(dispatched, smtp_server, settings, eager_celery):
    use_smtp(settings, smtp_server.port)
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    smtp_server.inbox.refuse_next = 1

    send_nudges.apply(args=[[delivery_id]], retries=send_nudges.max_retries)

    delivery = status_of(delivery_id)
    assert delivery.status == Status.FAILED
    assert "451" in delivery.last_error
    assert smtp_server.inbox.messages == []


def test_the_send_job_run_in_process_leaves_a_refused_delivery_for_the_next_dispatch(
    dispatched, smtp_server, settings, eager_celery
):
    use_smtp(settings, smtp_server.port)
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    smtp_server.inbox.refuse_next = 1

    send_nudges.delay([delivery_id])

    assert status_of(delivery_id).status == Status.PENDING
    assert smtp_server.inbox.refused == 1


# --- What the sender checks again when it claims a row -----------------------------------


def test_a_send_exactly_the_grace_period_after_the_slot_still_goes_out(dispatched, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)
    ids = dispatched()

    result = send_nudge_batch(ids, clock=lambda: SLOT + timedelta(hours=24))

    assert result.sent == 1
    assert len(mails_to(learner)) == 1


def test_a_send_one_second_past_the_grace_period_is_skipped(dispatched, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT + timedelta(hours=24, seconds=1))

    assert result.skipped == 1
    assert mails_to(learner) == []
    delivery = status_of(delivery_id)
    assert (delivery.status, delivery.last_error) == (Status.SKIPPED, "not sent within the grace period")


def test_a_nudge_queued_before_the_account_was_deactivated_is_not_sent(dispatched):
    learner = nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    learner.is_active = False
    learner.save(update_fields=["is_active"])

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT)

    assert result.skipped == 1
    assert mails_to(learner) == []
    delivery = status_of(delivery_id)
    assert (delivery.status, delivery.last_error) == (Status.SKIPPED, "the account is deactivated")


def test_a_nudge_queued_before_its_roadmap_was_archived_is_not_sent(dispatched):
    learner = nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()
    learner.roadmaps.update(status=Roadmap.Status.ARCHIVED)

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT)

    assert result.skipped == 1
    assert mails_to(learner) == []
    delivery = status_of(delivery_id)
    assert (delivery.status, delivery.last_error) == (Status.SKIPPED, "the roadmap is gone")


# --- Releasing and giving up touch only their own rows (found by tools/mutation.py) ------


def test_a_connection_lost_while_connecting_raised_from_real_frames_is_retried():
    def connect():
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    try:
        connect()
    except smtplib.SMTPServerDisconnected as raised:
        error = raised

    assert error.__traceback__ is not None
    assert is_retryable(error) is True


def two_claimed_deliveries(dispatched) -> list[int]:
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    ids = sorted(dispatched())
    assert all(claim(delivery_id, now=SLOT) for delivery_id in ids)
    return ids


def test_releasing_a_delivery_for_a_retry_records_its_error_and_leaves_the_others_sending(dispatched):
    released, other = two_claimed_deliveries(dispatched)

    release(released, error="SMTPDataError: (451, 'Try later')")

    assert (status_of(released).status, status_of(released).last_error) == (
        Status.PENDING,
        "SMTPDataError: (451, 'Try later')",
    )
    assert (status_of(other).status, status_of(other).last_error) == (Status.SENDING, "")


def test_releasing_a_delivery_that_is_no_longer_sending_changes_nothing(dispatched):
    delivery_id, _ = two_claimed_deliveries(dispatched)
    NudgeDelivery.objects.filter(pk=delivery_id).update(status=Status.SENT)

    release(delivery_id, error="late")

    assert (status_of(delivery_id).status, status_of(delivery_id).last_error) == (Status.SENT, "")


def test_giving_up_fails_only_the_listed_deliveries_still_waiting(dispatched):
    nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    waiting, sent, not_listed = sorted(dispatched())
    NudgeDelivery.objects.filter(pk=sent).update(status=Status.SENT)

    assert give_up(delivery_ids=[waiting, sent], error="") == 1

    assert (status_of(waiting).status, status_of(waiting).last_error) == (Status.FAILED, "gave up after retries")
    assert status_of(sent).status == Status.SENT
    assert status_of(not_listed).status == Status.PENDING


def test_a_delivery_given_up_records_the_last_error(dispatched):
    nudge_learner(now=SIGN_UP)
    (delivery_id,) = dispatched()

    give_up(delivery_ids=[delivery_id], error="SMTPDataError: (451, 'Try later')")

    assert status_of(delivery_id).last_error == "SMTPDataError: (451, 'Try later')"


@pytest.mark.parametrize(("code", "retryable"), [(499, True), (500, False), (599, False), (600, True)])
def test_only_reply_codes_500_to_599_count_as_permanent(code, retryable):
    assert is_retryable(smtplib.SMTPResponseException(code, b"reply")) is retryable
    assert is_retryable(smtplib.SMTPRecipientsRefused({"a@example.com": (code, b"reply")})) is retryable
