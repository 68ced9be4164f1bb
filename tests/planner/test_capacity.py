"""Day capacity: the weekly minutes spread over study days, filled in date order."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import PlanDoesNotFit, build_plan
from planner.capacity import add_years, daily_capacities
from tests.planner.builders import MONDAY, day, milestone, one_phase_track, request
from tests.planner.invariants import assert_valid_plan
from tests.planner.strategies import study_days


def dates_of(plan) -> list[tuple[date, date]]:
    return [(task.start_date, task.due_date) for task in plan.tasks]


def test_daily_capacity_spreads_the_remainder_over_the_earliest_study_days():
    assert daily_capacities(600, frozenset({5, 1, 3})) == (200, 0, 200, 0, 200, 0, 0)
    assert daily_capacities(602, frozenset({5, 1, 3})) == (201, 0, 201, 0, 200, 0, 0)
    assert daily_capacities(2, frozenset({6, 7, 1})) == (1, 0, 0, 0, 0, 1, 0)


@given(weekly=st.integers(1, 20000), days=study_days)
def test_any_seven_day_window_sums_to_the_weekly_minutes(weekly, days):
    caps = daily_capacities(weekly, days)
    assert sum(caps) == weekly
    assert all(cap == 0 for index, cap in enumerate(caps) if index + 1 not in days)
    assert max(caps) - min(caps[d - 1] for d in days) <= 1


def test_tasks_fill_days_in_order_and_share_a_day_when_one_ends_mid_day():
    # 300 minutes over Monday..Friday: 60 a day.
    spec = one_phase_track(milestone("a", minutes=90), milestone("b", minutes=60))
    plan = build_plan(request(spec, weekly_minutes=300))
    assert dates_of(plan) == [(day(0), day(1)), (day(1), day(2))]


def test_nothing_is_scheduled_on_a_non_study_day():
    spec = one_phase_track(milestone("a", minutes=150), milestone("b", minutes=100))
    plan = build_plan(request(spec, weekly_minutes=200, study_days={1, 3}))
    # Monday 100 + Wednesday 50, then Wednesday 50 + next Monday 50.
    assert dates_of(plan) == [(day(0), day(2)), (day(2), day(7))]


def test_a_blocked_date_loses_its_capacity_instead_of_moving_it():
    spec = one_phase_track(milestone("a", minutes=300), milestone("b", minutes=60))
    plan = build_plan(request(spec, weekly_minutes=300, blocked=[day(1)]))
    # Tuesday's hour is gone: a week of work now ends next Monday, and that
    # Monday still holds only its own hour.
    assert dates_of(plan) == [(day(0), day(7)), (day(8), day(8))]


def test_a_plan_starting_on_a_non_study_day_starts_on_the_next_study_day():
    spec = one_phase_track(milestone("a", minutes=60))
    plan = build_plan(request(spec, weekly_minutes=300, start=day(5)))  # a Saturday
    assert dates_of(plan) == [(day(7), day(7))]


def test_a_week_never_gets_more_than_the_weekly_minutes():
    milestones = [milestone(f"m{i}", minutes=37 * i + 11) for i in range(30)]
    spec = one_phase_track(*milestones)
    # Weeks run Wednesday to Tuesday here; capacity must hold for those weeks.
    req = request(spec, weekly_minutes=257, study_days={2, 3, 6}, start=day(2), blocked=[day(9)])
    assert_valid_plan(build_plan(req), req)


@pytest.mark.parametrize("weekly", [0, -60])
def test_weekly_minutes_of_zero_or_less_is_an_input_error(weekly):
    with pytest.raises(ValueError):
        build_plan(request(one_phase_track(milestone("a")), weekly_minutes=weekly))


def test_no_study_days_does_not_fit_and_names_the_study_days_field():
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(one_phase_track(milestone("a")), study_days=()))
    assert caught.value.field == "study_days"
    assert caught.value.required_weekly_minutes is None


@pytest.mark.parametrize("bad_day", [0, 8])
def test_study_days_outside_1_to_7_is_an_input_error(bad_day):
    with pytest.raises(ValueError):
        build_plan(request(one_phase_track(milestone("a")), study_days={1, bad_day}))


def test_a_plan_past_ten_years_does_not_fit_and_says_how_many_hours_would():
    spec = one_phase_track(*[milestone(f"m{i}", minutes=60) for i in range(600)])
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=60))
    error = caught.value
    assert error.field == "weekly_hours"
    assert error.required_weekly_minutes == 120
    assert error.message == ("This plan needs at least 2 hours a week to finish within 10 years; you have 1.")
    build_plan(request(spec, weekly_minutes=120))  # and that is indeed enough


def test_ten_years_from_29_february_ends_on_28_february():
    assert add_years(date(2028, 2, 29), 10) == date(2038, 2, 28)
    assert add_years(MONDAY, 10) == date(2036, 1, 5)


EVERY_DAY = range(1, 8)


def test_work_that_ends_on_the_last_day_of_the_ten_years_fits():
    last_day = date(2036, 1, 5)  # MONDAY + 10 years: the last day a plan may use
    days = (last_day - MONDAY).days + 1
    # An hour every day, and exactly as many hours as there are days up to and including the last one.
    spec = one_phase_track(milestone("all", minutes=60 * days), weeks=(1, 600))

    plan = build_plan(request(spec, weekly_minutes=420, study_days=EVERY_DAY))

    assert plan.end_date == last_day


def test_one_minute_more_than_fits_by_the_last_day_of_the_ten_years_does_not_fit():
    days = (date(2036, 1, 5) - MONDAY).days + 1
    spec = one_phase_track(milestone("all", minutes=60 * days + 1), weeks=(1, 600))

    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=420, study_days=EVERY_DAY))

    assert caught.value.field == "weekly_hours"


def test_a_target_whose_last_week_ends_on_the_last_day_of_the_ten_years_is_allowed():
    # 2028-01-03 + 10 years spans three 29 Februaries: 3653 days, exactly 522 weeks after day one.
    start = date(2028, 1, 3)
    spec = one_phase_track(milestone("a", minutes=60), weeks=(1, 600))

    build_plan(request(spec, start=start, target_weeks=522))
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, start=start, target_weeks=523))

    assert caught.value.field == "target_weeks"
