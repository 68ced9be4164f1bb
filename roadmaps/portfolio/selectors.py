"""Reads for the portfolio; the public page costs a fixed number of queries whatever the plan's size."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch

from roadmaps.milestones import states
from roadmaps.models import Portfolio, Roadmap, RoadmapMilestone, Task
from roadmaps.models.calendar import digest_feed_token
from roadmaps.plans import planning

PUBLIC_ROADMAP_EXCLUDES = (Roadmap.Status.ARCHIVED,)
ANONYMOUS_NAME = "A learner"


def portfolio_of(user) -> Portfolio | None:
    return Portfolio.objects.filter(user=user).first()


def portfolio_by_token(token: str) -> Portfolio | None:
    """The published page this token opens, with its owner and profile (one query); constant-time final check."""
    if not token:
        return None
    portfolio = (
        Portfolio.objects.select_related("user__profile")
        .filter(token_digest=digest_feed_token(token), user__is_active=True)
        .first()
    )
    if portfolio is None or not hmac.compare_digest(portfolio.token.encode(), token.encode()):
        return None
    return portfolio


@dataclass(frozen=True)
class ShownMilestone:
    title: str
    phase: str
    kind: str
    completed_at: datetime
    evidence_url: str


@dataclass(frozen=True)
class ShownRoadmap:
    role: str
    track: str
    start_date: date
    end_date: date
    percent_complete: float
    milestones_done: int
    milestones_total: int
    completed: list[ShownMilestone]


def public_roadmaps(portfolio: Portfolio, *, today: date) -> list[ShownRoadmap]:
    """What the page shows of each roadmap (three queries: roadmaps, tasks, milestone records)."""
    roadmaps = (
        Roadmap.objects.filter(user_id=portfolio.user_id)
        .exclude(status__in=PUBLIC_ROADMAP_EXCLUDES)
        .select_related("role", "track")
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.order_by("sequence")),
            Prefetch("milestones", queryset=RoadmapMilestone.objects.order_by("sequence")),
        )
        .order_by("created_at", "id")
    )
    zone = portfolio.user.profile.zone
    return [_shown(roadmap, today=today, zone=zone) for roadmap in roadmaps]


def _shown(roadmap: Roadmap, *, today: date, zone) -> ShownRoadmap:
    tasks = list(roadmap.tasks.all())
    progress = planning.progress_of(roadmap, tasks, today=today, zone=zone)
    by_record = states.states_by_milestone(tasks)
    records = [record for record in roadmap.milestones.all() if record.id in by_record]
    completed = [
        ShownMilestone(
            title=record.title,
            phase=record.phase_title,
            kind=record.kind,
            completed_at=by_record[record.id].completed_at,
            evidence_url=record.evidence_url,
        )
        for record in records
        if by_record[record.id].status == states.DONE and by_record[record.id].completed_at
    ]
    return ShownRoadmap(
        role=roadmap.role.name,
        track=roadmap.track.name,
        start_date=roadmap.start_date,
        end_date=roadmap.end_date,
        percent_complete=progress.percent_complete,
        milestones_done=len(completed),
        milestones_total=len(records),
        completed=sorted(completed, key=lambda milestone: milestone.completed_at, reverse=True),
    )


def display_name(portfolio: Portfolio) -> str:
    """The learner's chosen name; never the e-mail address it would otherwise fall back to."""
    return portfolio.user.name.strip() or ANONYMOUS_NAME
