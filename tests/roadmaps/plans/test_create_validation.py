"""POST /api/roadmaps/ refuses plans a learner could not live by, naming the field; unknown fields anywhere are 400."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from roadmaps.models import Roadmap
from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db

# 23:30 UTC on Monday 16th is already Tuesday 17th in Paris.
NOW = datetime(2026, 11, 16, 23, 30, tzinfo=UTC)
PARIS_TODAY = date(2026, 11, 17)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def catalog(learner):
    learner.profile.timezone = "Europe/Paris"
    learner.profile.save()
    python = SkillFactory(slug="python")
    role = RoleFactory(slug="ml-engineer")
    RoleFactory(slug="prompt-engineer")
    track = make_track(slug="ml-track", milestones_per_phase=(1, 1), hours=5, skills=[python])
    track.roles.add(role)
    return track


def body(**overrides):
    return {"role": "ml-engineer", "track": "ml-track", "start_date": PARIS_TODAY.isoformat(), **overrides}


def post(client, **overrides):
    return client.post("/api/roadmaps/", body(**overrides), format="json")


def test_a_track_that_does_not_fit_the_role_is_a_400_naming_track(learner_client, catalog):
    response = post(learner_client, role="prompt-engineer")

    assert response.status_code == 400
    assert "track" in response.json()
    assert not Roadmap.objects.exists()


def test_a_plan_with_no_task_left_is_a_400_naming_known_skills(learner_client, catalog):
    response = post(learner_client, known_skills=["python"])

    assert response.status_code == 400
    assert "known_skills" in response.json()
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize(
    ("offset", "status"),
    [(-8, 400), (-7, 201), (0, 201), (365, 201), (366, 400)],
)
def test_the_start_date_lies_within_a_week_back_and_a_year_ahead_in_the_learners_zone(
    learner_client, catalog, offset, status
):
    response = post(learner_client, start_date=(PARIS_TODAY + timedelta(days=offset)).isoformat())

    assert response.status_code == status, response.json()
    if status == 400:
        assert "start_date" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/api/roadmaps/", body(hours_per_week=0)),
        ("patch", "/api/me/", {"weekly_hours": 5, "hours_per_week": 0}),
        (
            "post",
            "/api/auth/register/",
            {"email": "x@example.com", "password": "long enough pw 1", "hours_per_week": 1},
        ),
        ("post", "/api/auth/token/", {"email": "x@example.com", "password": "x", "hours_per_week": 1}),
    ],
)
def test_an_unknown_field_in_a_write_body_is_a_400_naming_it(learner_client, catalog, method, path, payload):
    response = getattr(learner_client, method)(path, payload, format="json")

    assert response.status_code == 400
    assert response.json()["hours_per_week"] == ["Unknown field."]
    assert not Roadmap.objects.exists()


def test_unknown_fields_are_refused_on_task_and_replan_bodies_too(learner_client, catalog):
    roadmap = post(learner_client).json()
    task = roadmap["tasks"][0]["id"]

    patched = learner_client.patch(f"/api/tasks/{task}/", {"status": "done", "colour": "red"}, format="json")
    replanned = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {"from": "2026-12-01"}, format="json")

    assert (patched.status_code, patched.json()) == (400, {"colour": ["Unknown field."]})
    assert (replanned.status_code, replanned.json()) == (400, {"from": ["Unknown field."]})
    assert learner_client.get(f"/api/roadmaps/{roadmap['id']}/tasks/").json()["results"][0]["status"] == "todo"


def test_a_field_the_endpoint_shows_may_be_sent_back_unchanged(learner_client, catalog):
    profile = learner_client.get("/api/me/").json()

    assert learner_client.patch("/api/me/", profile, format="json").status_code == 200
