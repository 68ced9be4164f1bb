"""The burn-up chart's geometry: dates with years across a new year, and a layout for phones."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from roadmaps.web.burnup import burnup_chart


@dataclass
class FakeTask:
    start_date: date
    due_date: date
    estimated_minutes: int = 120
    is_finished: bool = False
    completed_at: datetime | None = None


def weekly_tasks(start: date, weeks: int) -> list[FakeTask]:
    return [FakeTask(start + timedelta(weeks=week), start + timedelta(weeks=week, days=2)) for week in range(weeks)]


YEAR = re.compile(r" 20\d\d$")


def test_a_plan_within_one_year_shows_day_and_month_only():
    chart = burnup_chart(weekly_tasks(date(2026, 2, 2), 20), today=date(2026, 3, 1), zone=UTC)

    assert chart.x_ticks and not any(YEAR.search(tick.label) for tick in chart.x_ticks)


def test_an_18_month_plan_shows_the_year_on_every_date_tick():
    chart = burnup_chart(weekly_tasks(date(2026, 11, 2), 78), today=date(2026, 11, 18), zone=UTC)

    labels = [tick.label for tick in chart.x_ticks] + [tick.label for tick in chart.compact.x_ticks]
    assert all(YEAR.search(label) for label in labels), labels
    assert {label[-4:] for label in labels} >= {"2027", "2028"}


def test_a_four_year_plan_names_each_year_it_reaches():
    chart = burnup_chart(weekly_tasks(date(2026, 1, 5), 208), today=date(2026, 2, 1), zone=UTC)

    assert {tick.label[-4:] for tick in chart.x_ticks} >= {"2027", "2028", "2029"}


def test_a_plan_starting_in_late_december_counts_as_crossing_the_year():
    chart = burnup_chart(weekly_tasks(date(2026, 12, 28), 3), today=date(2026, 12, 28), zone=UTC)

    assert all(YEAR.search(tick.label) for tick in chart.x_ticks)


def test_the_phone_layout_is_half_as_wide_with_at_most_three_date_ticks():
    chart = burnup_chart(weekly_tasks(date(2026, 11, 2), 78), today=date(2026, 11, 18), zone=UTC)

    assert (chart.width, chart.compact.width) == (640, 320)
    assert len(chart.compact.x_ticks) <= 3 < len(chart.x_ticks)
    assert chart.compact.compact is None
    assert all(chart.compact.plot_left <= tick.position <= chart.compact.plot_right for tick in chart.compact.x_ticks)
    assert (chart.compact.hours_total, chart.compact.hours_finished) == (chart.hours_total, chart.hours_finished)


def test_no_two_date_labels_overlap_in_either_layout():
    from roadmaps.web.burnup import _extent

    for weeks in (3, 12, 27, 52, 78, 208):
        chart = burnup_chart(weekly_tasks(date(2026, 11, 2), weeks), today=date(2026, 11, 18), zone=UTC)
        for layout in (chart, chart.compact):
            spans = [_extent(tick) for tick in layout.x_ticks]
            assert all(left[1] < right[0] for left, right in zip(spans, spans[1:], strict=False)), (weeks, spans)
            assert layout.x_ticks[-1].anchor == "end"
