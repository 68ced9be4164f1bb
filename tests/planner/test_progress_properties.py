"""Properties of compute_progress over random task states."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner import compute_progress
from tests.planner.strategies import task_states

SETTINGS = settings(max_examples=200, deadline=None)
todays = st.dates(date(2024, 12, 1), date(2025, 12, 31))
tolerances = st.floats(0, 20, allow_nan=False)


@SETTINGS
@given(task_states(), todays, tolerances)
def test_progress_figures_stay_in_their_ranges(tasks, today, tolerance):
    result = compute_progress(tasks, today=today, tolerance_percent=tolerance)
    assert 0.0 <= result.percent_complete <= 100.0
    assert 0.0 <= result.expected_percent <= 100.0
    assert result.percent_complete == round(result.percent_complete, 1)
    assert result.expected_percent == round(result.expected_percent, 1)
    assert result.status in {"ahead", "on_track", "behind"}
    assert 0 <= result.minutes_done <= result.minutes_total
    assert result.streak_weeks >= 0
    assert result.projected_end_date is None or result.projected_end_date >= today
    for index in result.overdue_task_indexes:
        assert tasks[index].status not in {"done", "skipped"} and tasks[index].due_date < today
    assert list(result.overdue_task_indexes) == sorted(set(result.overdue_task_indexes))


@SETTINGS
@given(task_states(), todays, tolerances)
def test_a_finished_plan_is_complete_and_never_behind(tasks, today, tolerance):
    finished = [replace(t, status="done", completed_on=t.start_date) for t in tasks]
    result = compute_progress(finished, today=today, tolerance_percent=tolerance)
    assert result.percent_complete == 100.0
    assert result.status in {"ahead", "on_track"}
    assert result.projected_end_date == today
    assert result.overdue_task_indexes == ()


@SETTINGS
@given(task_states(), todays)
def test_expected_progress_never_goes_down_as_days_pass(tasks, today):
    now = compute_progress(tasks, today=today).expected_percent
    later = compute_progress(tasks, today=today + timedelta(days=1)).expected_percent
    assert later >= now


@SETTINGS
@given(task_states(), todays, st.data())
def test_finishing_a_task_never_lowers_percent_complete(tasks, today, data):
    open_indexes = [i for i, t in enumerate(tasks) if t.status in {"todo", "in_progress"}]
    assume(open_indexes)
    index = data.draw(st.sampled_from(open_indexes))
    finished = list(tasks)
    finished[index] = replace(tasks[index], status="done", completed_on=today)
    before = compute_progress(tasks, today=today).percent_complete
    assert compute_progress(finished, today=today).percent_complete >= before
