"""The sent journal: each accepted mail is in Redis before the next goes out, the chunk is
recorded in one statement, and a row a dead run journaled is recorded, never mailed again.

Redis is the suite's (``CACHE_REDIS_URL``, under this run's key prefix); the
mail server a real one on localhost where the order of events matters.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import override_settings

from roadmaps.models import NudgeDelivery
from roadmaps.nudges import delivery as delivery_module
from roadmaps.nudges import requeue_stalled_deliveries, send_nudge_batch
from roadmaps.nudges.delivery import claim_chunk
from roadmaps.nudges.journal import SentJournal, journal_ttl, sent_journal
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import mail_counts, mails_to
from tests.servers import SmtpServer, free_port

pytestmark = pytest.mark.django_db
dispatched, queued, row = nudges_data.dispatched, nudges_data.queued, nudges_data.row

SIGN_UP, SLOT = nudges_data.SIGN_UP, nudges_data.SLOT
LEASE = timedelta(minutes=15)
Status = NudgeDelivery.Status
LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def signed_up(time_machine, settings):
    settings.NUDGE_SENT_JOURNAL = True
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    settings.NUDGE_GRACE_HOURS = 24
    time_machine.move_to(SIGN_UP, tick=False)


def journaled(ids: list[int]) -> dict:
    return sent_journal().read(NudgeDelivery.objects.filter(pk__in=ids))


def died_after_sending(ids: list[int], *, sent: list[int]) -> None:
    """A run claimed ``ids`` at SLOT, journaled the mails of ``sent`` and died before recording them."""
    claim_chunk(ids, now=SLOT)
    for delivery in NudgeDelivery.objects.filter(pk__in=sent):
        sent_journal().write(delivery, sent_at=SLOT)


@pytest.fixture
def refusing_journal():
    """A journal on the suite's Redis signed in as a user of its own that may not SET:
    Redis takes the connection and answers every entry with an error (NOPERM)."""
    admin = sent_journal().client
    name, password = f"nudge-journal-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin.acl_setuser(name, enabled=True, passwords=[f"+{password}"], keys=["*"], commands=["+@all", "-set"])
    options = admin.connection_pool.connection_kwargs
    client = redis.Redis(host=options["host"], port=options["port"], db=options["db"], username=name, password=password)
    try:
        yield lambda: SentJournal(client=client, make_key=sent_journal().make_key)
    finally:
        client.close()
        admin.acl_deluser(name)


def unreachable_journal() -> SentJournal:
    """A journal on a Redis that refuses connections, as if it were down."""
    client = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    return SentJournal(client=client, make_key=lambda key: key)


# --- Which way a send is recorded -------------------------------------------------------------


def test_with_redis_and_the_setting_on_sends_are_journaled():
    assert sent_journal() is not None


def test_the_setting_off_turns_the_journal_off(settings):
    settings.NUDGE_SENT_JOURNAL = False

    assert sent_journal() is None


@override_settings(CACHES=LOCAL_MEMORY_CACHE)
def test_without_redis_there_is_no_journal_even_with_the_setting_on():
    assert sent_journal() is None


@pytest.mark.parametrize("mails", [1, 50])
def test_with_the_journal_a_chunk_takes_the_same_statements_for_1_or_50_mails(mails, queued, django_assert_num_queries):
    ids = queued(mails)

    # The deliveries with learner, profile and roadmap; their tasks; the claim; the record of the chunk.
    with django_assert_num_queries(4):
        assert send_nudge_batch(ids, clock=lambda: SLOT).sent == mails

    assert {(row(pk).status, row(pk).sent_at) for pk in ids} == {(Status.SENT, SLOT)}


@pytest.mark.parametrize("mails", [1, 3])
@override_settings(CACHES=LOCAL_MEMORY_CACHE)
def test_without_redis_each_mail_is_recorded_in_the_database_on_its_own(mails, queued, django_assert_num_queries):
    ids = queued(mails)

    with django_assert_num_queries(3 + mails):
        assert send_nudge_batch(ids, clock=lambda: SLOT).sent == mails

    assert {(row(pk).status, row(pk).sent_at) for pk in ids} == {(Status.SENT, SLOT)}


def test_the_chunk_s_record_is_one_statement_for_every_row(queued):
    ids = queued(3)

    with connection.execute_wrapper(statements := StatementLog()):
        send_nudge_batch(ids, clock=lambda: SLOT)

    records = [sql for sql in statements.sql if "sent.sent_at" in sql]
    assert len(records) == 1
    assert "unnest" in records[0]


class StatementLog:
    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def test_once_recorded_the_chunk_s_entries_are_dropped(queued, django_capture_on_commit_callbacks):
    ids = queued(2)

    with django_capture_on_commit_callbacks(execute=True):
        send_nudge_batch(ids, clock=lambda: SLOT)

    assert journaled(ids) == {}
    assert [row(pk).status for pk in ids] == [Status.SENT] * 2


def test_an_entry_outlives_the_grace_period_and_twice_the_lease():
    assert journal_ttl() == timedelta(hours=24, minutes=30) + timedelta(hours=1)


def test_an_entry_is_written_with_its_time_to_live(queued):
    (delivery_id,) = queued(1)
    journal = sent_journal()
    delivery = row(delivery_id)

    journal.write(delivery, sent_at=SLOT)

    assert journal.client.ttl(journal.key(delivery)) == int(journal_ttl().total_seconds())
    assert journal.read([delivery]) == {delivery_id: SLOT}


def test_an_entry_is_sent_at_once_and_its_answer_read_when_confirmed(queued):
    first, second = (row(pk) for pk in queued(2))
    journal = sent_journal()

    journal.send(first, sent_at=SLOT)
    # Redis stores it without waiting for the sender to read the answer.
    assert wait_until(lambda: journal.read([first])) == {first.pk: SLOT}
    with pytest.raises(RuntimeError):
        journal.send(second, sent_at=SLOT)  # one entry in flight at a time
    journal.confirm()
    journal.send(second, sent_at=SLOT)
    journal.confirm()
    journal.close()

    assert journal.read([first, second]) == {first.pk: SLOT, second.pk: SLOT}


def test_a_connection_given_back_with_an_answer_unread_is_closed_not_reused(queued):
    delivery = row(queued(1)[0])
    journal = sent_journal()
    journal.send(delivery, sent_at=SLOT)
    connection = journal.connection

    journal.close()

    assert connection._sock is None  # disconnected: the pool's next user cannot read its answer
    assert journal.read([delivery]) == {delivery.pk: SLOT}


def test_an_entry_belongs_to_its_learner_and_week_not_only_to_the_row_id(queued):
    (delivery_id,) = queued(1)
    delivery = row(delivery_id)
    sent_journal().write(delivery, sent_at=SLOT)
    # The same id for another learner's row (a database restored from a backup).
    other = NudgeDelivery(pk=delivery_id, user_id=delivery.user_id + 1, week_start=delivery.week_start)

    assert sent_journal().read([other]) == {}


# --- Journaled before the next mail goes out, on a real mail server ---------------------------


@contextmanager
def second_mail_held(ids: list[int], settings):
    """Send ``ids`` (two) on a real mail server that accepts the first mail and holds the
    second; yields the first's delivery while the second is held, then lets it through."""
    with SmtpServer() as server:
        for name, value in server.mail_settings().items():
            setattr(settings, name, value)
        server.inbox.hold_after_messages = 1
        sender = threading.Thread(target=lambda: (send_nudge_batch(ids), connection.close()))
        sender.start()
        try:
            (accepted,) = server.inbox.wait_for(1)
            yield NudgeDelivery.objects.get(user__email=accepted["To"])
        finally:
            server.inbox.hold_after_messages = None
            sender.join(30)


@pytest.mark.django_db(transaction=True)
def test_an_accepted_mail_is_journaled_before_the_next_one_is_handed_to_the_server(queued, settings):
    ids = queued(2)

    with second_mail_held(ids, settings) as first:
        # While the second mail is held: the first is in the journal, the chunk not yet recorded.
        assert set(wait_until(lambda: journaled(ids))) == {first.pk}
        assert [row(pk).status for pk in ids] == [Status.SENDING] * 2

    assert [row(pk).status for pk in ids] == [Status.SENT] * 2
    assert journaled(ids) == {}


def wait_until(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


# --- A row taken over from a run that died -------------------------------------------------------


def test_a_taken_over_row_that_is_journaled_is_recorded_as_sent_and_not_mailed(queued):
    ids = queued(2)
    died_after_sending(ids, sent=[ids[0]])
    first, second = (row(pk).user for pk in ids)

    result = send_nudge_batch(ids, clock=lambda: SLOT + LEASE + timedelta(seconds=1))

    assert (result.found_sent, result.sent) == (1, 1)
    assert (mails_to(first), len(mails_to(second))) == ([], 1)
    # Recorded with the time the dead run's mail was accepted; the takeover's attempt is counted.
    assert (row(ids[0]).status, row(ids[0]).sent_at, row(ids[0]).attempts) == (Status.SENT, SLOT, 2)
    assert (row(ids[1]).status, row(ids[1]).attempts) == (Status.SENT, 2)


def test_a_journaled_row_after_a_refused_one_is_recorded_as_sent_not_handed_back(queued, smtp_server, settings):
    ids = queued(3)
    died_after_sending(ids, sent=[ids[2]])
    for name, value in smtp_server.mail_settings().items():
        setattr(settings, name, value)
    smtp_server.inbox.refuse_next = 1  # the first mail of the takeover is refused: the run stops there

    result = send_nudge_batch(ids, clock=lambda: SLOT + LEASE + timedelta(seconds=1))

    assert (result.sent, result.found_sent, result.retry_ids) == (0, 1, ids)
    assert [row(pk).status for pk in ids] == [Status.PENDING, Status.PENDING, Status.SENT]
    assert smtp_server.inbox.messages == []


def test_a_taken_over_chunk_reads_the_journal_once(queued, monkeypatch):
    ids = queued(3)
    died_after_sending(ids, sent=[])
    reads = spy_on_reads(monkeypatch)

    result = send_nudge_batch(ids, clock=lambda: SLOT + LEASE + timedelta(seconds=1))

    assert result.sent == 3
    assert [sorted(delivery.pk for delivery in read) for read in reads] == [ids]


def test_a_chunk_no_run_had_claimed_before_reads_no_journal(queued, monkeypatch):
    ids = queued(3)
    reads = spy_on_reads(monkeypatch)

    assert send_nudge_batch(ids, clock=lambda: SLOT).sent == 3

    assert reads == []


def spy_on_reads(monkeypatch) -> list:
    reads: list = []
    real_read = SentJournal.read

    def read(self, deliveries):
        deliveries = list(deliveries)
        reads.append(deliveries)
        return real_read(self, deliveries)

    monkeypatch.setattr(SentJournal, "read", read)
    return reads


def test_a_taken_over_row_whose_journal_cannot_be_read_is_handed_back_not_mailed(queued, monkeypatch):
    ids = queued(1)
    died_after_sending(ids, sent=ids)
    monkeypatch.setattr(delivery_module, "sent_journal", unreachable_journal)

    result = send_nudge_batch(ids, clock=lambda: SLOT + LEASE + timedelta(seconds=1))

    assert (result.sent, result.retry_ids) == (0, ids)
    assert "ConnectionError" in result.retry_error
    assert mail_counts() == {}
    # Back to pending, the takeover's attempt taken back: the next claim reads the journal again.
    assert (row(ids[0]).status, row(ids[0]).attempts) == (Status.PENDING, 1)


def test_the_sweep_records_journaled_stalled_rows_as_sent_and_queues_only_the_others(
    queued, django_capture_on_commit_callbacks, caplog
):
    ids = queued(3)
    died_after_sending(ids, sent=[ids[1]])
    queued_again: list[list[int]] = []

    with (
        caplog.at_level(logging.WARNING, logger="roadmaps.nudges.dispatch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = requeue_stalled_deliveries(now=SLOT + LEASE + timedelta(seconds=1), enqueue=queued_again.append)

    assert (count, queued_again) == (2, [[ids[0], ids[2]]])
    assert [row(pk).status for pk in ids] == [Status.PENDING, Status.SENT, Status.PENDING]
    assert (row(ids[1]).sent_at, row(ids[1]).attempts) == (SLOT, 1)
    logged = [r.getMessage() for r in caplog.records if r.name == "roadmaps.nudges.dispatch"]
    assert logged == [
        "recorded 1 stalled nudge deliveries as sent: their mails had gone out",
        "queued 2 stalled nudge deliveries again",
    ]


def test_a_sweep_that_cannot_read_the_journal_queues_every_stalled_row(
    queued, django_capture_on_commit_callbacks, monkeypatch
):
    ids = queued(2)
    died_after_sending(ids, sent=[ids[0]])
    monkeypatch.setattr(delivery_module, "sent_journal", unreachable_journal)

    with django_capture_on_commit_callbacks(execute=True):
        count = requeue_stalled_deliveries(now=SLOT + LEASE + timedelta(seconds=1), enqueue=lambda ids: None)

    # The sender reads the journal again when it claims them.
    assert count == 2
    assert [row(pk).status for pk in ids] == [Status.PENDING] * 2


# --- Every way out of a run records what was sent ----------------------------------------------


def test_a_run_stopped_by_a_refusal_records_the_mails_sent_before_it(queued, settings):
    ids = queued(3)
    handler = RefusesAfterTheFirst()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
        result = send_nudge_batch(ids, clock=lambda: SLOT)
    finally:
        controller.stop()

    assert (result.sent, result.retry_ids) == (1, ids[1:])
    assert [(row(pk).status, row(pk).sent_at) for pk in ids] == [
        (Status.SENT, SLOT),
        (Status.PENDING, None),
        (Status.PENDING, None),
    ]


class RefusesAfterTheFirst:
    """Takes the first message, answers "451 try again later" to every later one."""

    def __init__(self):
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        if self.accepted:
            return "451 4.3.0 Try again later"
        self.accepted += 1
        return "250 Message accepted for delivery"


def test_a_run_that_used_half_its_lease_records_the_mails_sent_before_it_stopped(queued):
    ids = queued(2)
    times = iter([SLOT, SLOT, SLOT + timedelta(minutes=8)])

    result = send_nudge_batch(ids, clock=lambda: next(times))

    assert (result.sent, result.retry_ids) == (1, ids[1:])
    assert [row(pk).status for pk in ids] == [Status.SENT, Status.PENDING]


def test_a_run_that_crashed_mid_chunk_records_the_mails_sent_before_the_crash(queued):
    ids = queued(3)
    times = iter([SLOT, SLOT, SLOT])

    def clock():
        moment = next(times, None)
        if moment is None:
            raise RuntimeError("a bug in the middle of the chunk")
        return moment

    with pytest.raises(RuntimeError):
        send_nudge_batch(ids, clock=clock)

    assert [(row(pk).status, row(pk).sent_at) for pk in ids] == [
        (Status.SENT, SLOT),
        (Status.SENT, SLOT),
        (Status.SENDING, None),
    ]


def test_when_redis_fails_a_write_that_mail_and_the_rest_are_recorded_in_the_database_at_once(
    queued, monkeypatch, django_assert_num_queries
):
    ids = queued(3)
    monkeypatch.setattr(delivery_module, "sent_journal", unreachable_journal)

    # Loading (2), the claim, then one record per mail: the journal's fallback.
    with django_assert_num_queries(3 + 3):
        assert send_nudge_batch(ids, clock=lambda: SLOT).sent == 3

    assert {(row(pk).status, row(pk).sent_at) for pk in ids} == {(Status.SENT, SLOT)}


def test_when_redis_refuses_an_entry_that_mail_and_the_rest_are_recorded_in_the_database(
    queued, monkeypatch, refusing_journal, django_assert_num_queries, caplog
):
    ids = queued(3)
    monkeypatch.setattr(delivery_module, "sent_journal", refusing_journal)

    # Loading (2), the claim, then one record per mail: the first once its entry's answer came back refused.
    with caplog.at_level(logging.WARNING, logger="roadmaps.nudges.delivery"), django_assert_num_queries(3 + 3):
        assert send_nudge_batch(ids, clock=lambda: SLOT).sent == 3

    assert {(row(pk).status, row(pk).sent_at) for pk in ids} == {(Status.SENT, SLOT)}
    assert [r.getMessage() for r in caplog.records] == [
        "nudge sent journal unavailable: each mail is recorded on its own"
    ]
    assert journaled(ids) == {}


@pytest.mark.django_db(transaction=True)
def test_a_mail_whose_entry_redis_refused_is_recorded_before_the_next_one_is_handed_to_the_server(
    queued, settings, monkeypatch, refusing_journal
):
    ids = queued(2)
    monkeypatch.setattr(delivery_module, "sent_journal", refusing_journal)

    with second_mail_held(ids, settings) as first:
        # While the second mail is held: the first is recorded in the database already.
        assert wait_until(lambda: row(first.pk).status == Status.SENT)
        assert [row(pk).status for pk in ids if pk != first.pk] == [Status.SENDING]

    assert [row(pk).status for pk in ids] == [Status.SENT] * 2
