"""A milestone becomes the fewest tasks that each fit in one week."""

from planner import build_plan
from tests.planner.builders import milestone, one_phase_track, request


def test_a_milestone_bigger_than_a_week_is_split_into_the_fewest_parts():
    spec = one_phase_track(milestone("m", minutes=1000))
    tasks = build_plan(request(spec, weekly_minutes=300)).tasks
    assert len(tasks) == 4  # ceil(1000 / 300)
    assert all(task.estimated_minutes <= 300 for task in tasks)


def test_parts_differ_by_at_most_one_minute_and_sum_exactly():
    spec = one_phase_track(milestone("m", minutes=1003))
    tasks = build_plan(request(spec, weekly_minutes=300)).tasks
    assert [task.estimated_minutes for task in tasks] == [251, 251, 251, 250]


def test_split_parts_are_titled_part_i_of_k():
    spec = one_phase_track(milestone("m", minutes=900, title="Python basics"))
    tasks = build_plan(request(spec, weekly_minutes=300)).tasks
    assert [task.title for task in tasks] == [
        "Python basics (part 1 of 3)",
        "Python basics (part 2 of 3)",
        "Python basics (part 3 of 3)",
    ]
    assert [task.sequence for task in tasks] == [0, 1, 2]


def test_a_milestone_that_fits_in_a_week_keeps_its_title():
    spec = one_phase_track(milestone("m", minutes=300, title="Python basics"))
    [task] = build_plan(request(spec, weekly_minutes=300)).tasks
    assert task.title == "Python basics"


def test_every_task_carries_its_milestone_and_phase():
    spec = one_phase_track(milestone("m", minutes=90, kind="build"))
    [task] = build_plan(request(spec)).tasks
    assert (task.milestone_key, task.kind, task.phase_order, task.phase_title) == (
        "m",
        "build",
        1,
        "Phase 1",
    )
