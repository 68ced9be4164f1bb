"""Study capacity per day, and handing it out in order.

Capacity is fixed per ISO weekday, so every 7-day window (whatever day it
starts on) holds each weekday once and sums to exactly ``weekly_minutes``
before blocked dates are removed. That is what makes the weekly cap hold for
the plan's own weeks without tracking weeks at all.
"""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
HORIZON_YEARS = 10


class OutOfTime(Exception):
    """Internal: the work would need days past the last allowed day (horizon or deadline)."""


def validate_capacity(weekly_minutes: int, study_days: frozenset[int]) -> None:
    """Raise ValueError for inputs no caller should send (empty days is the caller's call)."""
    if weekly_minutes <= 0:
        raise ValueError(f"weekly_minutes must be > 0, got {weekly_minutes}")
    bad = sorted(day for day in study_days if not 1 <= day <= 7)
    if bad:
        raise ValueError(f"study_days must be ISO weekdays 1..7, got {bad}")


def daily_capacities(weekly_minutes: int, study_days: frozenset[int]) -> tuple[int, ...]:
    """Minutes per weekday, Monday first; the remainder goes to the earliest study days."""
    days = sorted(study_days)
    base, extra = divmod(weekly_minutes, len(days))
    caps = [0] * 7
    for rank, iso_day in enumerate(days):
        caps[iso_day - 1] = base + (1 if rank < extra else 0)
    return tuple(caps)


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def horizon(start: date) -> date:
    """Last day any plan may use: guards against endless plans at tiny capacities."""
    return add_years(start, HORIZON_YEARS)


class DayFiller:
    """Hands out study minutes day by day, in date order, never going back.

    Mutable on purpose: one pass over the days serves every task, which keeps
    scheduling linear in days + tasks.
    """

    def __init__(self, start: date, caps: tuple[int, ...], blocked: frozenset[date], last: date):
        self._caps = caps
        self._blocked = blocked
        self._last = last
        self._day = start
        self._left = self._capacity(start)

    def _capacity(self, day: date) -> int:
        # A blocked day's capacity is lost, not moved to another day.
        return 0 if day in self._blocked else self._caps[day.weekday()]

    def _advance(self) -> None:
        day = self._day + ONE_DAY
        if day > self._last:
            raise OutOfTime
        self._day = day
        self._left = self._capacity(day)

    def skip_to(self, day: date) -> None:
        """Leave unused whatever capacity lies before ``day``."""
        if day > self._last:
            raise OutOfTime
        if day > self._day:
            self._day = day
            self._left = self._capacity(day)

    def take(self, minutes: int) -> tuple[date, date]:
        """Consume ``minutes`` of consecutive capacity; return (first day, last day) used.

        A zero-minute request is placed on the next day that has capacity left.
        """
        while self._left == 0:
            self._advance()
        first = self._day
        while True:
            used = min(minutes, self._left)
            minutes -= used
            self._left -= used
            if minutes == 0:
                return first, self._day
            self._advance()
