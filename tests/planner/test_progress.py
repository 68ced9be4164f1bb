"""compute_progress: done versus expected, overdue tasks, streaks, projection."""

from datetime import date

import pytest

from planner import TaskState, compute_progress
from tests.planner.builders import day


def state(minutes, start, due, status="todo", completed=None) -> TaskState:
    completed_on = day(completed) if completed is not None else None
    return TaskState(minutes, day(start), day(due), status, completed_on)


DAY = 60  # one study day's minutes in these tests


def progress(tasks, today, day_minutes=DAY):
    return compute_progress(tasks, today=day(today), day_minutes=day_minutes)


def test_skipped_tasks_leave_the_plan_and_are_reported_apart():
    tasks = [
        state(100, 0, 0, "done", 0),
        state(420, 1, 1, "skipped", 1),
        state(100, 2, 2, "in_progress"),
    ]
    result = progress(tasks, 2)
    assert (result.minutes_done, result.minutes_total, result.minutes_skipped) == (100, 200, 420)
    assert result.percent_complete == 50.0


def test_expected_is_the_minutes_due_by_the_end_of_today():
    tasks = [state(100, 0, 3), state(100, 4, 4), state(50, 0, 9, "skipped", 0)]
    assert (progress(tasks, 2).minutes_expected, progress(tasks, 2).expected_percent) == (0, 0.0)
    assert (progress(tasks, 3).minutes_expected, progress(tasks, 3).expected_percent) == (100, 50.0)
    assert progress(tasks, 4).expected_percent == 100.0


def test_percentages_are_rounded_to_one_decimal():
    tasks = [state(1, 0, 0, "done", 0), state(2, 0, 0)]
    assert progress(tasks, 0).percent_complete == 33.3


def slack_of(slack: int) -> list[TaskState]:
    """300 minutes due by day 5; ``300 + slack`` minutes done (slack in -300..300)."""
    done = 300 + slack
    return [
        state(min(done, 300), 0, 5, "done", 1),
        state(300 - min(done, 300), 0, 5),
        state(max(0, done - 300), 6, 9, "done", 1),
        state(300 - max(0, done - 300), 6, 9),
    ]


@pytest.mark.parametrize(
    ("slack", "expected_status"),
    [
        (-DAY - 1, "behind"),
        (-DAY, "on_track"),
        (0, "on_track"),
        (DAY, "on_track"),
        (DAY + 1, "ahead"),
    ],
)
def test_status_is_set_by_the_slack_against_one_study_days_minutes(slack, expected_status):
    result = progress(slack_of(slack), 5)
    assert (result.minutes_expected, result.minutes_done) == (300, 300 + slack)
    assert result.status == expected_status


def test_one_study_days_minutes_sets_the_boundary():
    assert progress(slack_of(-90), 5, day_minutes=90).status == "on_track"
    assert progress(slack_of(-90), 5, day_minutes=89).status == "behind"


def test_a_finished_plan_is_never_behind():
    late = [state(60, 0, 0, "done", 9), state(60, 1, 1, "skipped", 9)]
    assert progress(late, 9).status == "on_track"
    early = [state(60, 5, 5, "done", 0), state(61, 6, 6, "done", 0)]
    result = progress(early, 0)
    assert (result.percent_complete, result.status) == (100.0, "ahead")


def test_a_plan_whose_every_task_is_skipped_is_complete():
    result = progress([state(60, 0, 0, "skipped", 0)], 0)
    assert (result.percent_complete, result.minutes_total, result.status) == (100.0, 0, "on_track")


def test_unfinished_tasks_due_before_today_are_overdue():
    tasks = [state(60, 0, 1), state(60, 0, 1, "done", 1), state(60, 2, 3), state(60, 0, 2)]
    assert progress(tasks, 3).overdue_task_indexes == (0, 3)
    assert progress(tasks, 2).overdue_task_indexes == (0,)  # due today is not overdue


def test_streak_counts_consecutive_weeks_ending_this_week():
    # day(0) is a Monday; today is day 22 (week 4).
    tasks = [state(10, 0, 0, "done", c) for c in (1, 8, 16, 22)]
    assert progress(tasks, 22).streak_weeks == 4


def test_streak_starts_from_last_week_when_nothing_is_finished_yet_this_week():
    tasks = [state(10, 0, 0, "done", c) for c in (8, 16)]
    assert progress(tasks, 22).streak_weeks == 2


def test_a_week_without_a_finished_task_breaks_the_streak():
    tasks = [state(10, 0, 0, "done", c) for c in (1, 15, 22)]
    assert progress(tasks, 22).streak_weeks == 2
    assert progress(tasks[:2], 29).streak_weeks == 0


def test_the_streak_follows_iso_weeks_not_plan_weeks():
    # Sunday then the next Monday: two ISO weeks, though only a day apart.
    tasks = [state(10, 0, 0, "done", 6), state(10, 0, 0, "skipped", 7)]
    assert progress(tasks, 7).streak_weeks == 2


def test_with_no_history_the_projected_end_is_the_plans_end():
    assert progress([state(60, 0, 5), state(60, 6, 9)], 3).projected_end_date == day(9)


def test_a_plan_that_starts_later_projects_its_own_end():
    assert progress([state(60, 10, 12, "done", 0), state(60, 13, 20)], 3).projected_end_date == day(20)


def test_a_plan_that_starts_later_projects_the_last_due_date_of_its_open_tasks_not_of_tasks_ticked_early():
    # The last task was ticked ahead of time: the plan's end is now the open task's due date.
    tasks = [state(60, 3, 6), state(60, 5, 9, "done", 0)]
    assert progress(tasks, 0).projected_end_date == day(6)


def test_between_one_and_four_weeks_the_pace_window_is_every_day_since_the_start_both_ends_counted():
    # Day 14 is the plan's 15th day: 150 minutes over 15 days, 10 a day; 300 left -> 30 more days.
    # A window one day shorter would miss day 0's work; one day longer would slow the pace.
    tasks = [state(150, 0, 2, "done", 0), state(300, 3, 20)]
    assert progress(tasks, 14).projected_end_date == day(44)


def test_projected_end_is_today_when_everything_is_finished():
    assert progress([state(60, 0, 5, "done", 2)], 3).projected_end_date == day(3)


def test_projected_end_follows_the_pace_of_the_last_four_weeks():
    # Done 40 days ago does not count; 280 minutes in the last 28 days: 10 a day; 250 left -> 25 days.
    tasks = [state(1000, 0, 5, "done", 0), state(280, 6, 20, "done", 30), state(250, 21, 60)]
    assert progress(tasks, 40).projected_end_date == day(65)


def test_the_four_week_window_starts_on_the_day_28_days_back():
    # Day 13 is the first day of the 28-day window ending on day 40; day 12 is out of it.
    inside = [state(280, 0, 5, "done", 13), state(250, 21, 60)]
    outside = [state(280, 0, 5, "done", 12), state(250, 21, 60)]
    assert progress(inside, 40).projected_end_date == day(65)
    assert progress(outside, 40).projected_end_date is None


def test_projected_end_rounds_up_to_a_whole_day():
    # 70 minutes in 7 days: 10 a day; 31 left -> 3.1, so 4 more days.
    tasks = [state(70, 0, 0, "done", 0), state(31, 1, 1)]
    assert progress(tasks, 6).projected_end_date == day(10)


def test_in_the_first_week_the_pace_is_measured_over_a_whole_week():
    # 60 minutes ticked on day 1 is 60 a week, not 60 a day: 420 left -> 49 more days.
    tasks = [state(60, 0, 0, "done", 1), state(420, 1, 30)]
    assert progress(tasks, 1).projected_end_date == day(50)


def test_a_pace_too_slow_to_date_projects_the_last_representable_day():
    today = date(9999, 1, 1)
    tasks = [TaskState(1, today, today, "done", today), TaskState(10**9, today, today, "todo", None)]
    assert compute_progress(tasks, today=today, day_minutes=60).projected_end_date == date.max


def test_an_unfinished_plan_never_shows_100_percent():
    tasks = [state(10_000, 0, 0, "done", 0), state(1, 0, 0)]
    assert progress(tasks, 0).percent_complete == 99.9


def test_an_empty_plan_counts_as_complete():
    result = progress([], 0)
    assert (result.percent_complete, result.expected_percent, result.status) == (
        100.0,
        100.0,
        "on_track",
    )
    assert result.projected_end_date == day(0)


def test_tasks_without_minutes_are_weighed_by_count():
    tasks = [state(0, 0, 0, "done", 0), state(0, 0, 0), state(0, 5, 5)]
    result = progress(tasks, 0)
    assert (result.percent_complete, result.expected_percent) == (33.3, 66.7)


def test_one_study_days_minutes_must_be_positive():
    with pytest.raises(ValueError):
        progress([], 0, day_minutes=0)


def test_an_unknown_status_is_an_input_error():
    with pytest.raises(ValueError):
        progress([state(10, 0, 0, "finished")], 0)
