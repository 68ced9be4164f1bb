"""Phase windows: the weeks each phase may use, scaled to the learner's target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from planner.model import PhaseSpec


@dataclass(frozen=True)
class PhaseWindow:
    start_week: int  # 1-based, inclusive
    end_week: int  # inclusive


def week_start(start: date, week: int) -> date:
    """First day of plan week ``week``; weeks are 7-day windows from the start date."""
    return start + timedelta(days=7 * (week - 1))


def week_end(start: date, week: int) -> date:
    return start + timedelta(days=7 * week - 1)


def _round_half_up(numerator: int, denominator: int) -> int:
    # Integer arithmetic: no float error, and no banker's rounding surprises.
    return (2 * numerator + denominator) // (2 * denominator)


def scaled_windows(phases: Sequence[PhaseSpec], target_weeks: int, max_weeks: int) -> tuple[PhaseWindow, ...]:
    """Windows for ``phases`` (already in plan order) stretched or squeezed to ``target_weeks``.

    Each end is round(end_week * target / max_weeks), half up; each start is the
    previous end + 1, which for a contiguous track equals
    round((start_week - 1) * target / max_weeks) + 1. Ends are then clamped so
    the windows are contiguous, each at least one week, and the last ends on
    ``target_weeks``. Needs at least one week per phase (ValueError otherwise).
    """
    count = len(phases)
    if count > target_weeks:
        raise ValueError(f"{count} phases cannot each get a week out of {target_weeks}")
    windows: list[PhaseWindow] = []
    previous_end = 0
    for index, phase in enumerate(phases):
        phases_after = count - 1 - index
        if phases_after == 0:
            end = target_weeks
        else:
            end = _round_half_up(phase.end_week * target_weeks, max_weeks)
            end = min(max(end, previous_end + 1), target_weeks - phases_after)
        windows.append(PhaseWindow(previous_end + 1, end))
        previous_end = end
    return tuple(windows)
