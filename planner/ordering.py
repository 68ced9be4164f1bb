"""The order milestones are worked in: phase by phase, prerequisites first."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from planner.model import MilestoneSpec, PhaseSpec, TrackSpec


@dataclass(frozen=True)
class PlacedMilestone:
    phase_index: int  # index into the phases sorted by ``order``
    phase: PhaseSpec
    milestone: MilestoneSpec


def sorted_phases(track: TrackSpec) -> tuple[PhaseSpec, ...]:
    """Phases by ``order``; equal orders keep their given order (sort is stable)."""
    return tuple(sorted(track.phases, key=lambda phase: phase.order))


def validate_track(track: TrackSpec) -> None:
    """Raise ValueError for a track no catalog should contain."""
    if track.max_weeks < 1:
        raise ValueError(f"max_weeks must be >= 1, got {track.max_weeks}")
    for phase in track.phases:
        if phase.start_week < 1 or phase.end_week < phase.start_week:
            raise ValueError(f"phase {phase.title!r} has weeks {phase.start_week}..{phase.end_week}")
        for milestone in phase.milestones:
            if milestone.estimated_minutes <= 0:
                raise ValueError(f"milestone {milestone.key!r} has no estimated minutes")


def order_milestones(track: TrackSpec) -> tuple[PlacedMilestone, ...]:
    """Every milestone once, in plan order.

    Phases come by ``order``. Within a phase, milestones keep their given order
    except that one is held back until its prerequisites are placed (the
    smallest-index-first topological order). A prerequisite in an earlier phase
    is already satisfied; one in a later phase, an unknown key or a cycle is a
    ValueError.
    """
    phases = sorted_phases(track)
    phase_of_key = _phase_of_key(phases)
    placed: list[PlacedMilestone] = []
    for index, phase in enumerate(phases):
        for milestone in _stable_topological(phase.milestones, index, phase_of_key):
            placed.append(PlacedMilestone(index, phase, milestone))
    return tuple(placed)


def _phase_of_key(phases: Sequence[PhaseSpec]) -> dict[str, int]:
    phase_of_key: dict[str, int] = {}
    for index, phase in enumerate(phases):
        for milestone in phase.milestones:
            if milestone.key in phase_of_key:
                raise ValueError(f"milestone key {milestone.key!r} appears twice")
            phase_of_key[milestone.key] = index
    return phase_of_key


def _stable_topological(
    milestones: Sequence[MilestoneSpec], phase_index: int, phase_of_key: dict[str, int]
) -> list[MilestoneSpec]:
    waiting, dependents = _in_phase_edges(milestones, phase_index, phase_of_key)
    # A heap of ready positions: always take the earliest given milestone that may go.
    ready = [position for position, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    ordered: list[MilestoneSpec] = []
    while ready:
        position = heapq.heappop(ready)
        ordered.append(milestones[position])
        for dependent in dependents[position]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(ordered) < len(milestones):
        stuck = sorted(m.key for i, m in enumerate(milestones) if waiting[i] > 0)
        raise ValueError(f"prerequisite cycle among milestones {stuck}")
    return ordered


def _in_phase_edges(
    milestones: Sequence[MilestoneSpec], phase_index: int, phase_of_key: dict[str, int]
) -> tuple[list[int], list[list[int]]]:
    """Per milestone: how many same-phase prerequisites it waits for, and who waits on it."""
    position_of = {milestone.key: i for i, milestone in enumerate(milestones)}
    waiting = [0] * len(milestones)
    dependents: list[list[int]] = [[] for _ in milestones]
    for position, milestone in enumerate(milestones):
        for key in dict.fromkeys(milestone.prerequisites):
            where = phase_of_key.get(key)
            if where is None:
                raise ValueError(f"milestone {milestone.key!r} needs unknown {key!r}")
            if where > phase_index:
                raise ValueError(f"milestone {milestone.key!r} needs {key!r} from a later phase")
            if where == phase_index:
                waiting[position] += 1
                dependents[position_of[key]].append(position)
    return waiting, dependents
