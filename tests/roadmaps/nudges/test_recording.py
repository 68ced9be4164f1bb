"""How a send run claims and records its rows (found by tools/mutation.py).

The same claim rules hold for PostgreSQL's one-statement claim of a chunk and for
the row-by-row claim of the embedded SQLite database (``claim_each``, run here on
PostgreSQL); a sent mail's record commits with the configured durability and
leaves the connection's setting as it was; no statement of one run touches a row
another run holds or has finished.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import NudgeDelivery
from roadmaps.nudges.delivery import claim_chunk, claim_each, finish, record_sent, record_skipped, unclaim
from tests.roadmaps.nudges import data as nudges_data

pytestmark = pytest.mark.django_db

SIGN_UP, SLOT = nudges_data.SIGN_UP, nudges_data.SLOT
LEASE = timedelta(minutes=15)
Status = NudgeDelivery.Status
dispatched, queued, row = nudges_data.dispatched, nudges_data.queued, nudges_data.row
CLAIMS = pytest.mark.parametrize("claim_rows", [claim_chunk, claim_each], ids=["one statement", "row by row"])


@pytest.fixture(autouse=True)
def signed_up(time_machine, settings):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    time_machine.move_to(SIGN_UP, tick=False)


def held_by_another_run(delivery_id: int, *, since) -> None:
    NudgeDelivery.objects.filter(pk=delivery_id).update(status=Status.SENDING, claimed_at=since, attempts=1)


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@CLAIMS
def test_a_claim_takes_the_pending_rows_and_counts_the_attempt(claim_rows, queued):
    ids = queued(2)

    assert claim_rows(ids, now=SLOT) == {ids[0]: 1, ids[1]: 1}
    assert [(row(pk).status, row(pk).claimed_at) for pk in ids] == [(Status.SENDING, SLOT)] * 2


@CLAIMS
def test_a_claim_of_nothing_claims_nothing(claim_rows, queued):
    queued(1)

    assert claim_rows([], now=SLOT) == {}
    assert NudgeDelivery.objects.filter(status=Status.SENDING).count() == 0


@CLAIMS
def test_a_claim_leaves_a_row_another_run_holds_up_to_the_end_of_its_lease(claim_rows, queued):
    ids = queued(2)
    held_by_another_run(ids[0], since=SLOT)

    assert claim_rows(ids, now=SLOT + LEASE) == {ids[1]: 1}
    assert (row(ids[0]).claimed_at, row(ids[0]).attempts) == (SLOT, 1)


@CLAIMS
def test_a_claim_takes_over_a_row_held_one_second_past_its_lease(claim_rows, queued):
    ids = queued(1)
    held_by_another_run(ids[0], since=SLOT)
    later = SLOT + LEASE + timedelta(seconds=1)

    assert claim_rows(ids, now=later) == {ids[0]: 2}
    assert (row(ids[0]).status, row(ids[0]).claimed_at) == (Status.SENDING, later)


@CLAIMS
@pytest.mark.parametrize("finished", [Status.SENT, Status.SKIPPED, Status.FAILED])
def test_a_claim_never_takes_a_finished_row(claim_rows, finished, queued):
    ids = queued(2)
    NudgeDelivery.objects.filter(pk=ids[0]).update(status=finished, claimed_at=SLOT)

    assert claim_rows(ids, now=SLOT + timedelta(days=30)) == {ids[1]: 1}
    assert row(ids[0]).status == finished


def test_inside_a_transaction_recording_a_sent_mail_leaves_the_commit_setting_alone(queued):
    ids = queued(1)
    claim_chunk(ids, now=SLOT)

    record_sent(ids[0], sent_at=SLOT)

    assert (row(ids[0]).status, row(ids[0]).sent_at) == (Status.SENT, SLOT)
    assert synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("wait_for_disk", "setting"), [(False, "off"), (True, "on")])
def test_outside_a_transaction_a_sent_mail_is_recorded_in_one_statement_with_the_configured_durability(
    wait_for_disk, setting, queued, settings
):
    settings.NUDGE_SYNC_COMMIT_EACH_SEND = wait_for_disk
    ids = queued(1)
    claim_chunk(ids, now=SLOT)

    with CaptureQueriesContext(connection) as captured:
        record_sent(ids[0], sent_at=SLOT)

    assert len(captured) == 1
    assert f"set_config('synchronous_commit', '{setting}', true)" in captured[0]["sql"]
    assert (row(ids[0]).status, row(ids[0]).sent_at) == (Status.SENT, SLOT)
    assert synchronous_commit() == "on"  # the statement's own setting ended with it


def test_recording_skipped_rows_leaves_a_row_another_run_is_sending(queued):
    ids = queued(2)
    claim_chunk([ids[0]], now=SLOT)
    held_by_another_run(ids[1], since=SLOT)

    record_skipped({ids[0]: "nudges were turned off"})

    assert (row(ids[0]).status, row(ids[0]).last_error) == (Status.SKIPPED, "nudges were turned off")
    assert row(ids[1]).status == Status.SENDING


def test_handing_back_untried_rows_takes_their_attempt_back_and_leaves_another_run_s_row(queued):
    ids = queued(2)
    claim_chunk(ids, now=SLOT)

    unclaim([ids[0]])

    assert (row(ids[0]).status, row(ids[0]).attempts) == (Status.PENDING, 0)
    assert (row(ids[1]).status, row(ids[1]).attempts) == (Status.SENDING, 1)


def test_finishing_a_row_another_run_already_finished_changes_nothing(queued):
    ids = queued(1)
    claim_chunk(ids, now=SLOT)
    NudgeDelivery.objects.filter(pk=ids[0]).update(status=Status.SENT, sent_at=SLOT)

    finish(ids[0], Status.FAILED, error="refused")

    assert (row(ids[0]).status, row(ids[0]).sent_at, row(ids[0]).last_error) == (Status.SENT, SLOT, "")
