"""The icalendar-only floor shared by the feed benches.

A feed's body parsed back into plain (name, value, parameters) triples, then
built and serialized again by ``icalendar`` alone: no database, no Django, no
formatting of our own. What any icalendar-based feed must pay for the same
events; ``floor_build`` makes the very same bytes as the feed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar, Event, vDuration

from roadmaps.calendar import ics


def plain_events(feed_body: bytes) -> tuple[str, list[list[tuple]]]:
    """The feed's name and events as plain (name, value, parameters) triples, untimed."""
    parsed = Calendar.from_ical(feed_body)
    plain = [
        [(name, python_value(value), dict(value.params)) for name, value in event.items()]
        for event in parsed.walk("VEVENT")
    ]
    return str(parsed["X-WR-CALNAME"]), plain


def python_value(value):
    """The Python value icalendar's ``add`` takes (dates, ints, strings, lists).

    Times go back to ``datetime.UTC``, as the feed passes them: the parser gives
    ``ZoneInfo("UTC")``, which icalendar serializes measurably slower.
    """
    if hasattr(value, "dt"):
        if isinstance(value.dt, datetime) and str(value.dt.tzinfo) == "UTC":
            return value.dt.astimezone(UTC)
        return value.dt  # a date, or a session's time in the learner's zone (TZID)
    if hasattr(value, "cats"):
        return list(value.cats)
    return value if isinstance(value, int) else str(value)


def floor_build(options: ics.CalendarOptions, name: str, plain: list[list[tuple]]) -> bytes:
    """The same events with icalendar alone: no database, no Django, no formatting."""
    cal = Calendar()
    cal.add("prodid", ics.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", ics.CALENDAR_DESCRIPTION)
    cal.add("x-wr-timezone", options.timezone)
    cal.add("refresh-interval", options.refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(options.refresh))
    for props in plain:
        event = Event()
        for prop_name, value, params in props:
            event.add(prop_name, value, parameters={k: v for k, v in params.items() if k != "VALUE"} or None)
        cal.add_component(event)
    # As the feed does: a VTIMEZONE for each zone of the timed events, over their years.
    timed = [value for props in plain for name, value, _ in props if name == "DTSTART" and isinstance(value, datetime)]
    if timed:
        first, last = min(timed).year, max(timed).year
        cal.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last + 1, 1, 1))
    return cal.to_ical()
