"""No idle weeks, explicit buffers, and creating vs re-planning: properties over random plans."""

from hypothesis import assume, given, settings

from planner import PlanDoesNotFit, ScheduledTask, build_plan, replan
from planner.capacity import daily_capacities
from tests.planner.strategies import plan_requests

SETTINGS = settings(max_examples=200, deadline=None)


def _plan_or_skip(request):
    try:
        return build_plan(request)
    except PlanDoesNotFit:
        assume(False)


def _scheduled(tasks, finished=frozenset()):
    return [
        ScheduledTask(
            task_id=task.sequence,
            estimated_minutes=task.estimated_minutes,
            start_date=task.start_date,
            due_date=task.due_date,
            finished=task.sequence in finished,
            phase_order=task.phase_order,
        )
        for task in tasks
    ]


def _replan(request, scheduled, from_date):
    return replan(
        scheduled,
        from_date=from_date,
        weekly_minutes=request.weekly_minutes,
        study_days=request.study_days,
        blocked_dates=request.blocked_dates,
        buffer_weeks=request.buffer_weeks,
    )


@SETTINGS
@given(plan_requests())
def test_no_run_of_study_days_without_a_task_is_longer_than_the_chosen_buffer(request):
    plan = _plan_or_skip(request)
    caps = daily_capacities(request.weekly_minutes, request.study_days)
    busy = set()
    for task in plan.tasks:
        day = task.start_date
        while day <= task.due_date:
            busy.add(day)
            day = day.fromordinal(day.toordinal() + 1)
    allowed_idle_days = 7 * request.buffer_weeks
    for before, after in zip(plan.tasks, plan.tasks[1:], strict=False):
        gap = range(before.due_date.toordinal() + 1, after.start_date.toordinal())
        study_days_idle = [
            d for d in map(before.due_date.fromordinal, gap) if caps[d.weekday()] and d not in request.blocked_dates
        ]
        # Calendar days from the first idle study day to the last never exceed the buffer.
        if study_days_idle:
            assert before.phase_order != after.phase_order
            assert (study_days_idle[-1] - before.due_date).days <= allowed_idle_days


@SETTINGS
@given(plan_requests())
def test_replanning_a_new_plan_from_its_start_day_gives_the_same_dates(request):
    plan = _plan_or_skip(request)

    result = _replan(request, _scheduled(plan.tasks), request.start_date)

    assert result.moved_task_ids == ()
    assert [(m.start_date, m.due_date) for m in result.tasks] == [(t.start_date, t.due_date) for t in plan.tasks]
    assert result.end_date == plan.end_date or not plan.tasks


@SETTINGS
@given(plan_requests())
def test_replanning_twice_the_same_way_moves_nothing_the_second_time(request):
    plan = _plan_or_skip(request)
    assume(plan.tasks)
    # Half the tasks finished; re-plan a week after the start, then again the same way.
    finished = frozenset(t.sequence for t in plan.tasks[::2])
    later = request.start_date.fromordinal(request.start_date.toordinal() + 7)
    try:
        first = _replan(request, _scheduled(plan.tasks, finished), later)
    except PlanDoesNotFit:
        assume(False)
    moved_once = [
        ScheduledTask(t.task_id, t.estimated_minutes, m.start_date, m.due_date, t.finished, t.phase_order)
        for t, m in zip(_scheduled(plan.tasks, finished), first.tasks, strict=True)
    ]

    second = _replan(request, moved_once, later)

    assert second.moved_task_ids == ()
    assert second.tasks == first.tasks
    assert second.end_date == first.end_date
