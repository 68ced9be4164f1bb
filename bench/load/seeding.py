"""Learners for the load test, made through the same services the API calls.

Imported by ``run_load_test.py`` once Django is set up on the load database.
Each learner gets a profile and an API token (``accounts.services``), one
dated roadmap (``roadmaps.plans.services``) and a calendar feed
(``roadmaps.calendar.services``). Nothing here writes task rows by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from accounts import services as account_services
from accounts.models import User
from roadmaps.calendar import services as calendar_services
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Role, Track
from roadmaps.plans import selectors, services

EMAIL_DOMAIN = "load.invalid"
# Learners live around the world: the dashboards and feeds compute "today" per zone.
TIMEZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney")
# (role, track) pairs from the curated catalog, from a 12-week sprint to a 6-month path.
ROADMAP_CHOICES = (
    ("data-scientist", "zero-experience-6-months"),
    ("ai-engineer", "ai-engineering-12-week-capstone"),
    ("analytics-engineer", "data-literacy-90-day-sprint"),
)
STUDY_DAYS = [1, 2, 3, 4, 5]


@dataclass(frozen=True)
class RoadmapChoice:
    role: Role
    track: Track
    weekly_hours: int


def roadmap_choices(today: date) -> list[RoadmapChoice]:
    """Each (role, track) with weekly hours the planner accepts."""
    choices = []
    for role_slug, track_slug in ROADMAP_CHOICES:
        role = Role.objects.get(slug=role_slug)
        track = catalog_selectors.tracks_with_milestones().get(slug=track_slug)
        choices.append(RoadmapChoice(role, track, fitting_weekly_hours(role, track, today)))
    return choices


def fitting_weekly_hours(role: Role, track: Track, today: date) -> int:
    """10 hours a week, or what the planner says this track needs."""
    try:
        services.plan_preview(plan_inputs(RoadmapChoice(role, track, 10), today))
    except services.PlanRejected as rejection:
        if rejection.required_weekly_hours is None:
            raise
        return rejection.required_weekly_hours
    return 10


def plan_inputs(choice: RoadmapChoice, start_date: date) -> services.PlanInputs:
    return services.PlanInputs(
        role=choice.role,
        track=choice.track,
        start_date=start_date,
        weekly_hours=choice.weekly_hours,
        study_days=STUDY_DAYS,
        known_skills=[],
    )


def seed_learners(*, count: int, password: str, today: date) -> dict:
    """``count`` learners, each with a roadmap started 0-7 weeks ago, as plain data."""
    choices = roadmap_choices(today)
    learners = [seed_learner(number, choices[number % len(choices)], today) for number in range(count)]
    # Django's password hash is slow on purpose (about half a second): hash the
    # shared password once instead of once per learner.
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").update(password=make_password(password))
    return {
        "password": password,
        "learners": learners,
        "new_roadmaps": [
            {
                "role": choice.role.slug,
                "track": choice.track.slug,
                "weekly_hours": choice.weekly_hours,
            }
            for choice in choices
        ],
    }


def seed_learner(number: int, choice: RoadmapChoice, today: date) -> dict:
    user = account_services.user_register(
        email=f"learner{number:04d}@{EMAIL_DOMAIN}",
        password=None,  # set for all learners at once by seed_learners
        name=f"Load Learner {number}",
        timezone_name=TIMEZONES[number % len(TIMEZONES)],
    )
    start = today - timedelta(weeks=number % 8)
    roadmap = services.roadmap_create(user=user, inputs=plan_inputs(choice, start))
    feed = calendar_services.feed_get_or_create(user=user)
    return {
        "email": user.email,
        "api_token": account_services.get_or_create_api_token(user),
        "roadmap_id": roadmap.id,
        "task_ids": list(selectors.tasks_of_roadmap(roadmap).values_list("id", flat=True)),
        "feed_url": calendar_services.feed_urls(feed)["feed_url"],
    }
