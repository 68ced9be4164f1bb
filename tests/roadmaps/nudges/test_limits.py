"""The nudges' numeric limits, each pinned to the unit (found by tools/mutation.py).

The recovery sweep's three "stalled" rules at their exact edges, its limit of
1,000 rows a run, the last retry a delivery is allowed, and the 2,000
characters of a mail error kept on the row. Everything is observed from the
outside: delivery rows, the ids handed to ``enqueue``, return values of the
public functions, and what a real SMTP server on localhost received.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from roadmaps.models import NudgeDelivery
from roadmaps.nudges import dispatch_due_nudges, requeue_stalled_deliveries, send_nudge_batch
from roadmaps.nudges.schedule import MAX_SEND_ATTEMPTS
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import deliveries_of, nudge_learner
from tests.servers import free_port

pytestmark = pytest.mark.django_db

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT  # the slot of a UTC learner with the default Monday 08:00
# With the default retry base of 60 s the longest retry countdown is 32 min, so a
# pending row counts as stalled after twice that; a "sending" row after the lease.
STALL = timedelta(minutes=64)
LEASE = timedelta(minutes=15)
SECOND = timedelta(seconds=1)
Status = NudgeDelivery.Status


@pytest.fixture(autouse=True)
def limits(settings, time_machine):
    settings.NUDGE_RETRY_BASE_SECONDS = 60
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    settings.NUDGE_GRACE_HOURS = 24
    time_machine.move_to(SIGN_UP, tick=False)


def make_delivery(learner, *, created_at, week: int = 0, status=Status.PENDING, claimed_at=None) -> NudgeDelivery:
    delivery = NudgeDelivery.objects.create(
        user=learner,
        roadmap=learner.roadmaps.get(),
        week_start=SLOT.date() + timedelta(weeks=week),
        scheduled_for=SLOT,
        local_date=SLOT.date(),
        status=status,
        claimed_at=claimed_at,
    )
    NudgeDelivery.objects.filter(pk=delivery.pk).update(created_at=created_at)
    return delivery


def sweep(now, django_capture_on_commit_callbacks) -> tuple[int, list[list[int]]]:
    """Run the recovery sweep at ``now``; its return value and the id lists it queued after commit."""
    queued: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        count = requeue_stalled_deliveries(now=now, enqueue=queued.append)
    return count, queued


row = nudges_data.row


# --- The recovery sweep: which rows count as stalled ---------------------------------------


def test_a_never_claimed_pending_row_exactly_the_stall_time_old_is_not_queued_again(
    django_capture_on_commit_callbacks,
):
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT)

    assert sweep(SLOT + STALL, django_capture_on_commit_callbacks) == (0, [])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (Status.PENDING, None)


def test_a_never_claimed_pending_row_one_second_past_the_stall_time_is_queued_again_and_marked_fresh(
    django_capture_on_commit_callbacks,
):
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT)
    now = SLOT + STALL + SECOND

    assert sweep(now, django_capture_on_commit_callbacks) == (1, [[delivery.pk]])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (Status.PENDING, now)


def test_a_pending_row_waiting_for_its_retry_exactly_the_stall_time_is_not_queued_again(
    django_capture_on_commit_callbacks,
):
    # Created long ago, tried and released for a retry: only the try's time counts.
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT - timedelta(days=1), claimed_at=SLOT)

    assert sweep(SLOT + STALL, django_capture_on_commit_callbacks) == (0, [])
    assert row(delivery.pk).claimed_at == SLOT


def test_a_pending_row_tried_one_second_more_than_the_stall_time_ago_is_queued_again(
    django_capture_on_commit_callbacks,
):
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT, claimed_at=SLOT)
    now = SLOT + STALL + SECOND

    assert sweep(now, django_capture_on_commit_callbacks) == (1, [[delivery.pk]])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (Status.PENDING, now)


def test_a_pending_row_created_long_ago_but_tried_a_minute_ago_is_left_for_its_retry(
    django_capture_on_commit_callbacks,
):
    now = SLOT + timedelta(hours=5)
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT, claimed_at=now - timedelta(minutes=1), week=0)

    assert sweep(now, django_capture_on_commit_callbacks) == (0, [])
    assert row(delivery.pk).claimed_at == now - timedelta(minutes=1)


def test_a_sending_row_exactly_at_the_end_of_its_lease_is_left_to_its_sender(django_capture_on_commit_callbacks):
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT, status=Status.SENDING, claimed_at=SLOT)

    assert sweep(SLOT + LEASE, django_capture_on_commit_callbacks) == (0, [])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (Status.SENDING, SLOT)


def test_a_sending_row_one_second_past_its_lease_goes_back_to_pending_and_is_queued_again(
    django_capture_on_commit_callbacks,
):
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT, status=Status.SENDING, claimed_at=SLOT)
    now = SLOT + LEASE + SECOND

    assert sweep(now, django_capture_on_commit_callbacks) == (1, [[delivery.pk]])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (Status.PENDING, now)


def test_a_sending_row_created_long_ago_but_claimed_within_the_lease_is_left_to_its_sender(
    django_capture_on_commit_callbacks,
):
    now = SLOT + timedelta(hours=5)
    delivery = make_delivery(
        nudge_learner(now=SIGN_UP), created_at=SLOT, status=Status.SENDING, claimed_at=now - LEASE + SECOND
    )

    assert sweep(now, django_capture_on_commit_callbacks) == (0, [])
    assert row(delivery.pk).status == Status.SENDING


@pytest.mark.parametrize("claimed_at", [SLOT, None], ids=["tried", "never tried"])
@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED, Status.SKIPPED])
def test_a_finished_row_is_never_queued_again_however_old(status, claimed_at, django_capture_on_commit_callbacks):
    # A slot missed by more than the grace period is skipped at dispatch, never tried.
    delivery = make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT, status=status, claimed_at=claimed_at)

    assert sweep(SLOT + timedelta(days=30), django_capture_on_commit_callbacks) == (0, [])
    assert (row(delivery.pk).status, row(delivery.pk).claimed_at) == (status, claimed_at)


def test_a_second_sweep_at_the_same_moment_queues_nothing_more(django_capture_on_commit_callbacks):
    make_delivery(nudge_learner(now=SIGN_UP), created_at=SLOT)
    now = SLOT + STALL + SECOND
    sweep(now, django_capture_on_commit_callbacks)

    assert sweep(now, django_capture_on_commit_callbacks) == (0, [])


# --- The recovery sweep: how much one run takes -------------------------------------------


def stalled_rows(count: int) -> list[int]:
    """``count`` never-claimed pending rows of one learner (a week each), created at the slot; their ids."""
    learner = nudge_learner(now=SIGN_UP)
    roadmap = learner.roadmaps.get()
    NudgeDelivery.objects.bulk_create(
        NudgeDelivery(
            user=learner,
            roadmap=roadmap,
            week_start=SLOT.date() + timedelta(weeks=week),
            scheduled_for=SLOT,
            local_date=SLOT.date(),
        )
        for week in range(count)
    )
    NudgeDelivery.objects.update(created_at=SLOT)
    return sorted(NudgeDelivery.objects.values_list("pk", flat=True))


def test_a_sweep_queues_its_rows_in_send_jobs_of_25_in_id_order(django_capture_on_commit_callbacks):
    ids = stalled_rows(51)

    count, queued = sweep(SLOT + timedelta(hours=2), django_capture_on_commit_callbacks)

    assert count == 51
    assert queued == [ids[:25], ids[25:50], ids[50:]]


@pytest.mark.parametrize(("stalled", "taken"), [(999, 999), (1000, 1000), (1001, 1000), (1002, 1000)])
def test_a_sweep_takes_at_most_1000_stalled_rows_the_oldest_first(stalled, taken, django_capture_on_commit_callbacks):
    ids = stalled_rows(stalled)
    now = SLOT + timedelta(hours=2)

    count, queued = sweep(now, django_capture_on_commit_callbacks)

    assert count == taken
    assert [pk for chunk in queued for pk in chunk] == ids[:taken]
    fresh = set(NudgeDelivery.objects.filter(claimed_at=now).values_list("pk", flat=True))
    assert fresh == set(ids[:taken])
    assert NudgeDelivery.objects.filter(claimed_at__isnull=True).count() == stalled - taken


def test_a_sweep_given_a_limit_takes_exactly_that_many_lowest_ids_first(django_capture_on_commit_callbacks):
    ids = stalled_rows(3)
    # Updates of an indexed column move the row's version to the end of the table and
    # of its index entries: read unordered, the first row would now come last.
    NudgeDelivery.objects.filter(pk=ids[0]).update(status=Status.SENDING)
    NudgeDelivery.objects.filter(pk=ids[0]).update(status=Status.PENDING)
    queued: list[list[int]] = []

    with django_capture_on_commit_callbacks(execute=True):
        count = requeue_stalled_deliveries(now=SLOT + timedelta(hours=2), enqueue=queued.append, limit=2)

    assert (count, queued) == (2, [ids[:2]])


# --- Sending: the last retry -----------------------------------------------------------------


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5


def dispatched_delivery(django_capture_on_commit_callbacks, time_machine, **learner) -> int:
    nudge_learner(now=SIGN_UP, **learner)
    queued: list[int] = []
    time_machine.move_to(SLOT, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_nudges(now=SLOT, enqueue=queued.extend)
    (delivery_id,) = queued
    return delivery_id


def test_a_delivery_refused_on_its_second_to_last_attempt_is_still_retried(
    django_capture_on_commit_callbacks, time_machine, smtp_server, settings
):
    use_smtp(settings, smtp_server.port)
    delivery_id = dispatched_delivery(django_capture_on_commit_callbacks, time_machine)
    # Tried and refused MAX - 2 times before: this try is number MAX - 1, one is left.
    NudgeDelivery.objects.filter(pk=delivery_id).update(attempts=MAX_SEND_ATTEMPTS - 2)
    smtp_server.inbox.refuse_next = 1

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT)

    assert (result.failed, result.retry_ids) == (0, [delivery_id])
    assert (row(delivery_id).status, row(delivery_id).attempts) == (Status.PENDING, MAX_SEND_ATTEMPTS - 1)


def test_a_delivery_refused_on_its_last_attempt_fails_with_max_attempts_recorded(
    django_capture_on_commit_callbacks, time_machine, smtp_server, settings
):
    use_smtp(settings, smtp_server.port)
    delivery_id = dispatched_delivery(django_capture_on_commit_callbacks, time_machine)
    NudgeDelivery.objects.filter(pk=delivery_id).update(attempts=MAX_SEND_ATTEMPTS - 1)
    smtp_server.inbox.refuse_next = 1

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT)

    assert (result.failed, result.retry_ids) == (1, [])
    assert (row(delivery_id).status, row(delivery_id).attempts) == (Status.FAILED, MAX_SEND_ATTEMPTS)
    assert smtp_server.inbox.messages == []


def test_seven_attempts_in_all_then_the_delivery_fails(
    django_capture_on_commit_callbacks, time_machine, smtp_server, settings
):
    use_smtp(settings, smtp_server.port)
    delivery_id = dispatched_delivery(django_capture_on_commit_callbacks, time_machine)
    smtp_server.inbox.refuse_next = 100
    results = []

    for _ in range(MAX_SEND_ATTEMPTS):
        results.append(send_nudge_batch([delivery_id], clock=lambda: SLOT))

    assert MAX_SEND_ATTEMPTS == 7
    assert [r.retry_ids for r in results] == [[delivery_id]] * 6 + [[]]
    assert smtp_server.inbox.refused == 7
    assert (row(delivery_id).status, row(delivery_id).attempts) == (Status.FAILED, 7)


# --- Sending: how much of a mail error is kept -------------------------------------------------


class LongRefusal:
    """Refuses every recipient for good with a reply of ``text``."""

    def __init__(self):
        self.text = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 {self.text}"


@pytest.fixture
def long_refusal(settings):
    handler = LongRefusal()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    yield handler
    controller.stop()


EMAIL = "long@example.com"


def refusal_described(text: str) -> str:
    """How the error reads in full: the exception's name and smtplib's dict of refused recipients."""
    return f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'{text}')}}"


@pytest.mark.parametrize(("length", "kept"), [(1999, 1999), (2000, 2000), (2001, 2000), (2002, 2000)])
def test_a_mail_error_is_kept_on_the_row_up_to_2000_characters(
    length, kept, long_refusal, django_capture_on_commit_callbacks, time_machine
):
    overhead = len(refusal_described(""))
    long_refusal.text = "".join("abcdefghij"[i % 10] for i in range(length - overhead))
    full = refusal_described(long_refusal.text)
    assert len(full) == length
    delivery_id = dispatched_delivery(django_capture_on_commit_callbacks, time_machine, email=EMAIL)

    result = send_nudge_batch([delivery_id], clock=lambda: SLOT)

    assert result.failed == 1
    (delivery,) = deliveries_of(NudgeDelivery.objects.get(pk=delivery_id).user)
    assert delivery.status == Status.FAILED
    assert delivery.last_error == full[:kept]
