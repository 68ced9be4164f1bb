"""What the learner already knows: skip or shorten milestones, and split the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.model import SkippedMilestone
from planner.ordering import PlacedMilestone

# A shortened milestone still needs time to check and refresh what one knows.
MIN_SHORTENED_MINUTES = 30


@dataclass(frozen=True)
class Work:
    """A milestone that stays in the plan, with the minutes it keeps."""

    placed: PlacedMilestone
    minutes: int
    note: str


def kept_minutes(minutes: int, unknown: int, total: int) -> int:
    """ceil(minutes * unknown / total), at least 30, never more than the milestone had."""
    proportional = -(-minutes * unknown // total)  # integer ceil: exact for any size
    return min(minutes, max(MIN_SHORTENED_MINUTES, proportional))


def adjust_for_known_skills(
    placed: Iterable[PlacedMilestone], known: frozenset[str]
) -> tuple[tuple[Work, ...], tuple[SkippedMilestone, ...]]:
    """Split milestones into the work left and the ones skipped, keeping plan order.

    Skills match exactly (the caller passes slugs). A milestone without skills
    is never skipped or shortened. The note is set only when minutes were cut,
    so a milestone too short to shorten does not claim it was.
    """
    work: list[Work] = []
    skipped: list[SkippedMilestone] = []
    for item in placed:
        milestone = item.milestone
        skills = tuple(dict.fromkeys(milestone.skills))
        already = tuple(skill for skill in skills if skill in known)
        if skills and len(already) == len(skills):
            reason = f"Skipped: you already know {', '.join(already)}"
            skipped.append(SkippedMilestone(milestone.key, milestone.title, reason))
            continue
        minutes = milestone.estimated_minutes
        if already:
            minutes = kept_minutes(minutes, len(skills) - len(already), len(skills))
        shortened = minutes < milestone.estimated_minutes
        note = f"Shortened: you already know {', '.join(already)}" if shortened else ""
        work.append(Work(item, minutes, note))
    return tuple(work), tuple(skipped)


def split_minutes(minutes: int, weekly_minutes: int) -> tuple[int, ...]:
    """The fewest parts of at most one week's capacity, sizes differing by at most 1 minute."""
    parts = -(-minutes // weekly_minutes)
    base, extra = divmod(minutes, parts)
    return tuple(base + 1 if i < extra else base for i in range(parts))


def part_title(title: str, part: int, parts: int) -> str:
    return title if parts == 1 else f"{title} (part {part} of {parts})"
