"""What the learner already knows skips or shortens milestones."""

from planner import build_plan
from tests.planner.builders import MONDAY, milestone, one_phase_track, request


def test_a_milestone_whose_skills_are_all_known_is_skipped():
    spec = one_phase_track(
        milestone("data-basics", skills=["python", "pandas-numpy"], title="Data basics"),
        milestone("ml"),
    )
    plan = build_plan(request(spec, known=["python", "pandas-numpy", "docker"]))
    assert [task.milestone_key for task in plan.tasks] == ["ml"]
    [skipped] = plan.skipped
    assert skipped.milestone_key == "data-basics"
    assert skipped.title == "Data basics"
    assert skipped.reason == "Skipped: you already know python, pandas-numpy"


def test_a_milestone_with_some_skills_known_is_shortened_proportionally():
    spec = one_phase_track(milestone("m", minutes=301, skills=["python", "sql", "git"]))
    [task] = build_plan(request(spec, known=["python"])).tasks
    # ceil(301 * 2 / 3) = ceil(200.67)
    assert task.estimated_minutes == 201


def test_a_shortened_milestone_keeps_at_least_30_minutes():
    spec = one_phase_track(milestone("m", minutes=40, skills=["python", "sql", "git", "docker"]))
    [task] = build_plan(request(spec, known=["python", "sql", "git"])).tasks
    assert task.estimated_minutes == 30


def test_a_milestone_under_30_minutes_is_not_lengthened_by_shortening():
    spec = one_phase_track(milestone("m", minutes=20, skills=["python", "sql"]))
    [task] = build_plan(request(spec, known=["python"])).tasks
    assert task.estimated_minutes == 20
    assert task.note == ""  # nothing was cut, so it does not claim to be shortened


def test_the_note_names_the_known_skills_that_shortened_it():
    spec = one_phase_track(
        milestone("m", minutes=1200, skills=["python", "statistics", "sql"]),
    )
    tasks = build_plan(request(spec, weekly_minutes=300, known=["sql", "python"])).tasks
    assert sum(task.estimated_minutes for task in tasks) == 400
    assert {task.note for task in tasks} == {"Shortened: you already know python, sql"}


def test_a_milestone_without_skills_is_never_skipped_or_shortened():
    spec = one_phase_track(milestone("m", minutes=90))
    [task] = build_plan(request(spec, known=["python"])).tasks
    assert (task.estimated_minutes, task.note) == (90, "")


def test_skipped_milestones_are_listed_in_plan_order():
    spec = one_phase_track(
        milestone("b", skills=["sql"], prerequisites=["a"]),
        milestone("a", skills=["python"]),
        milestone("c", skills=["git"]),
    )
    plan = build_plan(request(spec, known=["python", "sql", "git"]))
    assert [s.milestone_key for s in plan.skipped] == ["a", "b", "c"]


def test_a_track_whose_skills_are_all_known_gives_an_empty_plan_ending_on_the_start_date():
    spec = one_phase_track(milestone("a", skills=["python"]))
    plan = build_plan(request(spec, known=["python"]))
    assert plan.tasks == ()
    assert plan.end_date == MONDAY
    assert plan.total_minutes == 0
