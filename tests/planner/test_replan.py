"""replan: finished tasks stay, unfinished ones are packed again from a date."""

import pytest

from planner import PlanDoesNotFit, ScheduledTask, TaskMove, replan
from tests.planner.builders import WEEKDAYS, day

# 300 minutes over Monday..Friday: 60 a day.
WEEKLY = 300


def task(task_id, minutes, start, due, finished=False) -> ScheduledTask:
    return ScheduledTask(task_id, minutes, day(start), day(due), finished)


def run(tasks, from_day=7, **options):
    options.setdefault("weekly_minutes", WEEKLY)
    options.setdefault("study_days", WEEKDAYS)
    return replan(tasks, from_date=day(from_day), **options)


def test_finished_tasks_keep_their_dates():
    done = task(1, 60, 0, 0, finished=True)
    result = run([done, task(2, 60, 1, 1)])
    assert result.tasks[0] == TaskMove(1, day(0), day(0))


def test_unfinished_tasks_are_repacked_in_order_from_the_from_date():
    tasks = [task(1, 90, 1, 2), task(2, 60, 2, 3), task(3, 30, 3, 3)]
    result = run(tasks, from_day=9)  # a Wednesday
    assert [(m.start_date, m.due_date) for m in result.tasks] == [
        (day(9), day(10)),
        (day(10), day(11)),
        (day(11), day(11)),
    ]


def test_finished_tasks_do_not_use_the_repacked_capacity():
    tasks = [task(1, 60, 7, 7, finished=True), task(2, 60, 1, 1)]
    result = run(tasks, from_day=7)
    assert result.tasks[1] == TaskMove(2, day(7), day(7))


def test_nothing_is_repacked_onto_a_blocked_or_non_study_day():
    result = run([task(1, 120, 0, 1)], from_day=5, blocked_dates=frozenset({day(7)}))
    # Saturday and Sunday are not study days, Monday is blocked.
    assert result.tasks[0] == TaskMove(1, day(8), day(9))


def test_a_task_bigger_than_a_week_spans_several_weeks():
    result = run([task(1, 700, 0, 4)], from_day=7)
    # 700 minutes at 60 a day: 12 study days, Monday of the third week plus one.
    assert result.tasks[0] == TaskMove(1, day(7), day(7 + 14 + 1))


def test_only_tasks_whose_dates_changed_are_reported_as_moved():
    tasks = [task(1, 60, 0, 0, finished=True), task(2, 60, 7, 7), task(3, 60, 3, 3)]
    result = run(tasks, from_day=7)
    assert result.moved_task_ids == (3,)


def test_end_date_is_the_latest_due_date_including_finished_tasks():
    tasks = [task(1, 60, 40, 40, finished=True), task(2, 60, 1, 1)]
    assert run(tasks, from_day=7).end_date == day(40)
    assert run(tasks[1:], from_day=7).end_date == day(7)


def test_an_empty_replan_ends_on_the_from_date():
    result = run([], from_day=3)
    assert result == type(result)(tasks=(), moved_task_ids=(), end_date=day(3))


def test_a_zero_minute_task_lands_on_the_next_day_with_capacity_left():
    tasks = [task(1, 60, 0, 0), task(2, 0, 0, 0), task(3, 30, 0, 0)]
    result = run(tasks, from_day=7)
    assert [(m.start_date, m.due_date) for m in result.tasks] == [
        (day(7), day(7)),
        (day(8), day(8)),
        (day(8), day(8)),
    ]


def test_replan_without_study_days_does_not_fit():
    with pytest.raises(PlanDoesNotFit) as caught:
        run([task(1, 60, 0, 0)], study_days=frozenset())
    assert caught.value.field == "study_days"


def test_replan_with_no_weekly_minutes_is_an_input_error():
    with pytest.raises(ValueError):
        run([task(1, 60, 0, 0)], weekly_minutes=0)


def test_replan_past_ten_years_does_not_fit():
    with pytest.raises(PlanDoesNotFit) as caught:
        run([task(1, 100_000, 0, 0)], weekly_minutes=60)
    assert caught.value.field == "weekly_hours"
    assert caught.value.required_weekly_minutes is None
