"""plan_sessions at its edges, one day or one minute either side of each rule.

Monday-to-Friday learners with 300 minutes a week: 60 minutes a study day, so
every boundary below is a round number of minutes on a known day.
"""

from datetime import date, timedelta

import pytest

from planner.sessions import Session, SessionTask, plan_sessions

MONDAY = date(2026, 11, 2)
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def on(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def task(task_id=1, minutes=60, start=0, due=0, *, finished=None, sequence=None, group=0) -> SessionTask:
    return SessionTask(
        task_id=task_id,
        sequence=task_id if sequence is None else sequence,
        estimated_minutes=minutes,
        start_date=on(start),
        due_date=on(due),
        finished_on=None if finished is None else on(finished),
        group=group,
    )


def sessions(*tasks, weekly_minutes=300, study_days=WEEKDAYS, blocked=()) -> list[tuple[date, int, int, int]]:
    """(date, task id, minutes, order) of each session."""
    found = plan_sessions(
        list(tasks),
        weekly_minutes=weekly_minutes,
        study_days=study_days,
        blocked_dates=frozenset(on(offset) for offset in blocked),
    )
    return [(s.date, s.task_id, s.minutes, s.order) for s in found]


# --- First and last study day of a task ---------------------------------------------------


def test_a_task_starting_on_a_study_day_has_its_first_session_that_very_day():
    assert sessions(task(start=2, due=2)) == [(on(2), 1, 60, 0)]


def test_a_task_starting_on_a_saturday_has_its_first_session_on_the_monday_after():
    assert sessions(task(start=5, due=7)) == [(on(7), 1, 60, 0)]


def test_a_task_starting_on_a_blocked_study_day_has_its_first_session_on_the_next_study_day():
    assert sessions(task(start=0, due=1), blocked=[0]) == [(on(1), 1, 60, 0)]


def test_a_task_of_exactly_one_study_days_minutes_takes_one_day():
    assert sessions(task(minutes=60)) == [(on(0), 1, 60, 0)]


def test_a_task_of_one_minute_more_than_a_study_day_spills_that_minute_to_the_next_study_day():
    assert sessions(task(minutes=61, due=1)) == [(on(0), 1, 60, 0), (on(1), 1, 1, 0)]


def test_a_friday_task_of_one_minute_more_than_a_day_ends_on_monday():
    assert sessions(task(minutes=61, start=4, due=7)) == [(on(4), 1, 60, 0), (on(7), 1, 1, 0)]


def test_the_remainder_of_the_weeks_minutes_goes_to_the_earliest_study_days():
    # 302 minutes over five days: 61, 61, 60, 60, 60.
    week = sessions(task(minutes=302, due=4), weekly_minutes=302)
    assert [minutes for _, _, minutes, _ in week] == [61, 61, 60, 60, 60]


# --- A day shared by two tasks ---------------------------------------------------------------


def test_a_day_filled_exactly_by_one_task_gives_the_next_task_nothing_that_day():
    # No zero-minute session: the second task starts the next study day.
    assert sessions(task(1, minutes=60), task(2, minutes=30, due=1)) == [(on(0), 1, 60, 0), (on(1), 2, 30, 0)]


def test_a_day_with_one_minute_left_gives_it_to_the_next_task_as_that_days_second_session():
    assert sessions(task(1, minutes=59), task(2, minutes=2, due=1)) == [
        (on(0), 1, 59, 0),
        (on(0), 2, 1, 1),
        (on(1), 2, 1, 0),
    ]


def test_sessions_of_a_day_are_numbered_in_plan_order_not_in_the_order_given():
    later, earlier = task(7, minutes=20, sequence=2), task(9, minutes=20, sequence=1)
    assert sessions(later, earlier) == [(on(0), 9, 20, 0), (on(0), 7, 20, 1)]


# --- Finished early --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finished", "kept_days"),
    [(-1, []), (0, [0]), (1, [0, 1]), (2, [0, 1, 2]), (3, [0, 1, 2])],
    ids=["the day before it started", "its first day", "its second day", "its last day", "the day after"],
)
def test_a_task_finished_on_a_day_keeps_its_sessions_up_to_and_including_that_day(finished, kept_days):
    found = sessions(task(minutes=180, due=2, finished=finished))
    assert [(d, minutes) for d, _, minutes, _ in found] == [(on(day), 60) for day in kept_days]


def test_a_task_finished_early_leaves_its_later_capacity_free_and_moves_nothing():
    found = sessions(task(1, minutes=120, due=1, finished=0), task(2, minutes=60, start=1, due=2))
    assert found == [(on(0), 1, 60, 0), (on(2), 2, 60, 0)]


def test_the_sessions_an_earlier_group_keeps_take_capacity_from_a_later_group():
    old = task(1, minutes=40, finished=0, group=0)
    repacked = task(2, minutes=40, due=1, group=1)
    assert sessions(old, repacked) == [(on(0), 1, 40, 0), (on(0), 2, 20, 1), (on(1), 2, 20, 0)]


def test_every_session_an_earlier_group_keeps_on_a_day_counts_against_a_later_group():
    old = [task(1, minutes=40, finished=0, group=0), task(2, minutes=10, finished=0, group=0)]
    repacked = task(3, minutes=20, due=1, group=1)
    assert sessions(*old, repacked) == [(on(0), 1, 40, 0), (on(0), 2, 10, 1), (on(0), 3, 10, 2), (on(1), 3, 10, 0)]


def test_sessions_an_earlier_group_dropped_after_finishing_leave_their_days_to_a_later_group():
    old = task(1, minutes=120, due=1, finished=0, group=0)  # its day 1 session is gone
    repacked = task(2, minutes=60, start=1, due=1, group=1)
    assert sessions(old, repacked) == [(on(0), 1, 60, 0), (on(1), 2, 60, 0)]


# --- The spill limit -----------------------------------------------------------------------


def test_a_task_spills_to_the_last_day_of_the_limit_and_no_further():
    every_day = frozenset(range(1, 8))
    last = 366 * 11  # a task whose dates no longer fit the week spills this many days at most
    # Every day blocked up to the limit: the one free day left is the limit's last day.
    blocked = list(range(last))
    assert sessions(task(minutes=30), study_days=every_day, weekly_minutes=7 * 60, blocked=blocked) == [
        (on(last), 1, 30, 0)
    ]
    # One more blocked day and the task finds no day at all.
    assert sessions(task(minutes=30), study_days=every_day, weekly_minutes=7 * 60, blocked=[*blocked, last]) == []


def test_a_session_is_a_dataclass_of_date_task_minutes_and_order():
    (session,) = plan_sessions([task()], weekly_minutes=300, study_days=WEEKDAYS)
    assert session == Session(date=on(0), task_id=1, minutes=60, order=0)
