"""The one rule that turns a milestone's tasks into its status, hours, dates and completion time."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.milestones import PartState, milestone_state, milestone_status

STATUSES = ["todo", "in_progress", "done", "skipped"]
DAY = date(2026, 11, 2)


def part(status, minutes=60, start=DAY, due=DAY, completed_at=None):
    return PartState(
        status=status, estimated_minutes=minutes, start_date=start, due_date=due, completed_at=completed_at
    )


def test_a_milestone_with_every_task_to_do_is_to_do():
    assert milestone_status(["todo", "todo"]) == "todo"


def test_a_milestone_with_one_task_started_is_in_progress():
    assert milestone_status(["todo", "in_progress"]) == "in_progress"


def test_a_milestone_with_some_tasks_done_and_others_to_do_is_in_progress():
    assert milestone_status(["done", "todo", "todo"]) == "in_progress"


def test_a_milestone_with_every_task_finished_and_one_done_is_done():
    assert milestone_status(["done", "skipped"]) == "done"


def test_a_milestone_with_every_task_skipped_is_skipped():
    assert milestone_status(["skipped", "skipped"]) == "skipped"


def test_a_skipped_part_alone_does_not_start_a_milestone():
    assert milestone_status(["skipped", "todo"]) == "todo"


def test_a_milestone_without_tasks_is_to_do():
    assert milestone_status([]) == "todo"


def test_skipped_tasks_leave_the_milestone_hours():
    state = milestone_state([part("done", 60), part("skipped", 120), part("todo", 30)])

    assert (state.minutes_done, state.minutes_total) == (60, 90)


def test_dates_span_the_tasks():
    state = milestone_state([part("todo", start=date(2026, 11, 3), due=date(2026, 11, 5)), part("todo", start=DAY)])

    assert (state.start_date, state.due_date) == (DAY, date(2026, 11, 5))


def test_a_done_milestone_was_completed_when_its_last_task_was_finished():
    first, last = datetime(2026, 11, 3, 9, tzinfo=UTC), datetime(2026, 11, 6, 18, tzinfo=UTC)

    state = milestone_state([part("done", completed_at=last), part("skipped", completed_at=first)])

    assert state.completed_at == last


def test_an_unfinished_milestone_has_no_completion_time():
    state = milestone_state([part("done", completed_at=datetime(2026, 11, 3, tzinfo=UTC)), part("todo")])

    assert state.completed_at is None


@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=12))
def test_the_status_is_done_or_skipped_exactly_when_every_task_is_finished(statuses):
    status = milestone_status(statuses)
    every_finished = all(s in ("done", "skipped") for s in statuses)

    assert (status in ("done", "skipped")) == every_finished
    assert status in STATUSES


@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=12))
def test_the_status_does_not_depend_on_the_order_of_the_tasks(statuses):
    assert milestone_status(statuses) == milestone_status(list(reversed(statuses)))


@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(0, 600)), max_size=12))
def test_hours_done_never_exceed_hours_total(parts):
    state = milestone_state([part(status, minutes) for status, minutes in parts])

    assert 0 <= state.minutes_done <= state.minutes_total


# --- Off by one task: none, some, all but one, all (three-task milestones) ------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["todo", "todo", "todo"], "todo"),
        (["done", "todo", "todo"], "in_progress"),
        (["done", "done", "todo"], "in_progress"),
        (["done", "done", "in_progress"], "in_progress"),
        (["done", "done", "done"], "done"),
        (["skipped", "todo", "todo"], "todo"),
        (["skipped", "skipped", "todo"], "todo"),
        (["skipped", "skipped", "in_progress"], "in_progress"),
        (["skipped", "skipped", "skipped"], "skipped"),
        (["skipped", "skipped", "done"], "done"),
        (["done", "skipped", "todo"], "in_progress"),
    ],
)
def test_a_milestone_is_finished_only_once_its_last_task_is(statuses, expected):
    assert milestone_status(statuses) == expected
    assert milestone_state([part(status) for status in statuses]).status == expected


@pytest.mark.parametrize("done", [0, 1, 2, 3])
def test_hours_done_count_each_done_task_and_no_other(done):
    statuses = ["done"] * done + ["in_progress"] + ["skipped"] * (3 - done)
    state = milestone_state([part(status, minutes=10 * (i + 1)) for i, status in enumerate(statuses)])

    assert state.minutes_done == sum(10 * (i + 1) for i in range(done))
    assert state.minutes_total == sum(10 * (i + 1) for i in range(done + 1))


def test_a_milestone_without_tasks_has_no_dates_no_hours_and_no_completion_time():
    state = milestone_state([])

    assert (state.status, state.minutes_done, state.minutes_total) == ("todo", 0, 0)
    assert (state.start_date, state.due_date, state.completed_at) == (None, None, None)


def test_a_done_milestone_whose_finished_tasks_carry_no_time_has_no_completion_time():
    assert milestone_state([part("done"), part("skipped")]).completed_at is None


def test_a_finished_task_without_a_time_does_not_hide_the_time_of_the_others():
    ticked = datetime(2026, 11, 6, 18, tzinfo=UTC)

    assert milestone_state([part("done", completed_at=ticked), part("done")]).completed_at == ticked


def test_a_skipped_milestone_has_no_completion_time_even_with_times_on_its_tasks():
    state = milestone_state([part("skipped", completed_at=datetime(2026, 11, 3, tzinfo=UTC))])

    assert (state.status, state.completed_at) == ("skipped", None)
