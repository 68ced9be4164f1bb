"""Study sessions: the selector, GET /api/roadmaps/{id}/sessions/ and GET /api/today/."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from roadmaps.models import Roadmap
from roadmaps.plans import selectors
from roadmaps.plans.sessions import study_sessions
from tests.conftest import client_for
from tests.factories import RoleFactory, SkillFactory, UserFactory, make_track

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)  # a Monday
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def catalog():
    skill = SkillFactory(slug="python")
    role = RoleFactory(slug="ml-engineer")
    small = make_track(slug="small", milestones_per_phase=(2, 2), hours=3, skills=[skill])
    big = make_track(slug="big", milestones_per_phase=(20, 20, 20), hours=30, weeks_per_phase=40, skills=[skill])
    small.roles.add(role)
    big.roles.add(role)
    return role


def create(client, track="small", **overrides):
    body = {"role": "ml-engineer", "track": track, "start_date": TODAY.isoformat(), "weekly_hours": 5}
    response = client.post("/api/roadmaps/", {**body, **overrides}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def sessions_of(client, roadmap_id, date_from, date_to):
    url = f"/api/roadmaps/{roadmap_id}/sessions/?from={date_from}&to={date_to}"
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_day_starts_at_the_study_time_in_the_learners_zone_and_sessions_follow_each_other(learner, catalog):
    learner.profile.timezone = "Europe/Paris"
    learner.profile.study_time = time(18, 30)
    learner.profile.save()
    client = client_for(learner)
    # 5 h over Monday..Friday: 60 minutes a day; 3 h milestones: Monday..Wednesday, then Thursday..Monday.
    roadmap = create(client)

    body = sessions_of(client, roadmap["id"], TODAY, TODAY + timedelta(days=6))

    first_day = [s for s in body["results"] if s["date"] == TODAY.isoformat()]
    assert [(s["start"], s["end"], s["minutes"]) for s in first_day] == [
        ("2026-11-16T18:30:00+01:00", "2026-11-16T19:30:00+01:00", 60)
    ]
    assert [s["date"] for s in body["results"]] == [f"2026-11-{day}" for day in (16, 17, 18, 19, 20)]
    assert [s["task"] for s in body["results"]] == [roadmap["tasks"][0]["id"]] * 3 + [roadmap["tasks"][1]["id"]] * 2


def test_the_sessions_of_each_task_sum_to_its_minutes(learner_client, catalog):
    roadmap = create(learner_client)
    body = sessions_of(learner_client, roadmap["id"], TODAY, TODAY + timedelta(days=60))

    minutes = {}
    for session in body["results"]:
        minutes[session["task"]] = minutes.get(session["task"], 0) + session["minutes"]
    assert minutes == {task["id"]: round(float(task["estimated_hours"]) * 60) for task in roadmap["tasks"]}


def test_sessions_fall_on_study_days_only_and_skip_blocked_dates(learner_client, catalog):
    blocked = TODAY + timedelta(days=1)
    roadmap = create(learner_client, study_days=[2, 4, 6], blocked_dates=[blocked.isoformat()])
    body = sessions_of(learner_client, roadmap["id"], TODAY, TODAY + timedelta(days=90))

    days = {date.fromisoformat(s["date"]) for s in body["results"]}
    assert days and all(day.isoweekday() in (2, 4, 6) for day in days)
    assert blocked not in days


def test_finishing_a_task_early_removes_its_remaining_sessions_and_moves_nothing_else(learner_client, catalog):
    roadmap = create(learner_client)
    before = sessions_of(learner_client, roadmap["id"], TODAY, TODAY + timedelta(days=60))["results"]
    first = roadmap["tasks"][0]["id"]

    learner_client.patch(f"/api/tasks/{first}/", {"status": "done"}, format="json")
    after = sessions_of(learner_client, roadmap["id"], TODAY, TODAY + timedelta(days=60))["results"]

    assert [s for s in after if s["task"] == first] == [
        {**s, "status": "done"} for s in before if s["task"] == first and s["date"] == TODAY.isoformat()
    ]
    assert [s for s in after if s["task"] != first] == [s for s in before if s["task"] != first]


def test_the_range_is_inclusive_and_paginated(learner_client, catalog):
    roadmap = create(learner_client)
    body = sessions_of(learner_client, roadmap["id"], TODAY + timedelta(days=1), TODAY + timedelta(days=1))

    assert [s["date"] for s in body["results"]] == [(TODAY + timedelta(days=1)).isoformat()]
    assert body["next"] is None and body["previous"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-11-20&to=2026-11-19", "to")],
)
def test_a_bad_range_is_a_400_naming_the_parameter(learner_client, catalog, query, field):
    roadmap = create(learner_client)
    response = learner_client.get(f"/api/roadmaps/{roadmap['id']}/sessions/?{query}")

    assert response.status_code == 400
    assert field in response.json()


def test_another_learners_sessions_are_a_404(learner_client, catalog):
    other = client_for(UserFactory())
    roadmap = create(other)

    assert learner_client.get(f"/api/roadmaps/{roadmap['id']}/sessions/").status_code == 404


def test_today_lists_todays_sessions_over_active_roadmaps_and_the_next_three_tasks(learner_client, catalog):
    first = create(learner_client)
    second = create(learner_client)

    body = learner_client.get("/api/today/").json()

    assert body["date"] == TODAY.isoformat()
    assert [(s["roadmap"], s["start"], s["end"]) for s in body["sessions"]] == [
        (first["id"], "2026-11-16T19:00:00+00:00", "2026-11-16T20:00:00+00:00"),
        (second["id"], "2026-11-16T20:00:00+00:00", "2026-11-16T21:00:00+00:00"),
    ]
    assert len(body["next_tasks"]) == 3
    assert all(task["status"] == "todo" for task in body["next_tasks"])


def test_today_leaves_out_archived_roadmaps(learner_client, catalog):
    roadmap = create(learner_client)
    Roadmap.objects.filter(pk=roadmap["id"]).update(status=Roadmap.Status.ARCHIVED)

    body = learner_client.get("/api/today/").json()

    assert body["sessions"] == [] and body["next_tasks"] == []


def test_the_selector_takes_two_queries_for_any_number_of_roadmaps_and_tasks(
    learner, catalog, django_assert_num_queries
):
    client = client_for(learner)
    create(client)
    with django_assert_num_queries(2):
        one = study_sessions(selectors.roadmaps_of(learner), TODAY, TODAY + timedelta(days=400))
    for _ in range(3):
        create(client, track="big", weekly_hours=30)
    with django_assert_num_queries(2):
        many = study_sessions(selectors.roadmaps_of(learner), TODAY, TODAY + timedelta(days=400))

    assert len(many) > 10 * len(one) > 0
    assert all(s.start.utcoffset() is not None for s in many)


def test_the_selector_takes_roadmap_ids_too(learner, catalog):
    roadmap = create(client_for(learner))

    by_id = study_sessions([roadmap["id"]], TODAY, TODAY + timedelta(days=30))

    assert by_id == study_sessions(Roadmap.objects.filter(pk=roadmap["id"]), TODAY, TODAY + timedelta(days=30))
    assert by_id


@pytest.mark.parametrize("path", ["/api/roadmaps/{id}/sessions/", "/api/today/"])
def test_the_session_endpoints_take_the_same_queries_for_small_and_big_plans(
    learner, catalog, django_assert_max_num_queries, path
):
    client = client_for(learner)
    small = create(client)

    def count(roadmap_id):
        with django_assert_max_num_queries(1000) as captured:
            assert client.get(path.format(id=roadmap_id)).status_code == 200
        return len(captured.captured_queries)

    small_count = count(small["id"])
    big = create(client, track="big", weekly_hours=30)
    assert count(big["id"]) == small_count
