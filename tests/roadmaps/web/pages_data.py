"""Catalog and roadmaps for the page tests, built with the factories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from roadmaps.models import Roadmap, Role, Task
from tests.factories import (
    MilestoneFactory,
    RoadmapFactory,
    RoleFactory,
    SkillFactory,
    TaskFactory,
    make_track,
)

TODAY = date(2026, 11, 18)  # a Wednesday
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
START = date(2026, 11, 2)  # a Monday, two weeks before TODAY


@dataclass
class Catalog:
    role: Role
    other_role: Role
    track: object
    other_track: object
    python: object
    sql: object


def page_catalog() -> Catalog:
    """Two roles in two categories; the ML track has a Python milestone worth skipping."""
    python = SkillFactory(slug="python", name="Python", category="programming")
    sql = SkillFactory(slug="sql", name="SQL", category="data")
    modelling = SkillFactory(slug="modelling", name="Modelling", category="machine-learning")
    role = RoleFactory(
        slug="ml-engineer",
        name="Machine Learning Engineer",
        category=Role.Category.CORE_TECHNICAL,
        mission="Take models from notebooks to production.",
    )
    role.essential_skills.add(python, modelling)
    other_role = RoleFactory(
        slug="ai-product-manager",
        name="AI Product Manager",
        category=Role.Category.BUSINESS_STRATEGY,
        mission="Decide what AI should build and why.",
    )
    track = make_track(
        slug="ml-track",
        name="ML Engineer Track",
        audience="Software engineers moving into ML",
        milestones_per_phase=(2, 2),
        hours=10,
        skills=[modelling],
    )
    first_phase = track.phases.get(order=1)
    MilestoneFactory(phase=first_phase, title="Python refresher", estimated_hours=6, skills=[python])
    track.roles.add(role)
    other_track = make_track(slug="pm-track", name="AI PM Track", audience="Product managers", skills=[sql])
    other_track.roles.add(other_role)
    return Catalog(role, other_role, track, other_track, python, sql)


def make_roadmap(user, *, tasks: int = 5, phases: int = 3, start: date = START, **fields) -> Roadmap:
    """A roadmap of ``tasks`` two-hour tasks, one a day from ``start``, in ``phases`` phases."""
    roadmap = RoadmapFactory(user=user, start_date=start, end_date=start + timedelta(days=tasks + 1), **fields)
    Task.objects.bulk_create(
        TaskFactory.build(
            roadmap=roadmap,
            sequence=index,
            title=f"Task {index + 1}",
            milestone_title=f"Milestone {index // 2 + 1}",
            phase_order=index * phases // tasks + 1,
            phase_title=f"Phase {index * phases // tasks + 1}",
            estimated_minutes=120,
            start_date=start + timedelta(days=index),
            due_date=start + timedelta(days=index),
        )
        for index in range(tasks)
    )
    return roadmap
