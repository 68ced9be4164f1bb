"""What a change to a roadmap's dates would do, shown before it is applied.

Every page that changes a plan (the pace, a re-plan from today, a catch-up
option) previews it with the same services that then apply it: the end date
before and after, how many tasks move, and whether the end moves so far that
the learner should look twice (``FAR_MONTHS``). Nothing here writes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from planner.search import least_passing
from roadmaps.models import Roadmap
from roadmaps.plans import selectors, services

FAR_MONTHS = 3


@dataclass(frozen=True)
class ChangePreview:
    end_before: date
    end_after: date
    moved: int  # tasks whose dates change
    skipped: int = 0  # unfinished tasks the change skips (catch-up by dropping optional milestones)

    @property
    def far(self) -> bool:
        """True when the end moves by more than ``FAR_MONTHS`` months, either way."""
        return moves_far(self.end_before, self.end_after)

    @property
    def days_later(self) -> int:
        return (self.end_after - self.end_before).days


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), on the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def moves_far(before: date, after: date) -> bool:
    """Exactly ``FAR_MONTHS`` months later (or earlier) is not far; one day more is."""
    return after > add_months(before, FAR_MONTHS) or after < add_months(before, -FAR_MONTHS)


def replan_preview(
    roadmap: Roadmap, *, from_date: date, weekly_hours: int | None = None, study_days: list[int] | None = None
) -> ChangePreview:
    """The re-plan ``services.roadmap_replan`` would make with these settings; stores nothing."""
    result = services.roadmap_replan(
        roadmap=roadmap,
        from_date=from_date,
        weekly_hours=weekly_hours,
        study_days=study_days,
        now=timezone.now(),
        preview=True,
    )
    return ChangePreview(result.end_date_before, result.end_date_after, len(result.moved_task_ids))


def fitting_weekly_hours(
    roadmap: Roadmap, *, from_date: date, study_days: list[int], end_by: date | None = None
) -> int | None:
    """The fewest hours a week (up to the API's maximum) at which the re-plan fits, else None.

    With ``end_by``, the re-plan must also end on or before that day: the pace
    that keeps an end date. More hours never make the re-plan end later, so a
    binary search over the planner's own re-plan finds it; one query.
    """
    tasks = list(selectors.tasks_in_plan_order(roadmap))

    def fits(hours: int) -> bool:
        try:
            result = services.replan_compute(
                roadmap, tasks, from_date=from_date, weekly_hours=hours, study_days=study_days
            )
        except services.PlanRejected:
            return False
        return end_by is None or result.end_date <= end_by

    return least_passing(fits, 1, services.MAX_WEEKLY_HOURS_FIX)
