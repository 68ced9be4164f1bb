"""Phase timing: start weeks without a target, scaled windows with one."""

import itertools
import pickle
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import PlanDoesNotFit, build_plan
from planner.windows import PhaseWindow, scaled_windows
from tests.planner.builders import day, milestone, phase, request, track
from tests.planner.invariants import expected_windows

EVERY_DAY = range(1, 8)


def windows(*weeks: tuple[int, int], target: int, max_weeks: int) -> list[tuple[int, int]]:
    phases = [phase(i, weeks=w) for i, w in enumerate(weeks)]
    return [(w.start_week, w.end_week) for w in scaled_windows(phases, target, max_weeks)]


def test_a_phase_starts_where_the_previous_one_ends_not_at_its_start_week():
    spec = track(
        phase(1, milestone("a", minutes=60), weeks=(1, 2)),
        phase(2, milestone("b", minutes=60), weeks=(3, 4)),
    )
    tasks = build_plan(request(spec)).tasks
    assert tasks[0].start_date == day(0)
    # 600 minutes over 5 days: 120 a day, so phase 2 shares Monday with phase 1 (no idle weeks).
    assert tasks[1].start_date == day(0)


def test_without_a_target_a_slow_learner_runs_phases_late_without_error():
    spec = track(
        phase(1, milestone("a", minutes=3000), weeks=(1, 1)),
        phase(2, milestone("b", minutes=60), weeks=(2, 2)),
    )
    tasks = build_plan(request(spec, weekly_minutes=300)).tasks
    assert tasks[-2].due_date == day(4 + 9 * 7)  # ten weeks of work
    assert tasks[-1].start_date == day(7 * 10)  # phase 2 simply follows


def test_a_buffer_leaves_whole_weeks_free_after_each_phase_but_the_last():
    spec = track(
        phase(1, milestone("a", minutes=120), weeks=(1, 2)),
        phase(2, milestone("b", minutes=120), weeks=(3, 4)),
        phase(3, milestone("c", minutes=120), weeks=(5, 6)),
    )
    plan = build_plan(replace(request(spec), buffer_weeks=1))
    assert [(t.start_date, t.due_date) for t in plan.tasks] == [
        (day(0), day(0)),
        (day(8), day(8)),  # Tuesday after the buffer week Tuesday..Monday
        (day(16), day(16)),
    ]
    assert [(b.after_phase_order, b.start_date, b.end_date) for b in plan.buffers] == [
        (1, day(1), day(7)),
        (2, day(9), day(15)),
    ]


def test_windows_scale_proportionally_to_the_target():
    assert windows((1, 4), (5, 12), target=6, max_weeks=12) == [(1, 2), (3, 6)]
    assert windows((1, 4), (5, 8), (9, 12), target=26, max_weeks=12) == [
        (1, 9),
        (10, 17),
        (18, 26),
    ]


def test_windows_round_half_up():
    # 3 * 6 / 4 = 4.5 -> 5 (banker's rounding would give 4).
    assert windows((1, 3), (4, 4), target=6, max_weeks=4) == [(1, 5), (6, 6)]


def test_windows_stay_contiguous_and_non_empty_when_squeezed():
    assert windows((1, 1), (2, 2), (3, 30), target=3, max_weeks=30) == [(1, 1), (2, 2), (3, 3)]


def test_a_gap_between_phases_goes_to_the_earlier_phase():
    assert windows((1, 2), (5, 6), target=6, max_weeks=6) == [(1, 2), (3, 6)]


@given(
    lengths=st.lists(st.integers(1, 10), min_size=1, max_size=8),
    extra=st.integers(0, 5),
    target=st.integers(1, 120),
)
def test_windows_are_contiguous_non_empty_and_end_on_the_target(lengths, extra, target):
    weeks, week = [], 1
    for length in lengths:
        weeks.append((week, week + length - 1))
        week += length
    phases = [phase(i, weeks=w) for i, w in enumerate(weeks)]
    if target < len(phases):
        with pytest.raises(ValueError):
            scaled_windows(phases, target, week - 1 + extra)
        return
    result = scaled_windows(phases, target, week - 1 + extra)
    assert result[0].start_week == 1 and result[-1].end_week == target
    assert all(w.start_week <= w.end_week for w in result)
    assert all(b.start_week == a.end_week + 1 for a, b in zip(result, result[1:], strict=False))


def test_with_a_target_a_phase_may_start_before_its_window():
    spec = track(
        phase(1, milestone("a", minutes=60), weeks=(1, 2)),
        phase(2, milestone("b", minutes=60), weeks=(3, 4)),
    )
    tasks = build_plan(request(spec, target_weeks=8)).tasks
    assert scaled_windows(sorted(spec.phases, key=lambda p: p.order), 8, 4)[1] == PhaseWindow(5, 8)
    assert tasks[1].start_date == day(0)  # the window is the pace expected, not a wait


def test_a_target_too_tight_names_the_weekly_hours_needed():
    # 26 weeks of exactly 14 hours.
    spec = track(phase(1, *[milestone(f"m{i}", minutes=840) for i in range(26)], weeks=(1, 26)))
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=480, study_days=EVERY_DAY, target_weeks=26))
    error = caught.value
    assert error.field == "weekly_hours"
    assert error.required_weekly_minutes == 14 * 60
    assert error.message == ("This plan needs at least 14 hours a week to finish in 26 weeks; you have 8.")
    assert str(error) == error.message


def test_the_required_hours_fit_when_retried_and_one_hour_less_does_not():
    spec = track(
        phase(1, milestone("a", minutes=1000), weeks=(1, 2)),
        phase(2, milestone("b", minutes=400), weeks=(3, 6)),
    )
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=60, target_weeks=3, blocked=[day(3)]))
    required = caught.value.required_weekly_minutes
    build_plan(request(spec, weekly_minutes=required, target_weeks=3, blocked=[day(3)]))
    with pytest.raises(PlanDoesNotFit):
        build_plan(request(spec, weekly_minutes=required - 60, target_weeks=3, blocked=[day(3)]))


def test_a_phase_that_misses_its_window_does_not_fit_even_if_the_total_would():
    spec = track(
        phase(1, milestone("heavy", minutes=900), weeks=(1, 1)),
        phase(2, milestone("light", minutes=60), weeks=(2, 4)),
    )
    # 4 weeks at 5 h hold the 16 hours, but week 1 holds only 5 of phase 1's 15.
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=300, target_weeks=4))
    assert caught.value.required_weekly_minutes == 900


def test_fractional_and_single_hours_read_naturally():
    spec = track(phase(1, milestone("a", minutes=50), weeks=(1, 1)))
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, weekly_minutes=45, target_weeks=1))
    assert caught.value.message == ("This plan needs at least 1 hour a week to finish in 1 week; you have 0.8.")


def test_blocked_dates_no_capacity_can_beat_give_no_required_hours():
    spec = track(phase(1, milestone("a", minutes=60), weeks=(1, 1)))
    blocked = [day(i) for i in range(7)]
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, target_weeks=1, blocked=blocked))
    assert caught.value.field == "weekly_hours"
    assert caught.value.required_weekly_minutes is None
    assert "cannot finish in 1 week even at 168 hours a week" in caught.value.message


def test_a_target_shorter_than_the_number_of_phases_names_the_target_weeks_field():
    spec = track(*[phase(i, milestone(f"m{i}"), weeks=(i + 1, i + 1)) for i in range(3)])
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, target_weeks=2))
    assert caught.value.field == "target_weeks"
    assert caught.value.message == "This track has 3 phases, so it needs at least 3 weeks."


@pytest.mark.parametrize("target", [0, -3, 600])
def test_a_target_below_one_week_or_beyond_ten_years_names_the_target_weeks_field(target):
    spec = track(phase(1, milestone("a"), weeks=(1, 4)))
    with pytest.raises(PlanDoesNotFit) as caught:
        build_plan(request(spec, target_weeks=target))
    assert caught.value.field == "target_weeks"


def test_plan_does_not_fit_survives_pickling():
    error = PlanDoesNotFit("weekly_hours", "needs more", 840)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.field, copy.message, copy.required_weekly_minutes) == (
        "weekly_hours",
        "needs more",
        840,
    )


@st.composite
def tracks_and_targets(draw):
    """Phases of 1..30 weeks each (gaps between them allowed), and a target that leaves each a week."""
    phases, week = [], 1
    for order in range(draw(st.integers(1, 8))):
        week += draw(st.integers(0, 3))  # a gap before the phase, sometimes
        length = draw(st.integers(1, 30))
        phases.append(phase(order, weeks=(week, week + length - 1)))
        week += length
    max_weeks = phases[-1].end_week + draw(st.integers(0, 5))
    return phases, draw(st.integers(len(phases), 600)), max_weeks


@given(tracks_and_targets())
def test_scaled_windows_follow_the_documented_rule(case):
    phases, target, max_weeks = case

    found = [(w.start_week, w.end_week) for w in scaled_windows(phases, target, max_weeks)]

    assert found == expected_windows(phases, target, max_weeks)
    assert found[0][0] == 1 and found[-1][1] == target
    assert all(first <= last for first, last in found)
    assert all(later[0] == earlier[1] + 1 for earlier, later in itertools.pairwise(found))


def test_the_oracle_rounds_half_up_and_scales_to_the_target():
    # The oracle itself, on the cases worked by hand above.
    assert expected_windows([phase(0, weeks=(1, 3)), phase(1, weeks=(4, 4))], 6, 4) == [(1, 5), (6, 6)]
    assert expected_windows([phase(i, weeks=w) for i, w in enumerate([(1, 4), (5, 8), (9, 12)])], 26, 12) == [
        (1, 9),
        (10, 17),
        (18, 26),
    ]
