"""Properties of build_plan over random tracks and learners."""

from dataclasses import replace

import pytest
from hypothesis import event, given, settings

from planner import Plan, PlanDoesNotFit, PlanRequest, build_plan
from tests.planner.invariants import assert_valid_plan
from tests.planner.strategies import plan_requests

SETTINGS = settings(max_examples=200, deadline=None)
MAX_WEEKLY_MINUTES = 168 * 60


def outcome(request: PlanRequest) -> Plan | PlanDoesNotFit:
    try:
        plan = build_plan(request)
    except PlanDoesNotFit as error:
        required = "none" if error.required_weekly_minutes is None else "some"
        event(f"does not fit: {error.field}, required hours {required}")
        return error
    event(f"plan with {'no' if not plan.tasks else 'some'} tasks, {len(plan.skipped) > 0} skipped")
    return plan


def assert_required_minutes_are_the_least_that_fit(error: PlanDoesNotFit, request) -> None:
    required = error.required_weekly_minutes
    if required is None:
        with pytest.raises(PlanDoesNotFit):
            build_plan(replace(request, weekly_minutes=max(request.weekly_minutes, MAX_WEEKLY_MINUTES)))
        return
    assert required % 60 == 0 and request.weekly_minutes < required <= MAX_WEEKLY_MINUTES
    assert f"needs at least {required // 60} hour" in error.message
    retried = replace(request, weekly_minutes=required)
    assert_valid_plan(build_plan(retried), retried)
    if required > 60:
        with pytest.raises(PlanDoesNotFit):
            build_plan(replace(request, weekly_minutes=required - 60))


@SETTINGS
@given(plan_requests(target=False))
def test_without_a_target_every_plan_keeps_every_promise(request):
    result = outcome(request)
    if isinstance(result, PlanDoesNotFit):
        # Only the ten-year guard can refuse a plan without a target.
        assert result.field == "weekly_hours"
        assert "within 10 years" in result.message
        assert_required_minutes_are_the_least_that_fit(result, request)
    else:
        assert_valid_plan(result, request)


@SETTINGS
@given(plan_requests(target=True))
def test_with_a_target_a_plan_fits_its_windows_or_says_what_would(request):
    result = outcome(request)
    if not isinstance(result, PlanDoesNotFit):
        assert_valid_plan(result, request)
    elif result.field == "target_weeks":
        assert request.target_weeks < len(request.track.phases)
    else:
        assert result.field == "weekly_hours"
        assert_required_minutes_are_the_least_that_fit(result, request)


@SETTINGS
@given(plan_requests())
def test_the_same_request_always_gives_the_same_plan(request):
    # Rebuilt sets may iterate in another order; the plan must not care.
    rebuilt = replace(
        request,
        study_days=frozenset(sorted(request.study_days, reverse=True)),
        known_skills=frozenset(sorted(request.known_skills, reverse=True)),
        blocked_dates=frozenset(sorted(request.blocked_dates, reverse=True)),
    )
    first, second, third = outcome(request), outcome(request), outcome(rebuilt)
    if isinstance(first, PlanDoesNotFit):
        described = [(e.field, e.message, e.required_weekly_minutes) for e in (first, second, third)]
        assert described[0] == described[1] == described[2]
    else:
        assert first == second == third


@SETTINGS
@given(plan_requests(target=False))
def test_more_weekly_time_never_makes_a_plan_end_later(request):
    slower, faster = (
        outcome(request),
        outcome(replace(request, weekly_minutes=request.weekly_minutes + 60)),
    )
    if isinstance(slower, Plan):
        assert isinstance(faster, Plan)
        assert faster.end_date <= slower.end_date
        assert faster.total_minutes == slower.total_minutes
