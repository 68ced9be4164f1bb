"""A learner's roadmaps as RFC 5545 / RFC 7986 iCalendar, built with the ``icalendar`` library.

Two steps, kept apart so that what the feed shows can change in one place:

1. The event source, ``session_events``: rows and study sessions in, plain
   ``FeedEvent`` values out (what each VEVENT shows). Every study session is an
   event and every milestone and phase gets a marker.
2. The writer, ``render_calendar``: ``FeedEvent`` values plus their stored
   ``Revision`` (SEQUENCE and when the event last changed) in, bytes out.

No queries here: ``calendar_selectors`` loads the rows,
``roadmaps.plans.sessions.study_sessions`` derives the sessions and
``calendar.revisions`` keeps the revisions.

Choices calendar apps depend on:
- Every study session is a timed ``VEVENT`` (Google ignores ``VTODO``) on a
  study day, never on a non-study or blocked day: ``DTSTART;TZID=<learner's
  zone>`` at the session's start (the day's first session at the profile's
  ``study_time``, the next when it ends), ``DTEND`` at its end, and a
  ``VTIMEZONE`` per zone built from the zone database. Its UID is
  ``session-<task uuid>-<YYYYMMDD>``; its DESCRIPTION gives the session's
  minutes, then the task's details. A task's sessions sum to its estimate.
- With the profile's ``all_day_events``, each study day of a roadmap is one
  all-day event instead (``day-<roadmap id>-<YYYYMMDD>``) listing that day's
  sessions and their minutes. Milestone and phase markers are always all-day
  (``DTEND`` the day after: it is exclusive for dates).
- The feed has no ``METHOD``: it is a published calendar, not an iTIP message
  (with ``METHOD`` libical's iTIP check demands an ``ORGANIZER``). Without
  ``METHOD``, RFC 5545 3.8.7.2 makes ``DTSTAMP`` the time the event's data was
  last revised in the store: the revision's ``changed_at``, equal to
  ``LAST-MODIFIED``. This keeps the bytes of an unchanged feed identical from
  one build to the next, which is what lets the ETag be a hash of the bytes.
- ``UID`` carries no host name (RFC 7986 5.3) and never changes once published:
  sessions and study days as above; markers take ``milestone-``/``phase-`` plus
  the UID of their group's first task in plan order (its UUID, or the
  ``<uuid>@<host>`` it was published with before, ``Task.legacy_calendar_uid``),
  which never changes.
- ``SEQUENCE`` rises whenever anything the event shows changes (SUMMARY,
  DTSTART, DTEND, DESCRIPTION, STATUS, categories, URL; a session's start and
  end too, so a re-plan that moves a session raises it): the revisions compare
  a fingerprint of the ``FeedEvent``. It never goes below what was published
  before revisions were stored (``Task.calendar_revision``).
- A finished task keeps its sessions up to the day it was finished, marked in the summary: ``✓`` done,
  ``⊘`` skipped, plus a "Done" or "Skipped" category. ``STATUS`` stays
  ``CONFIRMED``: RFC 5545 has no "completed" for events, and ``CANCELLED``
  makes Google and Outlook hide or strike out work the learner actually did.
  A marker is ticked only once every task of its group is finished.
- The feed holds the sessions from 8 weeks back to 26 weeks ahead (whole weeks,
  from the Monday of the learner's current week, so the body changes once a
  week, not daily); a roadmap's .ics download holds the whole plan. Later
  work shows only as the milestone and phase markers, one all-day event each:
  the feed of the heaviest learner stays well under the 1 MB at which Google
  drops subscribed feeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from icalendar import Calendar, Event, vDuration

from planner.milestones import DONE, SKIPPED, milestone_status
from roadmaps.models import Roadmap
from roadmaps.models.plans import TaskStatus, calendar_uid

if TYPE_CHECKING:
    from roadmaps.plans.sessions import StudySession

# Raise when the rendering changes: it is part of every feed's inputs.
CALENDAR_FORMAT_VERSION = 4
PRODID = "-//Roadmap Planner//Learning roadmap feed//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
CALENDAR_DESCRIPTION = "Your learning roadmap: one event per study session."
DONE_MARK = "✓ "
SKIPPED_MARK = "⊘ "
STATUS_LABELS = dict(TaskStatus.choices)
WEEKS_BACK = 8
WEEKS_AHEAD = 26


class CalendarTask(NamedTuple):
    """The columns of a ``Task`` that the calendar shows, plus its skills' names."""

    id: int
    roadmap_id: int
    uid: UUID
    legacy_calendar_uid: str
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
        return self.status in (TaskStatus.DONE, TaskStatus.SKIPPED)

    @property
    def calendar_uid(self) -> str:
        return calendar_uid(self.uid, self.legacy_calendar_uid)


TASK_COLUMNS = CalendarTask._fields[:-1]


@dataclass(frozen=True)
class FeedWindow:
    """The days a feed shows events for (inclusive)."""

    first_day: date
    last_day: date

    @classmethod
    def around(cls, today: date) -> FeedWindow:
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=WEEKS_BACK), monday + timedelta(weeks=WEEKS_AHEAD, days=6))

    def overlaps(self, first_day: date, last_day: date) -> bool:
        return first_day <= self.last_day and last_day >= self.first_day


@dataclass(frozen=True)
class CalendarOptions:
    """What the rendering needs besides the rows; ``window`` None shows every event."""

    site_url: str
    timezone: str
    refresh: timedelta
    window: FeedWindow | None = None
    study_time: time = time(19, 0)
    all_day_events: bool = False


@dataclass(frozen=True)
class FeedEvent:
    """What one VEVENT shows: the output of an event source, the input of the writer."""

    uid: str
    summary: str
    first_day: date
    last_day: date  # inclusive
    description: str
    categories: tuple[str, ...]
    url: str
    status: str = "CONFIRMED"
    # A timed event (a study session) runs from ``start`` to ``end``, aware datetimes in
    # the learner's zone; None for all-day events (first_day..last_day).
    start: datetime | None = None
    end: datetime | None = None
    # Not shown: the SEQUENCE published before revisions were stored, and when the
    # source rows last changed (the first DTSTAMP of an event never seen before).
    sequence_floor: int = 0
    updated_at: datetime | None = None

    def fingerprint(self) -> str:
        # What ``astuple(self)[:8]`` gave, without its deep copies: the same repr, so
        # the fingerprints stored before stay valid.
        shown = (
            self.uid,
            self.summary,
            self.first_day,
            self.last_day,
            self.description,
            self.categories,
            self.url,
            self.status,
        )
        if self.start is not None:
            # Only timed events add their times: all-day fingerprints stay as published.
            shown += (self.start.isoformat(), self.end.isoformat(), str(self.start.tzinfo))
        return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


class Revision(NamedTuple):
    sequence: int
    changed_at: datetime


# --- 1. The event source ----------------------------------------------------------------


def session_events(
    roadmaps: Sequence[Roadmap],
    tasks: Iterable[CalendarTask],
    sessions: Iterable[StudySession],
    options: CalendarOptions,
) -> list[FeedEvent]:
    """The feed's events: the study sessions given, one marker per milestone and phase.

    ``sessions`` come from ``roadmaps.plans.sessions.study_sessions`` over the
    days to show (the window, or the whole plan). Each is a timed event at its
    start and end in the learner's zone; with ``options.all_day_events`` each
    study day of a roadmap is one all-day event listing that day's sessions.
    Markers are kept from the window's first day on, however far ahead: that is
    how later work shows. Deterministic order: roadmaps, then times.
    """
    by_roadmap: dict[int, list[CalendarTask]] = {roadmap.id: [] for roadmap in roadmaps}
    for task in tasks:
        by_roadmap[task.roadmap_id].append(task)
    sessions_of: dict[int, list[StudySession]] = {roadmap.id: [] for roadmap in roadmaps}
    for session in sessions:
        if session.roadmap_id in sessions_of:
            sessions_of[session.roadmap_id].append(session)
    window = options.window
    events: list[FeedEvent] = []
    for roadmap in roadmaps:
        task_by_id = {task.id: task for task in by_roadmap[roadmap.id]}
        # Rows and sessions come from separate reads: a task made in between waits for the next build.
        in_time_order = sorted(
            (session for session in sessions_of[roadmap.id] if session.task_id in task_by_id), key=lambda s: s.start
        )
        if options.all_day_events:
            days: dict[date, list[StudySession]] = {}
            for session in in_time_order:
                days.setdefault(session.date, []).append(session)
            events += [
                study_day_event(day, day_sessions, task_by_id, roadmap, options) for day, day_sessions in days.items()
            ]
        else:
            events += [
                session_event(session, task_by_id[session.task_id], roadmap, options) for session in in_time_order
            ]
        in_date_order = sorted(by_roadmap[roadmap.id], key=lambda t: (t.start_date, t.sequence))
        events += [
            marker
            for marker in marker_events(roadmap, in_date_order, options)
            if window is None or marker.last_day >= window.first_day
        ]
    return events


def session_event(session: StudySession, task: CalendarTask, roadmap: Roadmap, options: CalendarOptions) -> FeedEvent:
    url = f"{options.site_url}/roadmaps/{roadmap.id}/#task-{task.id}"
    status = STATUS_LABELS.get(task.status, task.status)
    kind = task.kind.title()
    return FeedEvent(
        uid=f"session-{task.uid}-{session.date:%Y%m%d}",
        summary=finished_mark([task]) + task.title,
        first_day=session.date,
        last_day=session.date,
        description=f"Study session: {session.minutes} min\n" + task_description(task, roadmap, status=status, url=url),
        categories=(kind, status) if task.is_finished else (kind,),
        url=url,
        start=session.start,
        end=session.end,
        updated_at=task.updated_at,
    )


def study_day_event(
    day: date,
    sessions: list[StudySession],
    task_by_id: dict[int, CalendarTask],
    roadmap: Roadmap,
    options: CalendarOptions,
) -> FeedEvent:
    """One all-day event for a roadmap's study day: its sessions, in order, with their minutes."""
    tasks = [task_by_id[session.task_id] for session in sessions]
    minutes = sum(session.minutes for session in sessions)
    lines = [f"{minutes} min of study on {roadmap.role.name}:"]
    lines += [
        f"- {finished_mark([task])}{task.title}: {session.minutes} min"
        f" (estimated hours: {task.estimated_minutes / 60:g})"
        for session, task in zip(sessions, tasks, strict=True)
    ]
    url = f"{options.site_url}/roadmaps/{roadmap.id}/"
    lines.append(url)
    titles = ", ".join(dict.fromkeys(task.title for task in tasks))
    return FeedEvent(
        uid=f"day-{roadmap.id}-{day:%Y%m%d}",
        summary=finished_mark(tasks) + f"Study {minutes} min: {titles}",
        first_day=day,
        last_day=day,
        description="\n".join(lines),
        categories=("Study",),
        url=url,
        updated_at=max(task.updated_at for task in tasks),
    )


def finished_mark(tasks: list[CalendarTask]) -> str:
    """✓ once every task is finished and one was done; ⊘ when all were skipped (the milestone rule)."""
    status = milestone_status([task.status for task in tasks])
    return DONE_MARK if status == DONE else SKIPPED_MARK if status == SKIPPED else ""


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


def marker_events(roadmap: Roadmap, tasks: list[CalendarTask], options: CalendarOptions) -> list[FeedEvent]:
    """One event on the last due date of each milestone, then of each phase."""
    milestones = group_in_plan_order(tasks, key=lambda t: (t.phase_order, milestone_key(t)))
    phases = group_in_plan_order(tasks, key=lambda t: t.phase_order)
    url = f"{options.site_url}/roadmaps/{roadmap.id}/"
    events = [marker_event(group, "milestone", milestone_marker_title(group), url) for group in milestones]
    events += [
        marker_event(group, "phase", f"Phase {group[0].phase_order} ends: {group[0].phase_title}", url)
        for group in phases
    ]
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


def marker_event(group: list[CalendarTask], kind: str, title: str, url: str) -> FeedEvent:
    due = max(task.due_date for task in group)
    hours = sum(task.estimated_minutes for task in group) / 60
    finished = sum(task.is_finished for task in group)
    return FeedEvent(
        uid=f"{kind}-{group[0].calendar_uid}",
        summary=finished_mark(group) + title,
        first_day=due,
        last_day=due,
        description=f"{title}\n{len(group)} tasks ({finished} finished), {hours:g} estimated hours",
        categories=("Milestone" if kind == "milestone" else "Phase",),
        url=url,
        sequence_floor=sum(task.calendar_revision for task in group),
        updated_at=max(task.updated_at for task in group),
    )


# --- 2. The writer ----------------------------------------------------------------------


def render_calendar(
    name: str, events: Iterable[FeedEvent], revisions: dict[str, Revision], options: CalendarOptions
) -> bytes:
    """The iCalendar bytes; the same events and revisions always give the same bytes."""
    calendar = calendar_shell(name, options)
    first, last = None, None
    for event in events:
        calendar.add_component(vevent(event, revisions[event.uid]))
        if event.start is not None:
            first = min(first or event.first_day, event.first_day)
            last = max(last or event.last_day, event.last_day)
    if first is not None:
        # A VTIMEZONE for each TZID used, from the zone database, covering only the
        # events' years: the rules of a century of transitions would only add bytes.
        calendar.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1))
    return calendar.to_ical()


def calendar_name(roadmaps: Iterable[Roadmap]) -> str:
    role_names = list(dict.fromkeys(roadmap.role.name for roadmap in roadmaps))
    return f"Roadmap: {', '.join(role_names)}" if role_names else "Roadmap"


def calendar_shell(name: str, options: CalendarOptions) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", CALENDAR_DESCRIPTION)
    calendar.add("x-wr-timezone", options.timezone)
    # RFC 7986 and its older Microsoft twin: how often clients should poll.
    calendar.add("refresh-interval", options.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(options.refresh))
    return calendar


def vevent(feed_event: FeedEvent, revision: Revision) -> Event:
    changed_at = revision.changed_at.astimezone(UTC).replace(microsecond=0)
    event = Event()
    event.add("uid", feed_event.uid)
    event.add("summary", feed_event.summary)
    if feed_event.start is not None:
        # DTSTART;TZID=<the learner's zone>: the session keeps its wall-clock time across DST.
        event.add("dtstart", feed_event.start)
        event.add("dtend", feed_event.end)
    else:
        event.add("dtstart", feed_event.first_day)
        event.add("dtend", feed_event.last_day + timedelta(days=1))  # exclusive end for all-day events
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    event.add("sequence", revision.sequence)
    event.add("status", feed_event.status)
    # Study time should not make the learner look busy to colleagues.
    event.add("transp", "TRANSPARENT")
    event.add("categories", list(feed_event.categories))
    event.add("description", feed_event.description)
    event.add("url", feed_event.url)
    return event


def calendar_filename(roadmap: Roadmap) -> str:
    return f"{roadmap.role.slug}-roadmap.ics"


def body_etag(body: bytes) -> str:
    """A strong ETag: a hash of the bytes, so it moves when the bytes do, and only then."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def inputs_key(*parts: object) -> str:
    """A hash of everything a feed's body is made from (the caller lists it)."""
    text = "\x1f".join(str(part) for part in (CALENDAR_FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()


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
