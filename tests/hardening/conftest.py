"""A small world for the hardening tests, and what they derive from the published OpenAPI schema.

The world: an owner with a roadmap of dated tasks and a calendar feed, and a
stranger with nothing. The schema decides which operations exist, which are
private and which take a body, so a new endpoint joins every matrix by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Profile, User
from roadmaps.calendar import services as calendar_services
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import CalendarExport, CalendarFeed, Portfolio, Roadmap, RoadmapMilestone, Task
from roadmaps.plans import services
from tests.conftest import client_for
from tests.factories import RoleFactory, SkillFactory, UserFactory, make_track, token_for

HTTP_METHODS = ("get", "put", "patch", "post", "delete")
MISSING_ID = 2_147_483_000  # an id no test ever reaches


@dataclass
class World:
    owner: User
    stranger: User
    roadmap: Roadmap
    task_ids: list[int]
    milestone_ids: list[int]
    feed: CalendarFeed
    role_slug: str
    track_slug: str
    skill_slug: str

    # Cached: each new client sets the middleware up again, WhiteNoise's file scan included.
    @cached_property
    def owner_client(self) -> APIClient:
        return client_for(self.owner)

    @cached_property
    def stranger_client(self) -> APIClient:
        return client_for(self.stranger)

    @property
    def feed_path(self) -> str:
        return f"/calendar/{self.feed.token}.ics"


def build_world() -> World:
    python = SkillFactory(slug="python", name="Python")
    role = RoleFactory(slug="ml-engineer", name="Machine Learning Engineer")
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=10, skills=[python])
    track.roles.add(role)
    owner, stranger = UserFactory(), UserFactory()
    # Both hold an API token from the start, so making their clients writes nothing.
    token_for(owner), token_for(stranger)
    inputs = services.PlanInputs(
        role=role,
        track=catalog_selectors.tracks_with_milestones().get(pk=track.pk),
        start_date=today(),
        weekly_hours=10,
        study_days=[1, 2, 3, 4, 5],
        known_skills=[],
    )
    roadmap = services.roadmap_create(user=owner, inputs=inputs)
    return World(
        owner=owner,
        stranger=stranger,
        roadmap=roadmap,
        task_ids=list(roadmap.tasks.order_by("id").values_list("id", flat=True)),
        milestone_ids=list(roadmap.milestones.order_by("id").values_list("id", flat=True)),
        feed=calendar_services.feed_get_or_create(user=owner),
        role_slug=role.slug,
        track_slug=track.slug,
        skill_slug=python.slug,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def today() -> date:
    return timezone.now().date()


# --- What the schema says ---------------------------------------------------------------


def published_schema() -> dict:
    """The OpenAPI document /api/schema/ serves, built the same way without a request."""
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = published_schema()


def operations() -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in SCHEMA["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def is_private(operation: dict) -> bool:
    """Anonymous access is allowed where the schema lists an empty security requirement."""
    security = operation.get("security")
    return bool(security) and {} not in security


def private_operations() -> list[tuple[str, str]]:
    return [(method, path) for method, path, operation in operations() if is_private(operation)]


def object_operations() -> list[tuple[str, str]]:
    """Private operations on one object named in the path."""
    return [(method, path) for method, path in private_operations() if "{" in path]


def body_operations() -> list[tuple[str, str, dict]]:
    """Operations that read a JSON body, with the (resolved) schema of that body."""
    found = []
    for method, path, operation in operations():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            found.append((method, path, resolve(content["application/json"]["schema"])))
    return found


def resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return resolve(SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def label(method: str, path: str) -> str:
    return f"{method} {path}"


# --- Concrete requests ----------------------------------------------------------------


def path_parameters_for(path: str, world: World) -> dict:
    """The owner's own object for each parameter of ``path``; KeyError for one nobody taught us."""
    collection = path.split("{", 1)[0]
    known = {
        ("/api/roadmaps/", "id"): world.roadmap.id,
        ("/api/tasks/", "id"): world.task_ids[0],
        ("/api/milestones/", "id"): world.milestone_ids[0],
        ("/api/roles/", "slug"): world.role_slug,
        ("/api/tracks/", "slug"): world.track_slug,
        ("/api/skills/", "slug"): world.skill_slug,
        ("/calendar/", "token"): world.feed.token,
    }
    names = [part.split("}", 1)[0] for part in path.split("{")[1:]]
    return {name: known[(collection, name)] for name in names}


def fill(path: str, parameters: dict) -> str:
    for name, value in parameters.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def valid_body(method: str, path: str, world: World) -> dict | None:
    """A body the owner could send successfully, so only the thing under test is wrong."""
    bodies = {
        ("POST", "/api/auth/register/"): {
            "email": "new.learner@example.com",
            "password": "a-Long-passphrase-42",
            "name": "New Learner",
            "timezone": "Europe/Paris",
        },
        ("POST", "/api/auth/token/"): {"email": world.owner.email, "password": "a-Long-passphrase-42"},
        ("PATCH", "/api/me/"): {"name": "Renamed", "weekly_hours": 12},
        ("POST", "/api/auth/password/"): {
            "current_password": "a-Long-passphrase-42",
            "new_password": "Another-long-passphrase-7",
        },
        ("POST", "/api/auth/password-reset/"): {"email": world.owner.email},
        ("DELETE", "/api/me/"): {"password": "a-Long-passphrase-42"},
        ("POST", "/api/roadmaps/"): {
            "role": world.role_slug,
            "track": world.track_slug,
            "start_date": today().isoformat(),
            "weekly_hours": 10,
        },
        ("POST", "/api/roadmaps/preview/"): {
            "role": world.role_slug,
            "track": world.track_slug,
            "start_date": today().isoformat(),
            "weekly_hours": 10,
        },
        ("POST", "/api/roadmaps/{id}/replan/"): {"from_date": today().isoformat()},
        ("POST", "/api/roadmaps/{id}/catch-up/"): {"kind": "extend"},
        ("PATCH", "/api/tasks/{id}/"): {"status": "done"},
        ("PATCH", "/api/milestones/{id}/"): {
            "status": "done",
            "evidence_url": "https://github.com/learner/project",
            "note": "Shipped.",
        },
        ("POST", "/api/me/portfolio/"): {"public": True},
    }
    return bodies.get((method, path))


# --- "Nothing stored" ---------------------------------------------------------------------


def stored_state() -> dict:
    """Every row a request could write, as plain values: equal before and after means untouched."""
    return {
        "users": list(User.objects.order_by("id").values_list("id", "email", "name", "password", "is_active")),
        "profiles": list(Profile.objects.order_by("id").values()),
        "known_skills": list(Profile.known_skills.through.objects.order_by("id").values_list()),
        "tokens": list(AuthToken.objects.order_by("digest").values_list("digest", "user_id", "expiry")),
        "roadmaps": list(Roadmap.objects.order_by("id").values()),
        "tasks": list(Task.objects.order_by("id").values()),
        "feeds": list(CalendarFeed.objects.order_by("id").values_list("id", "user_id", "token")),
        "exports": list(CalendarExport.objects.order_by("id").values_list("id", "roadmap_id", "status")),
        "milestones": list(RoadmapMilestone.objects.order_by("id").values()),
        "portfolios": list(Portfolio.objects.order_by("id").values()),
    }
