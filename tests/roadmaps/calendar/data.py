"""Test data and parsing helpers shared by the calendar tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar
import vobject

from tests.factories import (
    MilestoneFactory,
    PhaseFactory,
    RoadmapFactory,
    RoleFactory,
    SkillFactory,
    TaskFactory,
)

START = date(2026, 11, 2)


@dataclass
class Plan:
    roadmap: object
    tasks: list
    milestone_count: int
    phase_count: int

    @property
    def event_count(self) -> int:
        # One study session per task here: a task's 90 minutes fit the 120 of its first
        # study day (10 hours over 5 days), and the next task starts the next day.
        return len(self.tasks) + self.milestone_count + self.phase_count


def roadmap_with_tasks(
    user, *, tasks=6, per_milestone=2, milestones_per_phase=2, role_slug="ml-engineer", **fields
) -> Plan:
    """A roadmap of ``tasks`` dated tasks, ``per_milestone`` to a milestone, with skills."""
    role = RoleFactory(slug=role_slug, name=role_slug.replace("-", " ").title())
    roadmap = RoadmapFactory(user=user, role=role, start_date=START, **fields)
    skills = [SkillFactory(slug="python", name="Python"), SkillFactory(slug="sql", name="SQL")]
    phases, milestones, created = {}, {}, []
    for index in range(tasks):
        milestone_index = index // per_milestone
        phase_order = milestone_index // milestones_per_phase + 1
        if phase_order not in phases:
            phases[phase_order] = PhaseFactory(track=roadmap.track, order=phase_order)
        if milestone_index not in milestones:
            milestones[milestone_index] = MilestoneFactory(
                phase=phases[phase_order], skills=skills, title=f"Milestone {milestone_index + 1}"
            )
        milestone = milestones[milestone_index]
        start = START + timedelta(days=index)
        created.append(
            TaskFactory(
                roadmap=roadmap,
                milestone=milestone,
                sequence=index + 1,
                title=f"Study part {index + 1}",
                milestone_title=milestone.title,
                phase_order=phase_order,
                phase_title=phases[phase_order].title,
                estimated_minutes=90,
                start_date=start,
                due_date=start + timedelta(days=1),
            )
        )
    return Plan(roadmap, created, len(milestones), len(phases))


def path_of(url: str) -> str:
    return urlsplit(url).path


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def icalendar_events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in parse(body).walk("VEVENT")}


def vobject_events(body: bytes) -> dict[str, object]:
    """The same events read by an independent parser."""
    calendar = vobject.readOne(body.decode("utf-8"))
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def task_uid(task) -> str:
    """Tasks made since UIDs dropped the host name are published by their UUID alone."""
    return str(task.uid)


def session_uid_prefix(task) -> str:
    return f"session-{task.uid}-"


def sessions_of(events: dict, task) -> list:
    """The task's study-session events, in time order (their UIDs start with the task's UUID)."""
    prefix = session_uid_prefix(task)
    return sorted((e for uid, e in events.items() if uid.startswith(prefix)), key=lambda e: e["DTSTART"].dt)


def session_minutes(event) -> int:
    return int((event["DTEND"].dt - event["DTSTART"].dt).total_seconds() // 60)
