"""compute_progress: done versus expected, overdue tasks, streaks, projection."""

from datetime import date, timedelta

import pytest

from planner import TaskState, compute_progress
from tests.planner.builders import day


def state(minutes, start, due, status="todo", completed=None) -> TaskState:
    completed_on = day(completed) if completed is not None else None
    return TaskState(minutes, day(start), day(due), status, completed_on)


def progress(tasks, today, **options):
    return compute_progress(tasks, today=day(today), **options)


def test_done_and_skipped_tasks_count_as_finished_by_minutes():
    tasks = [
        state(100, 0, 0, "done", 0),
        state(50, 1, 1, "skipped", 1),
        state(50, 2, 2, "in_progress"),
    ]
    result = progress(tasks, 2)
    assert (result.minutes_done, result.minutes_total, result.percent_complete) == (150, 200, 75.0)


def test_expected_percent_counts_the_elapsed_share_of_each_tasks_days():
    tasks = [state(100, 0, 3), state(100, 4, 4)]
    # Day 1 is the end of 2 of the first task's 4 days: 50 of 200 minutes.
    assert progress(tasks, 1).expected_percent == 25.0
    assert progress(tasks, 4).expected_percent == 100.0


def test_expected_is_zero_before_the_plan_starts_and_full_after_the_last_due_date():
    tasks = [state(60, 3, 5), state(60, 6, 9)]
    assert progress(tasks, 2).expected_percent == 0.0
    assert progress(tasks, 30).expected_percent == 100.0


def test_percentages_are_rounded_to_one_decimal():
    tasks = [state(1, 0, 0, "done", 0), state(2, 0, 0)]
    assert progress(tasks, 0).percent_complete == 33.3


def half_expected(done: int) -> list[TaskState]:
    """100 minutes, half due by day 0 (so 50% expected then), ``done`` of them finished."""
    early, late = min(done, 50), max(0, done - 50)
    return [
        state(early, 0, 0, "done", 0),
        state(50 - early, 0, 0),
        state(late, 9, 9, "done", 0),
        state(50 - late, 9, 9),
    ]


@pytest.mark.parametrize(
    ("done", "expected_status"),
    [(60, "ahead"), (55, "ahead"), (54, "on_track"), (45, "on_track"), (44, "behind")],
)
def test_status_compares_done_with_expected_within_the_tolerance(done, expected_status):
    result = progress(half_expected(done), 0)
    assert (result.percent_complete, result.expected_percent) == (done, 50.0)
    assert result.status == expected_status


def test_tolerance_can_be_chosen():
    assert progress(half_expected(48), 0).status == "on_track"
    assert progress(half_expected(48), 0, tolerance_percent=1).status == "behind"


def test_a_finished_plan_is_never_behind():
    late = [state(60, 0, 0, "done", 9), state(60, 1, 1, "skipped", 9)]
    assert progress(late, 9).status == "on_track"
    early = [state(60, 5, 5, "done", 0), state(60, 6, 6, "done", 0)]
    result = progress(early, 0)
    assert (result.percent_complete, result.status) == (100.0, "ahead")


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


def test_projected_end_is_none_when_nothing_is_done():
    assert progress([state(60, 0, 5)], 3).projected_end_date is None


def test_projected_end_is_today_when_everything_is_finished():
    assert progress([state(60, 0, 5, "done", 2)], 3).projected_end_date == day(3)


def test_projected_end_follows_the_actual_pace():
    # 100 minutes in 10 days: 10 a day; 250 left -> 25 more days.
    tasks = [state(100, 0, 5, "done", 8), state(250, 6, 20)]
    assert progress(tasks, 10).projected_end_date == day(35)


def test_projected_end_rounds_up_to_a_whole_day():
    # 70 minutes in 7 days: 10 a day; 31 left -> 3.1, so 4 more days.
    tasks = [state(70, 0, 0, "done", 0), state(31, 1, 1)]
    assert progress(tasks, 7).projected_end_date == day(11)


def test_in_the_first_week_the_pace_is_measured_over_a_whole_week():
    # 60 minutes ticked on day 1 is 60 a week, not 60 a day: 420 left -> 49 more days.
    tasks = [state(60, 0, 0, "done", 1), state(420, 1, 30)]
    assert progress(tasks, 1).projected_end_date == day(50)


def test_a_pace_too_slow_to_date_projects_the_last_representable_day():
    tasks = [TaskState(1, date(2025, 1, 1), date(2025, 1, 1), "done", date(2025, 1, 1))]
    tasks.append(TaskState(10**9, date(2025, 1, 2), date(2025, 1, 3), "todo", None))
    result = compute_progress(tasks, today=date(2025, 1, 1) + timedelta(days=9000))
    assert result.projected_end_date == date.max


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


def test_an_unknown_status_is_an_input_error():
    with pytest.raises(ValueError):
        progress([state(10, 0, 0, "finished")], 0)
