"""Properties of plan_sessions over random plans built by build_plan."""

from collections import defaultdict
from datetime import timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner import PlanDoesNotFit, build_plan
from planner.capacity import daily_capacities
from planner.sessions import SessionTask, plan_sessions
from tests.planner.strategies import plan_requests

SETTINGS = settings(max_examples=150, deadline=None)


def _plan_or_skip(request):
    try:
        return build_plan(request)
    except PlanDoesNotFit:
        assume(False)


def _session_tasks(plan, finished_on=None):
    finished_on = finished_on or {}
    return [
        SessionTask(
            task_id=task.sequence,
            sequence=task.sequence,
            estimated_minutes=task.estimated_minutes,
            start_date=task.start_date,
            due_date=task.due_date,
            finished_on=finished_on.get(task.sequence),
        )
        for task in plan.tasks
    ]


def _sessions(request, plan, finished_on=None):
    return plan_sessions(
        _session_tasks(plan, finished_on),
        weekly_minutes=request.weekly_minutes,
        study_days=request.study_days,
        blocked_dates=request.blocked_dates,
    )


@SETTINGS
@given(plan_requests())
def test_the_sessions_of_a_task_sum_to_its_minutes_within_its_dates(request):
    plan = _plan_or_skip(request)
    sessions = _sessions(request, plan)

    minutes = defaultdict(int)
    for session in sessions:
        task = plan.tasks[session.task_id]
        assert task.start_date <= session.date <= task.due_date
        minutes[session.task_id] += session.minutes
    for task in plan.tasks:
        assert minutes[task.sequence] == task.estimated_minutes


@SETTINGS
@given(plan_requests())
def test_a_day_never_holds_more_than_its_capacity(request):
    plan = _plan_or_skip(request)
    caps = daily_capacities(request.weekly_minutes, request.study_days)
    per_day = defaultdict(int)
    for session in _sessions(request, plan):
        per_day[session.date] += session.minutes

    for day, minutes in per_day.items():
        assert minutes <= caps[day.weekday()]


@SETTINGS
@given(plan_requests())
def test_sessions_fall_on_study_days_only_and_never_on_blocked_dates(request):
    plan = _plan_or_skip(request)
    for session in _sessions(request, plan):
        assert session.date.isoweekday() in request.study_days
        assert session.date not in request.blocked_dates
        assert session.minutes > 0


@SETTINGS
@given(plan_requests())
def test_sessions_of_a_day_are_numbered_in_plan_order(request):
    plan = _plan_or_skip(request)
    by_day = defaultdict(list)
    for session in _sessions(request, plan):
        by_day[session.date].append(session)
    for sessions in by_day.values():
        assert [s.order for s in sessions] == list(range(len(sessions)))
        assert [s.task_id for s in sessions] == sorted(s.task_id for s in sessions)


@SETTINGS
@given(plan_requests(), st.data())
def test_finishing_a_task_early_drops_its_later_sessions_and_moves_nothing_else(request, data):
    plan = _plan_or_skip(request)
    assume(plan.tasks)
    task = data.draw(st.sampled_from(plan.tasks))
    finished = task.start_date + timedelta(days=data.draw(st.integers(-3, (task.due_date - task.start_date).days)))
    before = _sessions(request, plan)
    after = _sessions(request, plan, {task.sequence: finished})

    others_before = [(s.date, s.task_id, s.minutes) for s in before if s.task_id != task.sequence]
    others_after = [(s.date, s.task_id, s.minutes) for s in after if s.task_id != task.sequence]
    assert others_after == others_before
    kept = [s for s in after if s.task_id == task.sequence]
    assert all(s.date <= finished for s in kept)
    assert kept == [s for s in before if s.task_id == task.sequence and s.date <= finished]


def test_a_task_whose_days_were_taken_spills_to_later_study_days_without_exceeding_capacity():
    from datetime import date

    monday = date(2026, 11, 2)
    tasks = [
        SessionTask(task_id=1, sequence=0, estimated_minutes=60, start_date=monday, due_date=monday),
        # Stored dates that no longer fit the week: also on Monday.
        SessionTask(task_id=2, sequence=1, estimated_minutes=90, start_date=monday, due_date=monday),
    ]
    sessions = plan_sessions(tasks, weekly_minutes=300, study_days=frozenset({1, 2, 3, 4, 5}))

    assert [(s.date, s.task_id, s.minutes, s.order) for s in sessions] == [
        (monday, 1, 60, 0),
        (monday + timedelta(days=1), 2, 60, 0),
        (monday + timedelta(days=2), 2, 30, 0),
    ]


def test_tasks_finished_before_a_replan_do_not_take_the_days_of_the_repacked_ones():
    from datetime import date

    monday = date(2026, 11, 2)
    tasks = [
        # Finished on Monday (an older packing), planned Monday..Tuesday.
        SessionTask(
            task_id=1,
            sequence=0,
            estimated_minutes=120,
            start_date=monday,
            due_date=monday + timedelta(days=1),
            finished_on=monday,
            group=0,
        ),
        # Re-packed from Tuesday at a full day's capacity.
        SessionTask(
            task_id=2,
            sequence=1,
            estimated_minutes=60,
            start_date=monday + timedelta(days=1),
            due_date=monday + timedelta(days=1),
            group=1,
        ),
    ]
    sessions = plan_sessions(tasks, weekly_minutes=300, study_days=frozenset({1, 2, 3, 4, 5}))

    assert [(s.date, s.task_id, s.minutes) for s in sessions] == [
        (monday, 1, 60),
        (monday + timedelta(days=1), 2, 60),
    ]
