"""Through the API: phases follow each other, buffers are explicit, create == re-plan on day 0."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.factories import RoleFactory, make_track

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)  # a Monday


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 16, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def catalog():
    role = RoleFactory(slug="ml-engineer")
    # Three phases of 12 weeks each, holding little work: the old planner waited 12 weeks per phase.
    track = make_track(slug="slow", milestones_per_phase=(1, 1, 1), hours=10, weeks_per_phase=12)
    track.roles.add(role)


def create(client, **extra):
    body = {"role": "ml-engineer", "track": "slow", "start_date": TODAY.isoformat(), "weekly_hours": 10, **extra}
    response = client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_phase_starts_as_soon_as_the_previous_one_ends(learner_client, catalog):
    tasks = create(learner_client)["tasks"]

    # 10 h a week on weekdays: each 10 h milestone takes one week, no wait for week 13.
    assert [(t["start_date"], t["due_date"]) for t in tasks] == [
        ("2026-11-16", "2026-11-20"),
        ("2026-11-23", "2026-11-27"),
        ("2026-11-30", "2026-12-04"),
    ]


def test_buffer_weeks_leave_that_many_free_weeks_after_each_phase_but_the_last(learner_client, catalog):
    body = create(learner_client, buffer_weeks=1)

    assert body["buffer_weeks"] == 1
    # Phase 1 ends on Friday 20th; the buffer runs 21st..27th; phase 2 starts on the next study day.
    assert [t["start_date"] for t in body["tasks"]] == ["2026-11-16", "2026-11-30", "2026-12-14"]


@pytest.mark.parametrize("buffer_weeks", [-1, 3, "x"])
def test_a_buffer_outside_0_to_2_weeks_is_refused(learner_client, catalog, buffer_weeks):
    body = {"role": "ml-engineer", "track": "slow", "start_date": TODAY.isoformat(), "buffer_weeks": buffer_weeks}
    response = learner_client.post("/api/roadmaps/", body, format="json")

    assert response.status_code == 400
    assert "buffer_weeks" in response.json()


@pytest.mark.parametrize("buffer_weeks", [0, 2])
def test_re_planning_a_new_roadmap_the_same_day_changes_no_date(learner_client, catalog, buffer_weeks):
    created = create(learner_client, buffer_weeks=buffer_weeks)

    replanned = learner_client.post(f"/api/roadmaps/{created['id']}/replan/", {}, format="json").json()

    assert replanned["moved_tasks"] == []
    assert replanned["end_date"] == created["end_date"]
    assert [(t["start_date"], t["due_date"]) for t in replanned["tasks"]] == [
        (t["start_date"], t["due_date"]) for t in created["tasks"]
    ]
