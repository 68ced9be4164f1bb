""" "Never twice" under concurrency, against PostgreSQL: each thread has its own connection.

The data is committed (``transaction=True``) so that the threads see it, as two
beat processes or two workers would.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction

from accounts.models import Profile
from roadmaps.models import NudgeDelivery
from roadmaps.nudges import dispatch_due_nudges, send_nudge_batch
from roadmaps.nudges.journal import sent_journal
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import mail_counts, nudge_learner

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT


@pytest.fixture(autouse=True)
def postgresql_only():
    assert connection.vendor == "postgresql", "these tests need PostgreSQL (DATABASE_URL)"


def run_together(*jobs: Callable[[], object], timeout: float = 60) -> list:
    """Start the jobs in threads at the same moment; their results, or their errors raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    return results


def learners(count: int) -> list:
    return [nudge_learner(now=SIGN_UP) for _ in range(count)]


def test_two_dispatches_at_once_make_one_delivery_and_one_mail_per_learner(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)
    everyone = learners(40)
    time_machine.move_to(SLOT, tick=False)
    queued_by = ([], [])

    def dispatch(queued: list) -> Callable[[], object]:
        return lambda: dispatch_due_nudges(now=SLOT, batch_size=5, enqueue=queued.extend)

    run_together(dispatch(queued_by[0]), dispatch(queued_by[1]))

    deliveries = NudgeDelivery.objects.all()
    assert Counter(d.user_id for d in deliveries) == Counter({u.id: 1 for u in everyone})
    assert not set(queued_by[0]) & set(queued_by[1])
    assert sorted(queued_by[0] + queued_by[1]) == sorted(d.pk for d in deliveries)
    send_nudge_batch(queued_by[0] + queued_by[1])
    assert mail_counts() == Counter({u.email: 1 for u in everyone})


def test_the_same_send_job_run_twice_at_once_sends_one_mail_each(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)
    everyone = learners(20)
    time_machine.move_to(SLOT, tick=False)
    queued: list[int] = []
    dispatch_due_nudges(now=SLOT, enqueue=queued.extend)

    first, second = run_together(lambda: send_nudge_batch(queued), lambda: send_nudge_batch(queued))

    assert first.sent + second.sent == 20
    assert first.not_claimed + second.not_claimed == 20
    assert mail_counts() == Counter({u.email: 1 for u in everyone})
    assert set(NudgeDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_dispatch_skips_learners_another_dispatch_holds_instead_of_waiting(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)
    held, free = learners(2)
    time_machine.move_to(SLOT, tick=False)
    locked, release = threading.Event(), threading.Event()

    def hold_one_profile() -> None:
        with transaction.atomic():
            Profile.objects.select_for_update().get(user=held)
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=lambda: (hold_one_profile(), connection.close()))
    holder.start()
    assert locked.wait(30)
    try:
        first = dispatch_due_nudges(now=SLOT, enqueue=lambda ids: None)
    finally:
        release.set()
        holder.join(30)
    second = dispatch_due_nudges(now=SLOT, enqueue=lambda ids: None)

    assert (first.queued, second.queued) == (1, 1)
    assert set(NudgeDelivery.objects.values_list("user_id", flat=True)) == {held.id, free.id}


def test_a_batch_sent_outside_a_transaction_records_every_mail_as_sent_at_its_time(time_machine):
    # Outside a transaction each "sent" is its own commit (not waiting for the disk):
    # the path a Celery worker takes.
    time_machine.move_to(SIGN_UP, tick=False)
    everyone = learners(3)
    time_machine.move_to(SLOT, tick=False)
    queued: list[int] = []
    dispatch_due_nudges(now=SLOT, enqueue=queued.extend)
    assert not connection.in_atomic_block

    result = send_nudge_batch(queued, clock=lambda: SLOT)

    assert (result.sent, result.not_claimed) == (3, 0)
    assert mail_counts() == Counter({u.email: 1 for u in everyone})
    rows = NudgeDelivery.objects.values_list("status", "sent_at", "attempts")
    assert list(rows) == [("sent", SLOT, 1)] * 3


class WitnessBackend(BaseEmailBackend):
    """Before taking each message, asks another connection how many nudges are recorded as sent,
    and the sent journal how many it has."""

    seen: list[tuple[int, int]] = []

    def send_messages(self, messages) -> int:
        for _ in messages:
            recorded = run_together(lambda: NudgeDelivery.objects.filter(status="sent").count())[0]
            journal = sent_journal()
            journaled = len(journal.read(NudgeDelivery.objects.all())) if journal else 0
            self.seen.append((recorded, journaled))
        return len(messages)


@pytest.mark.parametrize(
    ("journal", "seen"),
    [
        # Each mail is in the journal before the next goes out; the chunk is recorded at its end.
        (True, [(0, 0), (0, 1), (0, 2), (0, 3)]),
        # No journal: each mail is recorded in the database before the next goes out.
        (False, [(0, 0), (1, 0), (2, 0), (3, 0)]),
    ],
    ids=["journal", "no journal"],
)
def test_each_mail_is_recorded_as_sent_for_everyone_before_the_next_one_goes_out(journal, seen, time_machine, settings):
    # What keeps a worker killed mid-chunk to at most one mail of unknown fate.
    settings.NUDGE_SENT_JOURNAL = journal
    settings.EMAIL_BACKEND = f"{__name__}.WitnessBackend"
    WitnessBackend.seen = []
    time_machine.move_to(SIGN_UP, tick=False)
    learners(4)
    time_machine.move_to(SLOT, tick=False)
    queued: list[int] = []
    dispatch_due_nudges(now=SLOT, enqueue=queued.extend)

    assert send_nudge_batch(queued, clock=lambda: SLOT).sent == 4

    assert WitnessBackend.seen == seen
    assert NudgeDelivery.objects.filter(status="sent").count() == 4
