"""The burn-up chart's geometry, computed here so the template only draws it.

Planned line: hours of the tasks due by the end of each week. Finished line:
hours of the tasks finished (done or skipped, as progress counts them) by the
end of each week, on the learner's own calendar, up to this week. The chart is
inline SVG with coordinates as attributes and colours from the stylesheet, so
it needs no script and no inline style.

Two layouts of the same chart: a wide one, and a compact one of half the width
with three date ticks that the stylesheet shows on phones instead, so its text
stays at least 11 px tall on a 390 px screen instead of shrinking to 6 px.
When the plan crosses a new year, every date tick carries its year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils.dates import MONTHS_3


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    max_x_ticks: int


WIDE = Layout(width=640, height=260, left=48, right=16, top=12, bottom=32, max_x_ticks=6)
COMPACT = Layout(width=320, height=220, left=52, right=12, top=12, bottom=32, max_x_ticks=3)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # "end" keeps the last date label inside the chart


@dataclass(frozen=True)
class BurnupChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    planned_points: str
    finished_points: str
    today_x: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    hours_total: float
    hours_planned_by_now: float
    hours_finished: float
    compact: BurnupChart | None = None  # the same chart laid out for phones


def burnup_chart(tasks: Sequence, *, today: date, zone) -> BurnupChart | None:
    """The chart for these tasks (``Task`` rows), or None for a roadmap with no task."""
    if not tasks:
        return None
    compact = _burnup_chart(tasks, today=today, zone=zone, layout=COMPACT)
    return replace(_burnup_chart(tasks, today=today, zone=zone, layout=WIDE), compact=compact)


def _burnup_chart(tasks: Sequence, *, today: date, zone, layout: Layout) -> BurnupChart:
    first_monday = _monday(min(task.start_date for task in tasks))
    last_day = max(max(task.due_date for task in tasks), today)
    week_ends = [first_monday + timedelta(days=7 * week + 6) for week in range((last_day - first_monday).days // 7 + 1)]
    planned = _cumulative(week_ends, [(task.due_date, task.estimated_minutes) for task in tasks])
    finished_by_day = [
        (_finished_on(task, zone, first_monday), task.estimated_minutes) for task in tasks if task.is_finished
    ]
    this_week = sum(1 for end in week_ends if end - timedelta(days=6) <= today)
    finished = _cumulative(week_ends[:this_week], finished_by_day)
    total_minutes = sum(task.estimated_minutes for task in tasks)
    scale = _Scale(layout=layout, weeks=len(week_ends), top_hours=_nice_ceiling(total_minutes / 60))
    return BurnupChart(
        width=layout.width,
        height=layout.height,
        plot_left=layout.left,
        plot_right=layout.width - layout.right,
        plot_top=layout.top,
        plot_bottom=layout.height - layout.bottom,
        planned_points=scale.points(planned),
        finished_points=scale.points(finished),
        today_x=scale.x_of_day(today, first_monday) if today <= last_day else None,
        x_ticks=scale.x_ticks(week_ends),
        y_ticks=scale.y_ticks(),
        hours_total=round(total_minutes / 60, 1),
        hours_planned_by_now=round(sum(task.estimated_minutes for task in tasks if task.due_date <= today) / 60, 1),
        hours_finished=round(sum(minutes for _, minutes in finished_by_day) / 60, 1),
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _finished_on(task, zone, earliest: date) -> date:
    # A finished task with no completion time counts from the start.
    if task.completed_at is None:
        return earliest
    return max(earliest, task.completed_at.astimezone(zone).date())


def _cumulative(week_ends: list[date], dated_minutes: list[tuple[date, int]]) -> list[float]:
    """Hours reached by the end of each week; starts with 0 at the first Monday."""
    dated_minutes = sorted(dated_minutes)
    totals, running, index = [0.0], 0, 0
    for end in week_ends:
        while index < len(dated_minutes) and dated_minutes[index][0] <= end:
            running += dated_minutes[index][1]
            index += 1
        totals.append(running / 60)
    return totals


LABEL_EM = 0.62  # a generous average width of a label's characters, in ems of its 12 px font
LABEL_FONT = 12
LABEL_GAP = 8


def _extent(tick: Tick) -> tuple[float, float]:
    width = len(tick.label) * LABEL_EM * LABEL_FONT
    if tick.anchor == "end":
        return tick.position - width, tick.position
    return tick.position - width / 2, tick.position + width / 2


def _without_overlaps(ticks: list[Tick]) -> list[Tick]:
    """From the right edge leftwards, drop a label that would run into the one kept after it."""
    kept: list[Tick] = []
    for tick in reversed(ticks):
        if not kept or _extent(tick)[1] + LABEL_GAP <= _extent(kept[-1])[0]:
            kept.append(tick)
    return kept[::-1]


NICE_STEPS = (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10)  # each divides into four round ticks


def _nice_ceiling(hours: float) -> float:
    """The smallest round number at or above ``hours`` that splits into four round ticks."""
    if hours <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(hours))
    return next(step * power for step in NICE_STEPS if step * power >= hours)


@dataclass(frozen=True)
class _Scale:
    layout: Layout
    weeks: int
    top_hours: float

    def x(self, week: float) -> float:
        layout = self.layout
        return round(layout.left + (layout.width - layout.left - layout.right) * week / self.weeks, 1)

    def y(self, hours: float) -> float:
        layout = self.layout
        plot_height = layout.height - layout.top - layout.bottom
        return round(layout.height - layout.bottom - plot_height * hours / self.top_hours, 1)

    def points(self, totals: list[float]) -> str:
        return " ".join(f"{self.x(week)},{self.y(hours)}" for week, hours in enumerate(totals))

    def x_of_day(self, day: date, first_monday: date) -> float:
        return self.x((day - first_monday).days / 7)

    def x_ticks(self, week_ends: list[date]) -> list[Tick]:
        every = max(1, math.ceil(len(week_ends) / self.layout.max_x_ticks))
        # The first Monday counts too: a plan starting in late December crosses a year.
        with_year = (week_ends[0] - timedelta(days=6)).year != week_ends[-1].year
        # Month names in the page's language ("Dec" in English, "Déc" in French), as the task rows do.
        month = {number: str(name).title() for number, name in MONTHS_3.items()}
        ticks = [
            Tick(
                self.x(index + 1),
                f"{end.day} {month[end.month]} {end.year}" if with_year else f"{end.day} {month[end.month]}",
            )
            for index, end in enumerate(week_ends)
            if (len(week_ends) - 1 - index) % every == 0
        ]
        # The last tick sits on the right edge: its label ends there instead of centring.
        return _without_overlaps([*ticks[:-1], Tick(ticks[-1].position, ticks[-1].label, "end")])

    def y_ticks(self) -> list[Tick]:
        return [
            Tick(self.y(self.top_hours * share / 4), f"{round(self.top_hours * share / 4, 1):g} h")
            for share in range(5)
        ]
