"""Properties of compute_progress over random task states."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner import compute_progress
from tests.planner.strategies import task_states

SETTINGS = settings(max_examples=200, deadline=None)
todays = st.dates(date(2024, 12, 1), date(2025, 12, 31))
day_minutes = st.integers(1, 600)


@SETTINGS
@given(task_states(), todays, day_minutes)
def test_progress_figures_stay_in_their_ranges(tasks, today, day_minutes):
    result = compute_progress(tasks, today=today, day_minutes=day_minutes)
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
@given(task_states(), todays, day_minutes)
def test_a_finished_plan_is_complete_and_never_behind(tasks, today, day_minutes):
    finished = [replace(t, status="done", completed_on=t.start_date) for t in tasks]
    result = compute_progress(finished, today=today, day_minutes=day_minutes)
    assert result.percent_complete == 100.0
    assert result.status in {"ahead", "on_track"}
    assert result.projected_end_date == today
    assert result.overdue_task_indexes == ()


@SETTINGS
@given(task_states(), todays)
def test_expected_progress_never_goes_down_as_days_pass(tasks, today):
    now = compute_progress(tasks, today=today, day_minutes=60).expected_percent
    later = compute_progress(tasks, today=today + timedelta(days=1), day_minutes=60).expected_percent
    assert later >= now


@SETTINGS
@given(task_states(), todays, st.data())
def test_finishing_a_task_never_lowers_percent_complete(tasks, today, data):
    open_indexes = [i for i, t in enumerate(tasks) if t.status in {"todo", "in_progress"}]
    assume(open_indexes)
    index = data.draw(st.sampled_from(open_indexes))
    finished = list(tasks)
    finished[index] = replace(tasks[index], status="done", completed_on=today)
    before = compute_progress(tasks, today=today, day_minutes=60).percent_complete
    assert compute_progress(finished, today=today, day_minutes=60).percent_complete >= before


@SETTINGS
@given(task_states(), todays, st.data())
def test_skipping_a_task_takes_it_out_of_both_done_and_total(tasks, today, data):
    assume(tasks)
    index = data.draw(st.sampled_from(range(len(tasks))))
    skipped = list(tasks)
    skipped[index] = replace(tasks[index], status="skipped", completed_on=today)
    before = compute_progress([t for i, t in enumerate(skipped) if i != index], today=today, day_minutes=60)
    after = compute_progress(skipped, today=today, day_minutes=60)
    assert (after.minutes_done, after.minutes_total, after.minutes_expected) == (
        before.minutes_done,
        before.minutes_total,
        before.minutes_expected,
    )
    assert after.minutes_skipped == before.minutes_skipped + tasks[index].estimated_minutes
