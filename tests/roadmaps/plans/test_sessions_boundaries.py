"""study_sessions at its edges: the range's first and last day, the study time near
midnight and across daylight-saving changes, and the local day a task was finished on.

Roadmaps of 5 h a week, Monday to Friday: 60 minutes a study day.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from roadmaps.plans.sessions import study_sessions
from tests.factories import RoadmapFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)


def learner(zone="UTC", study_time=time(18, 0)):
    user = UserFactory(profile__timezone=zone)
    user.profile.study_time = study_time
    user.profile.save()
    return user


def roadmap_of(user, *, start=MONDAY, minutes=(120,), **fields):
    """A roadmap with one task per entry of ``minutes``, all starting on ``start``."""
    roadmap = RoadmapFactory(user=user, start_date=start, weekly_hours=5, study_days=[1, 2, 3, 4, 5], **fields)
    for sequence, task_minutes in enumerate(minutes, start=1):
        TaskFactory(
            roadmap=roadmap, sequence=sequence, estimated_minutes=task_minutes, start_date=start, due_date=start
        )
    return roadmap


def days_of(sessions) -> list[tuple[date, int]]:
    return [(session.date, session.minutes) for session in sessions]


# --- The range ---------------------------------------------------------------------------------


def test_a_one_day_range_holds_exactly_that_days_sessions():
    roadmap = roadmap_of(learner(), minutes=(180,))  # Monday, Tuesday, Wednesday
    tuesday = MONDAY + timedelta(days=1)

    assert days_of(study_sessions([roadmap.pk], tuesday, tuesday)) == [(tuesday, 60)]


def test_the_range_includes_its_first_and_last_day_and_nothing_either_side():
    roadmap = roadmap_of(learner(), minutes=(300,))  # Monday to Friday
    first, last = MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)

    assert [day for day, _ in days_of(study_sessions([roadmap.pk], first, last))] == [
        first,
        first + timedelta(days=1),
        last,
    ]


def test_a_range_ending_the_day_before_the_first_session_is_empty():
    roadmap = roadmap_of(learner(), minutes=(60,))

    assert study_sessions([roadmap.pk], MONDAY - timedelta(days=7), MONDAY - timedelta(days=1)) == []


# --- The study time -----------------------------------------------------------------------------


def test_a_session_starting_late_in_the_evening_ends_after_midnight_but_keeps_its_day():
    zone = ZoneInfo("Europe/Paris")
    roadmap = roadmap_of(learner("Europe/Paris", time(23, 30)), minutes=(60,))

    (session,) = study_sessions([roadmap.pk], MONDAY, MONDAY)

    assert session.date == MONDAY
    assert (session.start, session.end) == (
        datetime(2026, 11, 2, 23, 30, tzinfo=zone),
        datetime(2026, 11, 3, 0, 30, tzinfo=zone),
    )


def test_a_study_time_of_midnight_starts_the_session_at_the_start_of_its_day():
    roadmap = roadmap_of(learner("Asia/Tokyo", time(0, 0)), minutes=(60,))

    (session,) = study_sessions([roadmap.pk], MONDAY, MONDAY)

    assert session.start == datetime(2026, 11, 2, 0, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert session.start.utcoffset() == timedelta(hours=9)


def test_the_second_session_of_a_day_starts_the_minute_the_first_ends_across_roadmaps():
    user = learner("UTC", time(18, 0))
    first = roadmap_of(user, minutes=(45,))
    second = roadmap_of(user, minutes=(30,))

    sessions = study_sessions([second.pk, first.pk], MONDAY, MONDAY)

    assert [(s.roadmap_id, s.start.time(), s.end.time()) for s in sessions] == [
        (first.pk, time(18, 0), time(18, 45)),
        (second.pk, time(18, 45), time(19, 15)),
    ]


def test_a_study_time_skipped_by_the_spring_change_starts_just_after_the_gap():
    sunday = date(2026, 3, 29)  # clocks went from 02:00 to 03:00
    roadmap = RoadmapFactory(
        user=learner("Europe/Paris", time(2, 30)), start_date=sunday, weekly_hours=7, study_days=list(range(1, 8))
    )
    TaskFactory(roadmap=roadmap, sequence=1, estimated_minutes=60, start_date=sunday, due_date=sunday)

    (session,) = study_sessions([roadmap.pk], sunday, sunday)

    assert (session.start.hour, session.start.minute, session.start.utcoffset()) == (3, 30, timedelta(hours=2))
    assert session.end - session.start == timedelta(minutes=60)


def test_an_hour_long_session_over_the_autumn_change_ends_at_the_same_wall_clock_time():
    sunday = date(2026, 10, 25)  # clocks went from 03:00 back to 02:00
    roadmap = RoadmapFactory(
        user=learner("Europe/Paris", time(2, 30)), start_date=sunday, weekly_hours=7, study_days=list(range(1, 8))
    )
    TaskFactory(roadmap=roadmap, sequence=1, estimated_minutes=60, start_date=sunday, due_date=sunday)

    (session,) = study_sessions([roadmap.pk], sunday, sunday)

    # The first 02:30 (summer time), then sixty real minutes later: the second 02:30.
    assert (session.start.time(), session.start.utcoffset()) == (time(2, 30), timedelta(hours=2))
    assert (session.end.time(), session.end.utcoffset()) == (time(2, 30), timedelta(hours=1))


# --- The local day a task was finished on ---------------------------------------------------------


@pytest.mark.parametrize(
    ("completed_at_utc", "kept_days"),
    [
        # 23:59 on Tuesday in New York is Wednesday 04:59 in UTC: Tuesday's session stays, Wednesday's goes.
        (datetime(2026, 11, 4, 4, 59), 2),
        # 00:00 on Wednesday in New York: Wednesday's session stays too.
        (datetime(2026, 11, 4, 5, 0), 3),
    ],
)
def test_a_task_finished_keeps_its_sessions_up_to_the_learners_local_day_of_finishing(completed_at_utc, kept_days):
    zone = "America/New_York"
    roadmap = roadmap_of(learner(zone), minutes=(300,))  # Monday to Friday
    roadmap.tasks.update(status="done", completed_at=completed_at_utc.replace(tzinfo=ZoneInfo("UTC")))

    sessions = study_sessions([roadmap.pk], MONDAY, MONDAY + timedelta(days=6))

    assert [day for day, _ in days_of(sessions)] == [MONDAY + timedelta(days=n) for n in range(kept_days)]
