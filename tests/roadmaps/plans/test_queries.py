"""SQL query counts of the roadmap endpoints stay the same whatever the number of tasks."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.factories import RoleFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 9, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def tracks():
    skill = SkillFactory(slug="python")
    role = RoleFactory(slug="data-scientist")
    small = make_track(slug="small", milestones_per_phase=(1,), hours=5, skills=[skill])
    big = make_track(slug="big", milestones_per_phase=(20, 20, 20), hours=30, weeks_per_phase=40, skills=[skill])
    small.roles.add(role)
    big.roles.add(role)
    return small, big


def create(client, track):
    body = {"role": "data-scientist", "track": track, "start_date": START.isoformat(), "weekly_hours": 10}
    response = client.post("/api/roadmaps/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def count_queries(django_assert_max_num_queries, action):
    with django_assert_max_num_queries(1000) as captured:
        action()
    return len(captured.captured_queries)


def test_creating_a_roadmap_takes_the_same_queries_for_1_or_hundreds_of_tasks(
    learner_client, tracks, django_assert_max_num_queries
):
    small = count_queries(django_assert_max_num_queries, lambda: create(learner_client, "small"))
    big_roadmap = []
    big = count_queries(django_assert_max_num_queries, lambda: big_roadmap.append(create(learner_client, "big")))

    assert len(big_roadmap[0]["tasks"]) > 100
    assert small == big


@pytest.mark.parametrize("endpoint", ["tasks", "progress", ""])
def test_reading_a_roadmap_takes_the_same_queries_for_1_or_hundreds_of_tasks(
    learner_client, tracks, django_assert_max_num_queries, endpoint
):
    small, big = create(learner_client, "small"), create(learner_client, "big")
    url = "/api/roadmaps/{}/" + (f"{endpoint}/" if endpoint else "")

    small_count = count_queries(django_assert_max_num_queries, lambda: learner_client.get(url.format(small["id"])))
    big_count = count_queries(django_assert_max_num_queries, lambda: learner_client.get(url.format(big["id"])))

    assert small_count == big_count


def test_listing_roadmaps_takes_the_same_queries_for_one_or_many(learner_client, tracks, django_assert_max_num_queries):
    create(learner_client, "small")
    one = count_queries(django_assert_max_num_queries, lambda: learner_client.get("/api/roadmaps/"))
    for _ in range(5):
        create(learner_client, "big")
    many = count_queries(django_assert_max_num_queries, lambda: learner_client.get("/api/roadmaps/"))

    assert one == many


def test_replan_takes_the_same_queries_for_1_or_hundreds_of_moved_tasks(
    learner_client, tracks, django_assert_max_num_queries
):
    small, big = create(learner_client, "small"), create(learner_client, "big")
    later = {"from_date": (START + timedelta(weeks=3)).isoformat()}

    small_count = count_queries(
        django_assert_max_num_queries,
        lambda: learner_client.post(f"/api/roadmaps/{small['id']}/replan/", later, format="json"),
    )
    big_count = count_queries(
        django_assert_max_num_queries,
        lambda: learner_client.post(f"/api/roadmaps/{big['id']}/replan/", later, format="json"),
    )

    assert small_count == big_count
