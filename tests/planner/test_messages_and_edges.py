"""What the planner says when it refuses, and rules at their edges (each found by tools/mutation.py)."""

from datetime import date

import pytest

from planner import PlanDoesNotFit, ScheduledTask, TaskState, build_plan, compute_progress, replan
from planner.windows import scaled_windows
from tests.planner.builders import WEEKDAYS, day, milestone, one_phase_track, phase, request


def scheduled(task_id: int, minutes: int) -> ScheduledTask:
    return ScheduledTask(task_id, minutes, day(0), day(0), False)


def state(minutes: int, status: str = "todo") -> TaskState:
    return TaskState(minutes, day(0), day(1), status, day(0) if status == "done" else None)


def test_a_replan_past_ten_years_says_so_and_what_would_help():
    with pytest.raises(PlanDoesNotFit) as caught:
        replan([scheduled(1, 100_000)], from_date=day(7), weekly_minutes=60, study_days=WEEKDAYS)

    assert caught.value.message == (
        "At this pace the remaining tasks would take more than 10 years; add hours or study days."
    )


def test_a_replan_without_study_days_asks_for_one():
    with pytest.raises(PlanDoesNotFit) as caught:
        replan([scheduled(1, 60)], from_date=day(7), weekly_minutes=300, study_days=frozenset())

    assert (caught.value.field, caught.value.message) == ("study_days", "Pick at least one study day.")


def test_a_replan_names_the_task_with_negative_minutes():
    with pytest.raises(ValueError, match=r"^task 7 has negative minutes$"):
        replan([scheduled(7, -1)], from_date=day(7), weekly_minutes=300, study_days=WEEKDAYS)


@pytest.mark.parametrize(
    ("tasks", "day_minutes", "message"),
    [
        ([state(60)], 0, r"^day_minutes must be > 0, got 0$"),
        ([state(60), state(60, "finished")], 60, r"^task 1 has unknown status 'finished'$"),
        ([state(60), state(-1)], 60, r"^task 1 has negative minutes$"),
    ],
    ids=["day minutes", "status", "minutes"],
)
def test_progress_names_the_bad_input(tasks, day_minutes, message):
    with pytest.raises(ValueError, match=message):
        compute_progress(tasks, today=date(2026, 1, 6), day_minutes=day_minutes)


def test_progress_weighs_by_minutes_when_only_one_minute_is_estimated_in_all():
    # One minute in all, and it is finished: by minutes that is everything (capped at 99.9 while a
    # task is open); counting tasks instead would give 50%.
    tasks = [state(1, "done"), state(0)]

    assert compute_progress(tasks, today=date(2026, 1, 6), day_minutes=60).percent_complete == 99.9


def test_windows_refuse_more_phases_than_weeks_and_say_so():
    phases = [phase(order, weeks=(order, order)) for order in (1, 2, 3)]

    with pytest.raises(ValueError, match=r"^3 phases cannot each get a week out of 2$"):
        scaled_windows(phases, 2, 3)


def test_a_phase_scaled_to_the_last_week_still_leaves_one_week_to_the_phase_after_it():
    # 29 * 2 / 30 rounds to 2, but phase 2 needs a week of its own.
    phases = [phase(1, weeks=(1, 29)), phase(2, weeks=(30, 30))]

    assert [(w.start_week, w.end_week) for w in scaled_windows(phases, 2, 30)] == [(1, 1), (2, 2)]


def test_a_plan_that_would_need_more_than_every_hour_of_the_week_says_nothing_can_fit():
    spec = one_phase_track(milestone("a", minutes=200 * 60), weeks=(1, 1))

    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=600, study_days=range(1, 8), target_weeks=1))

    assert (caught.value.field, caught.value.required_weekly_minutes) == ("weekly_hours", None)
    assert caught.value.message == (
        "This plan cannot finish in 1 week even at 168 hours a week: "
        "too many days are blocked or too few are left. Allow more time or unblock days."
    )


def test_a_plan_that_needs_every_hour_of_the_week_asks_for_168_hours():
    # 167 hours a week fall short of a week of 24-hour days; 168 is the only answer left to try.
    spec = one_phase_track(milestone("a", minutes=168 * 60), weeks=(1, 1))

    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=167 * 60, study_days=range(1, 8), target_weeks=1))

    assert caught.value.required_weekly_minutes == 168 * 60
