"""The dispatch: who gets this week's nudge, once, whatever happens around it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile
from accounts.services import profile_update
from config import celery_app
from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import dispatch_due_nudges, requeue_stalled_deliveries, send_nudge_batch
from roadmaps.nudges.dispatch import FINISHED_WINDOW, save_slots
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import (
    deliveries_of,
    mails_to,
    nudge_learner,
    refresh_profile,
    roadmap_for,
    utc,
)

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch

SIGN_UP = utc(2026, 11, 5, 12)  # a Thursday
MONDAY_8 = utc(2026, 11, 9, 8)  # the slot of a UTC learner with the default Monday 08:00
NEXT_MONDAY_8 = MONDAY_8 + timedelta(weeks=1)


@pytest.fixture(autouse=True)
def signed_up(time_machine):
    """Rows made by the test carry the time of the story, not today's."""
    time_machine.move_to(SIGN_UP, tick=False)


def test_a_dispatch_that_runs_twice_sends_one_mail(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)

    first = run_dispatch(MONDAY_8)
    second = run_dispatch(MONDAY_8)

    assert (first.queued, second.queued) == (1, 0)
    assert len(mails_to(learner)) == 1
    assert refresh_profile(learner).next_nudge_at == NEXT_MONDAY_8


def test_the_beat_entry_runs_the_dispatch_and_its_sends(
    eager_celery, django_capture_on_commit_callbacks, time_machine, settings
):
    learner = nudge_learner(now=SIGN_UP)
    time_machine.move_to(MONDAY_8, tick=False)
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-due-nudges"]
    celery_app.loader.import_default_modules()  # task autodiscovery, as a worker does

    with django_capture_on_commit_callbacks(execute=True):
        queued = celery_app.tasks[entry["task"]].apply().get()

    assert queued == 1
    assert len(mails_to(learner)) == 1


def test_a_dispatch_sends_nothing_before_the_slot(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)

    run_dispatch(MONDAY_8 - timedelta(seconds=1))

    assert mails_to(learner) == []
    assert refresh_profile(learner).next_nudge_at == MONDAY_8


def test_a_new_slot_later_the_same_week_sends_no_second_mail(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)
    run_dispatch(MONDAY_8)
    profile = profile_update(profile=refresh_profile(learner), now=MONDAY_8 + timedelta(hours=1), nudge_weekday=3)
    wednesday_8 = MONDAY_8 + timedelta(days=2)
    assert profile.next_nudge_at == wednesday_8

    run_dispatch(wednesday_8)

    assert len(mails_to(learner)) == 1
    assert len(deliveries_of(learner)) == 1
    assert refresh_profile(learner).next_nudge_at == wednesday_8 + timedelta(weeks=1)
    run_dispatch(wednesday_8 + timedelta(weeks=1))
    assert len(mails_to(learner)) == 2


def test_nudges_turned_off_and_on_again_the_same_week_send_no_second_mail(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)
    run_dispatch(MONDAY_8)
    later = MONDAY_8 + timedelta(hours=1)
    profile_update(profile=refresh_profile(learner), now=later, nudges_enabled=False)
    profile = profile_update(profile=refresh_profile(learner), now=later, nudges_enabled=True, nudge_hour=12)
    assert profile.next_nudge_at == MONDAY_8 + timedelta(hours=4)

    result = run_dispatch(MONDAY_8 + timedelta(hours=4))

    assert result.queued == 0
    assert len(mails_to(learner)) == 1
    assert refresh_profile(learner).next_nudge_at == NEXT_MONDAY_8 + timedelta(hours=4)


def test_a_learner_without_an_active_roadmap_gets_no_nudge_but_keeps_their_slot(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap_for(learner, status=Roadmap.Status.ARCHIVED)

    result = run_dispatch(MONDAY_8)

    assert result.not_eligible == 1
    assert mails_to(learner) == []
    assert deliveries_of(learner) == []
    assert refresh_profile(learner).next_nudge_at == NEXT_MONDAY_8


def test_a_learner_who_turned_nudges_off_gets_none(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)
    profile_update(profile=refresh_profile(learner), now=SIGN_UP, nudges_enabled=False)

    run_dispatch(MONDAY_8)

    assert mails_to(learner) == []
    assert refresh_profile(learner).next_nudge_at is None


def test_a_deactivated_account_gets_no_nudge(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, is_active=False)

    result = run_dispatch(MONDAY_8)

    assert result.not_eligible == 1
    assert mails_to(learner) == []
    assert deliveries_of(learner) == []


def test_a_stale_slot_of_a_learner_with_nudges_off_is_cleared_without_a_mail(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, enabled=False)
    learner.profile.next_nudge_at = MONDAY_8  # written by hand, bypassing the profile service
    learner.profile.save()

    run_dispatch(MONDAY_8)

    assert mails_to(learner) == []
    assert refresh_profile(learner).next_nudge_at is None


def test_a_slot_missed_by_more_than_the_grace_period_is_skipped_not_sent(run_dispatch, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)

    result = run_dispatch(MONDAY_8 + timedelta(hours=25))

    assert result.skipped == 1
    (delivery,) = deliveries_of(learner)
    assert delivery.status == NudgeDelivery.Status.SKIPPED
    assert delivery.last_error == "missed by more than the grace period"
    assert mails_to(learner) == []
    assert refresh_profile(learner).next_nudge_at == NEXT_MONDAY_8


def test_downtime_shorter_than_the_grace_period_still_sends_that_week_s_nudge(run_dispatch, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)

    run_dispatch(MONDAY_8 + timedelta(hours=23))

    (delivery,) = deliveries_of(learner)
    assert (delivery.status, delivery.last_error) == (NudgeDelivery.Status.SENT, "")
    assert delivery.scheduled_for == MONDAY_8
    assert delivery.week_start.isoformat() == "2026-11-09"
    assert len(mails_to(learner)) == 1


def test_after_an_outage_of_weeks_only_this_week_s_nudge_is_sent(run_dispatch):
    learner = nudge_learner(now=SIGN_UP)

    run_dispatch(MONDAY_8 + timedelta(weeks=2, hours=2))

    (delivery,) = deliveries_of(learner)
    assert delivery.scheduled_for == MONDAY_8 + timedelta(weeks=2)
    assert len(mails_to(learner)) == 1
    assert refresh_profile(learner).next_nudge_at == MONDAY_8 + timedelta(weeks=3)


def test_a_rolled_back_dispatch_queues_nothing_and_changes_nothing(eager_celery, django_capture_on_commit_callbacks):
    learner = nudge_learner(now=SIGN_UP)
    queued = []

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort), transaction.atomic():
        dispatch_due_nudges(now=MONDAY_8, enqueue=queued.extend)
        assert NudgeDelivery.objects.count() == 1  # made, then rolled back
        raise Abort

    assert callbacks == []
    assert queued == []
    assert NudgeDelivery.objects.count() == 0
    assert refresh_profile(learner).next_nudge_at == MONDAY_8


def test_jobs_are_queued_only_after_the_batch_commits(django_capture_on_commit_callbacks):
    nudge_learner(now=SIGN_UP)
    queued = []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch_due_nudges(now=MONDAY_8, enqueue=queued.extend)
        assert queued == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == list(NudgeDelivery.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("learners", [1, 50])
def test_a_dispatch_batch_takes_the_same_queries_for_one_or_fifty_learners(learners, django_assert_num_queries):
    for _ in range(learners):
        nudge_learner(now=SIGN_UP)
    queued = []

    # Savepoint, lock the due profiles, their roadmaps, insert the deliveries (answering
    # the new ids), move the slots on, release.
    with django_assert_num_queries(6):
        result = dispatch_due_nudges(now=MONDAY_8, batch_size=100, enqueue=queued.extend)

    assert result.queued == learners == NudgeDelivery.objects.count()


def test_a_dispatch_holds_one_batch_at_a_time(django_capture_on_commit_callbacks):
    for _ in range(25):
        nudge_learner(now=SIGN_UP)
    queued = []

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due_nudges(now=MONDAY_8, batch_size=10, enqueue=queued.extend)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 3 == result.batches
    assert all("LIMIT 10" in sql and "SKIP LOCKED" in sql for sql in locks)
    assert sorted(queued) == sorted(NudgeDelivery.objects.values_list("pk", flat=True))
    assert len(queued) == 25


def test_a_nudge_queued_before_the_learner_turned_nudges_off_is_not_sent(
    django_capture_on_commit_callbacks,
):
    learner = nudge_learner(now=SIGN_UP)
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_nudges(now=MONDAY_8, enqueue=queued.extend)
    profile_update(profile=refresh_profile(learner), now=MONDAY_8, nudges_enabled=False)

    result = send_nudge_batch(queued, clock=lambda: MONDAY_8)

    assert result.skipped == 1
    assert mails_to(learner) == []
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SKIPPED


# --- The recovery sweep -----------------------------------------------------------------


def pending_delivery(learner, *, created_at, status=NudgeDelivery.Status.PENDING, claimed_at=None):
    roadmap = learner.roadmaps.get()
    delivery = NudgeDelivery.objects.create(
        user=learner,
        roadmap=roadmap,
        week_start=MONDAY_8.date(),
        scheduled_for=MONDAY_8,
        local_date=MONDAY_8.date(),
        status=status,
        claimed_at=claimed_at,
    )
    NudgeDelivery.objects.filter(pk=delivery.pk).update(created_at=created_at)
    return delivery


def test_a_delivery_whose_job_was_lost_is_queued_again_and_sent_once(
    eager_celery, django_capture_on_commit_callbacks, time_machine
):
    learner = nudge_learner(now=SIGN_UP)
    pending_delivery(learner, created_at=MONDAY_8)
    later = MONDAY_8 + timedelta(hours=2)
    time_machine.move_to(later, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        first = requeue_stalled_deliveries(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        second = requeue_stalled_deliveries(now=later)

    assert (first, second) == (1, 0)
    assert len(mails_to(learner)) == 1
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SENT


def test_a_delivery_waiting_for_its_job_is_left_alone(django_capture_on_commit_callbacks):
    learner = nudge_learner(now=SIGN_UP)
    pending_delivery(learner, created_at=MONDAY_8)
    queued = []

    with django_capture_on_commit_callbacks(execute=True):
        requeue_stalled_deliveries(now=MONDAY_8 + timedelta(minutes=10), enqueue=queued.extend)

    assert queued == []


def test_a_delivery_stuck_in_sending_past_its_lease_is_sent_again(
    eager_celery, django_capture_on_commit_callbacks, time_machine, settings
):
    settings.NUDGE_SEND_LEASE_MINUTES = 15
    learner = nudge_learner(now=SIGN_UP)
    # A worker claimed it and died before it could say how the send went.
    pending_delivery(learner, created_at=MONDAY_8, status=NudgeDelivery.Status.SENDING, claimed_at=MONDAY_8)
    later = MONDAY_8 + timedelta(minutes=16)
    time_machine.move_to(later, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stalled_deliveries(now=later) == 1

    assert len(mails_to(learner)) == 1
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SENT


def test_a_stalled_delivery_past_the_grace_period_is_skipped_not_sent_late(
    eager_celery, django_capture_on_commit_callbacks, time_machine, settings
):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)
    pending_delivery(learner, created_at=MONDAY_8)
    much_later = MONDAY_8 + timedelta(days=2)
    time_machine.move_to(much_later, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        requeue_stalled_deliveries(now=much_later)

    assert mails_to(learner) == []
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SKIPPED


# --- The "you finished" nudge -------------------------------------------------------------


def test_a_roadmap_finished_during_the_week_gets_one_last_nudge_and_then_none(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap_for(learner, status=Roadmap.Status.COMPLETED)  # completed on SIGN_UP

    run_dispatch(MONDAY_8)
    run_dispatch(NEXT_MONDAY_8)
    run_dispatch(NEXT_MONDAY_8 + timedelta(weeks=1))

    assert len(mails_to(learner)) == 1
    assert [d.week_start.isoformat() for d in deliveries_of(learner)] == ["2026-11-09"]


def test_a_roadmap_finished_long_ago_gets_no_nudge(run_dispatch, time_machine):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    time_machine.move_to(SIGN_UP - timedelta(days=30), tick=False)
    roadmap_for(learner, status=Roadmap.Status.COMPLETED)

    run_dispatch(MONDAY_8)

    assert mails_to(learner) == []


# --- Boundaries, to the second ----------------------------------------------------------


def test_a_slot_missed_by_exactly_the_grace_period_is_still_sent(run_dispatch, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)

    result = run_dispatch(MONDAY_8 + timedelta(hours=24))

    assert (result.queued, result.skipped) == (1, 0)
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SENT
    assert len(mails_to(learner)) == 1


def test_a_slot_missed_by_the_grace_period_and_one_second_is_skipped(run_dispatch, settings):
    settings.NUDGE_GRACE_HOURS = 24
    learner = nudge_learner(now=SIGN_UP)

    result = run_dispatch(MONDAY_8 + timedelta(hours=24, seconds=1))

    assert (result.queued, result.skipped) == (0, 1)
    assert deliveries_of(learner)[0].status == NudgeDelivery.Status.SKIPPED
    assert mails_to(learner) == []


def finished_roadmap(learner, *, completed_at):
    roadmap = roadmap_for(learner, status=Roadmap.Status.COMPLETED)
    Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=completed_at)
    return roadmap


def test_a_roadmap_finished_exactly_the_window_before_the_slot_still_gets_its_last_nudge(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    roadmap = finished_roadmap(learner, completed_at=MONDAY_8 - FINISHED_WINDOW)

    run_dispatch(MONDAY_8)

    assert [d.roadmap_id for d in deliveries_of(learner)] == [roadmap.pk]
    assert len(mails_to(learner)) == 1


def test_a_roadmap_finished_one_second_before_the_window_gets_no_nudge(run_dispatch):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    finished_roadmap(learner, completed_at=MONDAY_8 - FINISHED_WINDOW - timedelta(seconds=1))

    run_dispatch(MONDAY_8)

    assert deliveries_of(learner) == []
    assert mails_to(learner) == []


@pytest.mark.parametrize("newest_made_first", [False, True], ids=["newest-has-higher-id", "newest-has-lower-id"])
def test_a_learner_with_several_active_roadmaps_is_nudged_about_the_newest(run_dispatch, newest_made_first):
    learner = nudge_learner(now=SIGN_UP, roadmap=False)
    first, second = roadmap_for(learner), roadmap_for(learner)
    newest, oldest = (first, second) if newest_made_first else (second, first)
    Roadmap.objects.filter(pk=oldest.pk).update(created_at=SIGN_UP - timedelta(days=30))
    Roadmap.objects.filter(pk=newest.pk).update(created_at=SIGN_UP - timedelta(days=1))

    run_dispatch(MONDAY_8)

    assert [d.roadmap_id for d in deliveries_of(learner)] == [newest.pk]


def test_each_learner_not_eligible_is_counted(run_dispatch):
    nudge_learner(now=SIGN_UP, is_active=False), nudge_learner(now=SIGN_UP, is_active=False)

    assert run_dispatch(MONDAY_8).not_eligible == 2


def test_a_learner_with_a_broken_time_zone_is_logged_by_profile_and_does_not_hold_up_the_others(run_dispatch, caplog):
    broken, fine = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    Profile.objects.filter(user=broken).update(timezone="Nowhere/Atlantis")  # bypassing validation

    run_dispatch(MONDAY_8)

    assert f"nudges stopped for profile {broken.profile.pk}: bad schedule" in caplog.text
    assert refresh_profile(broken).next_nudge_at is None
    assert len(mails_to(fine)) == 1


def test_slots_are_saved_the_embedded_database_s_way_for_the_given_profiles_only():
    moved, kept = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    profile = refresh_profile(moved)
    profile.next_nudge_at = NEXT_MONDAY_8

    save_slots([profile])

    assert refresh_profile(moved).next_nudge_at == NEXT_MONDAY_8
    assert refresh_profile(kept).next_nudge_at == MONDAY_8


def test_an_untried_row_already_there_for_the_week_is_queued_again_by_the_next_dispatch(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    learners = [nudge_learner(now=SIGN_UP) for _ in range(2)]
    first_queued = []
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_nudges(now=MONDAY_8, enqueue=first_queued.extend)  # its jobs are lost
    Profile.objects.filter(user=learners[0]).update(next_nudge_at=MONDAY_8)  # due again the same week
    nudge_learner(now=SIGN_UP)  # and a learner due for the first time
    queued = []

    # The insert answers only the new row: one more query finds the one that was there.
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(7):
        dispatch_due_nudges(now=MONDAY_8 + timedelta(minutes=5), enqueue=queued.extend)

    first = NudgeDelivery.objects.get(user=learners[0])
    assert first.pk in first_queued
    assert sorted(queued) == sorted([first.pk, NudgeDelivery.objects.exclude(pk__in=first_queued).get().pk])
    assert NudgeDelivery.objects.count() == 3
