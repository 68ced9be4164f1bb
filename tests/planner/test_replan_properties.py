"""Properties of replan over random plans, dates and learner weeks."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from planner import PlanDoesNotFit, replan
from tests.planner.invariants import (
    Capacity,
    assert_in_order,
    assert_spans_are_tight,
    assert_spans_fit,
    assert_weeks_within_capacity,
    ten_years_after,
)
from tests.planner.strategies import scheduled_tasks, study_days, weekly_minutes

SETTINGS = settings(max_examples=200, deadline=None)
FROM_DATES = st.dates(date(2025, 1, 1), date(2026, 3, 31))
BLOCKED_OFFSETS = st.frozensets(st.integers(-10, 120), max_size=20)


@st.composite
def replans(draw):
    from_date = draw(FROM_DATES)
    options = {
        "from_date": from_date,
        "weekly_minutes": draw(weekly_minutes),
        "study_days": draw(study_days),
        "blocked_dates": frozenset(from_date + timedelta(days=d) for d in draw(BLOCKED_OFFSETS)),
    }
    return draw(scheduled_tasks()), options


@SETTINGS
@given(replans())
def test_replan_keeps_finished_tasks_and_repacks_the_rest_from_the_date(case):
    tasks, options = case
    capacity = Capacity(options["weekly_minutes"], options["study_days"], options["blocked_dates"])
    unfinished_minutes = sum(t.estimated_minutes for t in tasks if not t.finished)
    try:
        result = replan(tasks, **options)
    except PlanDoesNotFit as error:
        ten_years = capacity.between(options["from_date"], ten_years_after(options["from_date"]))
        assert error.field == "weekly_hours" and unfinished_minutes > ten_years
        return
    assert [move.task_id for move in result.tasks] == [task.task_id for task in tasks]
    repacked = []
    for task, move in zip(tasks, result.tasks, strict=True):
        if task.finished:
            assert (move.start_date, move.due_date) == (task.start_date, task.due_date)
        else:
            assert move.start_date >= options["from_date"]
            assert capacity.on(move.start_date) > 0 and capacity.on(move.due_date) > 0
            repacked.append((task.estimated_minutes, move.start_date, move.due_date))
    assert_in_order(repacked)
    assert_spans_fit(repacked, capacity)
    assert_spans_are_tight([span for span in repacked if span[0] > 0], capacity)
    assert_weeks_within_capacity(repacked, options["from_date"], options["weekly_minutes"])
    changed = [
        t.task_id
        for t, m in zip(tasks, result.tasks, strict=True)
        if (t.start_date, t.due_date) != (m.start_date, m.due_date)
    ]
    assert list(result.moved_task_ids) == changed
    assert result.end_date == max((m.due_date for m in result.tasks), default=options["from_date"])
    assert replan(tasks, **options) == result
