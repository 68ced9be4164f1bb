"""Plan order: phases by ``order``, milestones as given, prerequisites first."""

from dataclasses import replace

import pytest

from planner import build_plan
from tests.planner.builders import milestone, one_phase_track, phase, request, track


def keys_in_plan(plan) -> list[str]:
    return list(dict.fromkeys(task.milestone_key for task in plan.tasks))


def test_phases_are_planned_by_their_order_not_their_position():
    spec = track(
        phase(2, milestone("later"), weeks=(1, 2)),
        phase(1, milestone("first"), weeks=(1, 2)),
    )
    plan = build_plan(request(spec))
    assert keys_in_plan(plan) == ["first", "later"]
    assert [task.phase_order for task in plan.tasks] == [1, 2]


def test_milestones_keep_their_given_order_within_a_phase():
    plan = build_plan(request(one_phase_track(milestone("c"), milestone("a"), milestone("b"))))
    assert keys_in_plan(plan) == ["c", "a", "b"]


def test_a_milestone_never_comes_before_its_prerequisite_in_the_same_phase():
    spec = one_phase_track(milestone("a", prerequisites=["c"]), milestone("b"), milestone("c"), milestone("d"))
    # "a" waits for "c"; everything else keeps its place.
    assert keys_in_plan(build_plan(request(spec))) == ["b", "c", "a", "d"]


def test_a_chain_of_prerequisites_is_resolved_in_order():
    spec = one_phase_track(milestone("a", prerequisites=["b"]), milestone("b", prerequisites=["c"]), milestone("c"))
    assert keys_in_plan(build_plan(request(spec))) == ["c", "b", "a"]


def test_a_prerequisite_in_an_earlier_phase_is_already_satisfied():
    spec = track(
        phase(1, milestone("basics"), weeks=(1, 2)),
        phase(2, milestone("x", prerequisites=["basics"]), milestone("y"), weeks=(3, 4)),
    )
    assert keys_in_plan(build_plan(request(spec))) == ["basics", "x", "y"]


def test_a_prerequisite_in_a_later_phase_is_an_input_error():
    spec = track(
        phase(1, milestone("x", prerequisites=["advanced"]), weeks=(1, 2)),
        phase(2, milestone("advanced"), weeks=(3, 4)),
    )
    with pytest.raises(ValueError, match="later phase"):
        build_plan(request(spec))


def test_a_prerequisite_cycle_is_an_input_error():
    spec = one_phase_track(milestone("a", prerequisites=["b"]), milestone("b", prerequisites=["a"]), milestone("c"))
    with pytest.raises(ValueError, match="cycle"):
        build_plan(request(spec))


def test_a_milestone_that_requires_itself_is_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        build_plan(request(one_phase_track(milestone("a", prerequisites=["a"]))))


def test_an_unknown_prerequisite_is_an_input_error():
    with pytest.raises(ValueError, match="unknown"):
        build_plan(request(one_phase_track(milestone("a", prerequisites=["ghost"]))))


def test_a_milestone_key_used_twice_is_an_input_error():
    spec = track(phase(1, milestone("a"), weeks=(1, 2)), phase(2, milestone("a"), weeks=(3, 4)))
    with pytest.raises(ValueError, match="twice"):
        build_plan(request(spec))


def test_a_skipped_prerequisite_does_not_hold_back_its_dependents():
    spec = one_phase_track(
        milestone("project", prerequisites=["python"]),
        milestone("python", skills=["python"]),
    )
    plan = build_plan(request(spec, known=["python"]))
    assert keys_in_plan(plan) == ["project"]
    assert [s.milestone_key for s in plan.skipped] == ["python"]


@pytest.mark.parametrize(
    "bad",
    [
        track(phase(1, milestone("a"), weeks=(0, 2))),
        track(phase(1, milestone("a"), weeks=(3, 2))),
        track(phase(1, milestone("a", minutes=0))),
        replace(track(phase(1, milestone("a"))), max_weeks=0),
    ],
    ids=["start week 0", "end before start", "no minutes", "max weeks 0"],
)
def test_a_malformed_track_is_an_input_error(bad):
    with pytest.raises(ValueError):
        build_plan(request(bad))
