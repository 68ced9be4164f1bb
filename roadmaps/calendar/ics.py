"""A learner's roadmaps as RFC 5545 iCalendar, built with the ``icalendar`` library.

No queries here: ``calendar_selectors`` loads the roadmaps (with their role) and
their tasks as plain ``CalendarTask`` rows. Rows rather than model instances
because the feed of a long plan is thousands of them, and the ORM's objects
would cost more than the serialization itself.

Choices calendar apps depend on:
- Every task is an all-day ``VEVENT`` (Google ignores ``VTODO``), from its start
  date to the day after its due date (``DTEND`` is exclusive for dates).
- ``UID`` is the task's own UUID, so re-planning or renaming updates the event in
  place; ``SEQUENCE`` is ``Task.calendar_revision``, which rises whenever dates
  or title change (``roadmap_replan`` bumps it; titles are fixed at creation
  today, and any future rename must bump it too). ``DTSTAMP`` and ``LAST-MODIFIED`` are the task's
  ``updated_at``, not the clock, so the same data always gives the same bytes:
  that is what lets the feed's ``ETag`` be strong.
- A finished task keeps its event with a check mark in the summary and a "Done"
  (or "Skipped") category. ``STATUS`` stays ``CONFIRMED``: RFC 5545 has no
  "completed" for events, and ``CANCELLED`` makes Google and Outlook hide or
  strike out work the learner actually did.
- Each milestone and each phase also gets an all-day marker event on its last due
  date, so both are visible in any client. Their UIDs come from the first task
  of the group in plan order, which never changes; their ``SEQUENCE`` is the sum
  of the group's task revisions, which rises with every date change inside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import NamedTuple
from urllib.parse import urlsplit
from uuid import UUID

from icalendar import Calendar, Event, vDuration

from planner.milestones import DONE, SKIPPED, milestone_status
from roadmaps.models import Roadmap
from roadmaps.models.plans import FINISHED_STATUSES, TaskStatus

# Raise when the rendering changes, so every feed's ETag changes with it.
CALENDAR_FORMAT_VERSION = 2
PRODID = "-//Roadmap Planner//Learning roadmap feed//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
CALENDAR_DESCRIPTION = "Your learning roadmap: one event per task."
DONE_MARK = "✓ "
STATUS_LABELS = dict(TaskStatus.choices)
FINISHED = frozenset(str(status) for status in FINISHED_STATUSES)


class CalendarTask(NamedTuple):
    """The columns of a ``Task`` that the calendar shows, plus its skills' names."""

    id: int
    roadmap_id: int
    uid: UUID
    sequence: int
    title: str
    milestone_id: int | None
    milestone_title: str
    phase_order: int
    phase_title: str
    kind: str
    estimated_minutes: int
    start_date: date
    due_date: date
    note: str
    status: str
    calendar_revision: int
    updated_at: datetime
    skills: tuple[str, ...] = ()

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


TASK_COLUMNS = CalendarTask._fields[:-1]


@dataclass(frozen=True)
class CalendarOptions:
    """What the rendering needs besides the rows."""

    site_url: str
    timezone: str
    refresh: timedelta

    @cached_property
    def host(self) -> str:
        return urlsplit(self.site_url).hostname or "localhost"


def build_calendar(roadmaps: Sequence[Roadmap], tasks: Iterable[CalendarTask], options: CalendarOptions) -> bytes:
    """The iCalendar bytes for these roadmaps (role selected) and their tasks.

    Deterministic: the same rows always give the same bytes.
    """
    by_roadmap: dict[int, list[CalendarTask]] = {roadmap.id: [] for roadmap in roadmaps}
    for task in tasks:
        by_roadmap[task.roadmap_id].append(task)
    calendar = calendar_shell(calendar_name(roadmaps), options)
    for roadmap in roadmaps:
        in_date_order = sorted(by_roadmap[roadmap.id], key=lambda t: (t.start_date, t.sequence))
        for task in in_date_order:
            calendar.add_component(task_event(task, roadmap, options))
        for event in marker_events(roadmap, in_date_order, options):
            calendar.add_component(event)
    return calendar.to_ical()


def calendar_name(roadmaps: Iterable[Roadmap]) -> str:
    role_names = list(dict.fromkeys(roadmap.role.name for roadmap in roadmaps))
    return f"Roadmap: {', '.join(role_names)}" if role_names else "Roadmap"


def calendar_shell(name: str, options: CalendarOptions) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", CALENDAR_DESCRIPTION)
    calendar.add("x-wr-timezone", options.timezone)
    # RFC 7986 and its older Microsoft twin: how often clients should poll.
    calendar.add("refresh-interval", options.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(options.refresh))
    return calendar


def task_event(task: CalendarTask, roadmap: Roadmap, options: CalendarOptions) -> Event:
    url = f"{options.site_url}/roadmaps/{roadmap.id}/#task-{task.id}"
    status = STATUS_LABELS.get(task.status, task.status)
    event = all_day_event(
        uid=f"{task.uid}@{options.host}",
        summary=(DONE_MARK if task.is_finished else "") + task.title,
        first_day=task.start_date,
        last_day=task.due_date,
        changed_at=task.updated_at,
        sequence=task.calendar_revision,
    )
    kind = task.kind.title()
    event.add("categories", [kind, status] if task.is_finished else [kind])
    event.add("description", task_description(task, roadmap, status=status, url=url))
    event.add("url", url)
    return event


def task_description(task: CalendarTask, roadmap: Roadmap, *, status: str, url: str) -> str:
    lines = [
        f"Milestone: {task.milestone_title}",
        f"Phase {task.phase_order}: {task.phase_title}",
        f"Roadmap: {roadmap.role.name}",
        f"Estimated hours: {task.estimated_minutes / 60:g}",
        f"Skills: {', '.join(task.skills) if task.skills else '-'}",
        f"Status: {status}",
    ]
    if task.note:
        lines.append(f"Note: {task.note}")
    lines.append(url)
    return "\n".join(lines)


def marker_events(roadmap: Roadmap, tasks: list[CalendarTask], options: CalendarOptions) -> list[Event]:
    """One event on the last due date of each milestone, then of each phase."""
    milestones = group_in_plan_order(tasks, key=lambda t: (t.phase_order, milestone_key(t)))
    phases = group_in_plan_order(tasks, key=lambda t: t.phase_order)
    events = [marker_event(group, "milestone", milestone_marker_title(group), options) for group in milestones]
    events += [
        marker_event(group, "phase", f"Phase {group[0].phase_order} ends: {group[0].phase_title}", options)
        for group in phases
    ]
    for event in events:
        event.add("url", f"{options.site_url}/roadmaps/{roadmap.id}/")
    return events


def milestone_marker_title(group: list[CalendarTask]) -> str:
    # The milestone's status comes from the one rule the API and pages use (planner.milestones):
    # a milestone whose every part was skipped says so instead of taking the check mark.
    if milestone_status([task.status for task in group]) == SKIPPED:
        return f"Milestone skipped: {group[0].milestone_title}"
    return f"Milestone due: {group[0].milestone_title}"


def milestone_key(task: CalendarTask) -> int | str:
    # A milestone deleted from the catalog leaves its tasks (SET_NULL) with the copied title.
    return task.milestone_id if task.milestone_id is not None else task.milestone_title


def group_in_plan_order(tasks: Iterable[CalendarTask], key) -> list[list[CalendarTask]]:
    groups: dict = {}
    for task in sorted(tasks, key=lambda t: t.sequence):
        groups.setdefault(key(task), []).append(task)
    return list(groups.values())


def marker_event(group: list[CalendarTask], kind: str, title: str, options: CalendarOptions) -> Event:
    due = max(task.due_date for task in group)
    if kind == "milestone":
        finished = milestone_status([task.status for task in group]) == DONE
    else:
        finished = all(task.is_finished for task in group)
    event = all_day_event(
        uid=f"{kind}-{group[0].uid}@{options.host}",
        summary=(DONE_MARK if finished else "") + title,
        first_day=due,
        last_day=due,
        changed_at=max(task.updated_at for task in group),
        sequence=sum(task.calendar_revision for task in group),
    )
    event.add("categories", ["Milestone" if kind == "milestone" else "Phase"])
    hours = sum(task.estimated_minutes for task in group) / 60
    event.add("description", f"{title}\n{len(group)} tasks, {hours:g} estimated hours")
    return event


def all_day_event(*, uid, summary, first_day, last_day, changed_at, sequence) -> Event:
    changed_at = changed_at.astimezone(UTC).replace(microsecond=0)
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", first_day)
    event.add("dtend", last_day + timedelta(days=1))  # exclusive end for all-day events
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    event.add("sequence", sequence)
    event.add("status", "CONFIRMED")
    # Study time should not make the learner look busy to colleagues.
    event.add("transp", "TRANSPARENT")
    return event


def calendar_filename(roadmap: Roadmap) -> str:
    return f"{roadmap.role.slug}-roadmap.ics"


def content_etag(*parts: object) -> str:
    """A strong ETag over everything the rendering depends on (the caller lists it)."""
    text = "\x1f".join(str(part) for part in (CALENDAR_FORMAT_VERSION, *parts))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'


def last_modified_after(previous: datetime | None, now: datetime) -> datetime:
    """A whole-second time for a new version: now, but always after the version before.

    HTTP dates have a one-second resolution; two changes within the same second
    must still give two different Last-Modified values, or a client holding the
    first would be told the second is "not modified".
    """
    candidate = now.astimezone(UTC).replace(microsecond=0)
    if previous is not None and candidate <= previous:
        return previous + timedelta(seconds=1)
    return candidate
