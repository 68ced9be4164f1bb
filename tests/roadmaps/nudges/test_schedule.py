"""When nudges go out: the learner's own weekday and hour, in their zone, once a week, all year."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roadmaps.models import NudgeDelivery
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import deliveries_of, local, mails_to, nudge_learner, utc

pytestmark = pytest.mark.django_db
eager_celery, run_dispatch = nudges_data.eager_celery, nudges_data.run_dispatch

# Thursday 5 November 2026, when the learners choose their settings.
SIGN_UP = nudges_data.SIGN_UP

# Monday 9 November 2026, 08:00 on each learner's wall clock, as UTC worked out by hand.
MONDAY_8_AM = {
    "UTC": utc(2026, 11, 9, 8),
    "Europe/Paris": utc(2026, 11, 9, 7),  # CET, +1
    "America/New_York": utc(2026, 11, 9, 13),  # EST, -5
    "Asia/Kolkata": utc(2026, 11, 9, 2, 30),  # +5:30
    "Asia/Kathmandu": utc(2026, 11, 9, 2, 15),  # +5:45
    "Pacific/Kiritimati": utc(2026, 11, 8, 18),  # +14: still Sunday in UTC
    "Pacific/Pago_Pago": utc(2026, 11, 9, 19),  # -11
}


@pytest.mark.parametrize("zone", MONDAY_8_AM)
def test_a_nudge_is_due_on_the_learner_s_weekday_and_hour_in_their_zone(zone, run_dispatch):
    learner = nudge_learner(now=SIGN_UP, zone=zone, weekday=1, hour=8)
    slot = MONDAY_8_AM[zone]

    run_dispatch(slot - timedelta(minutes=1))
    assert mails_to(learner) == []

    run_dispatch(slot)
    (message,) = mails_to(learner)
    (delivery,) = deliveries_of(learner)
    assert delivery.scheduled_for == slot
    assert delivery.local_date.isoformat() == "2026-11-09"
    assert delivery.week_start.isoformat() == "2026-11-09"
    assert delivery.status == NudgeDelivery.Status.SENT


@pytest.mark.parametrize(
    ("zone", "weekday", "hour", "sign_up", "slot", "next_slot"),
    [
        # Paris springs forward on Sunday 29 March 2026 at 02:00: 02:00 does not exist,
        # the nudge goes just after the gap (03:00 CEST = 01:00 UTC).
        ("Europe/Paris", 7, 2, utc(2026, 3, 25), utc(2026, 3, 29, 1), utc(2026, 4, 5, 0)),
        # Paris falls back on Sunday 25 October 2026: 02:00 happens twice; the first counts.
        ("Europe/Paris", 7, 2, utc(2026, 10, 21), utc(2026, 10, 25, 0), utc(2026, 11, 1, 1)),
        # New York springs forward on Sunday 8 March 2026 at 02:00.
        ("America/New_York", 7, 2, utc(2026, 3, 4), utc(2026, 3, 8, 7), utc(2026, 3, 15, 6)),
        # New York falls back on Sunday 1 November 2026: 01:00 happens twice.
        ("America/New_York", 7, 1, utc(2026, 10, 28), utc(2026, 11, 1, 5), utc(2026, 11, 8, 6)),
    ],
    ids=["paris-spring", "paris-fall", "new-york-spring", "new-york-fall"],
)
def test_a_daylight_saving_week_sends_exactly_once(zone, weekday, hour, sign_up, slot, next_slot, run_dispatch):
    learner = nudge_learner(now=sign_up, zone=zone, weekday=weekday, hour=hour)

    # Every 5 minutes, as beat does, from the day before the slot to the day after.
    moment = slot - timedelta(days=1)
    while moment < slot + timedelta(days=1):
        run_dispatch(moment)
        moment += timedelta(minutes=5)

    (delivery,) = deliveries_of(learner)
    assert delivery.scheduled_for == slot
    assert len(mails_to(learner)) == 1
    learner.profile.refresh_from_db()
    assert learner.profile.next_nudge_at == next_slot


YEAR_ZONES = [
    ("Pacific/Pago_Pago", 1, 8),  # -11
    ("Asia/Kolkata", 3, 9),  # +5:30
    ("Asia/Kathmandu", 5, 18),  # +5:45
    ("Pacific/Kiritimati", 7, 0),  # +14, Sunday midnight
    ("Europe/Paris", 7, 2),  # both DST changes fall on this slot
    ("America/New_York", 7, 1),  # the fall-back hour
]


def test_a_simulated_year_sends_one_nudge_every_week_with_no_gap_or_double(run_dispatch):
    start, end = utc(2026, 1, 1), utc(2027, 1, 1)
    learners = {
        zone: nudge_learner(now=start, zone=zone, weekday=weekday, hour=hour, tasks=120)
        for zone, weekday, hour in YEAR_ZONES
    }

    moment = start
    while moment < end:
        run_dispatch(moment)
        moment += timedelta(hours=1)

    for (zone, weekday, hour), learner in zip(YEAR_ZONES, learners.values(), strict=True):
        deliveries = deliveries_of(learner)
        assert len(deliveries) in (52, 53), zone
        assert len(mails_to(learner)) == len(deliveries), zone
        weeks = [delivery.week_start for delivery in deliveries]
        assert all(b - a == timedelta(days=7) for a, b in zip(weeks, weeks[1:], strict=False)), zone
        for delivery in deliveries:
            assert delivery.status == NudgeDelivery.Status.SENT
            wall_clock = delivery.scheduled_for.astimezone(learner.profile.zone)
            assert wall_clock.isoweekday() == weekday, (zone, wall_clock)
            # The only slot off its hour is the one in a spring-forward gap.
            assert wall_clock.hour in (hour, hour + 1), (zone, wall_clock)
            # Sent on the first hourly run after the slot.
            assert timedelta(0) <= delivery.sent_at - delivery.scheduled_for < timedelta(hours=1)


def test_a_nudge_belongs_to_the_learner_s_local_week_not_utc_s(run_dispatch):
    # Monday 00:30 in Kiritimati is still Sunday in UTC, in the UTC week before.
    learner = nudge_learner(now=SIGN_UP, zone="Pacific/Kiritimati", weekday=1, hour=0)
    slot = local("Pacific/Kiritimati", 2026, 11, 9, 0)
    assert slot == utc(2026, 11, 8, 10)

    run_dispatch(slot)

    (delivery,) = deliveries_of(learner)
    assert delivery.week_start.isoformat() == "2026-11-09"
    assert len(mails_to(learner)) == 1
