"""The read-only catalog API: shapes, status codes and constant query counts."""

import pytest

from tests.factories import MilestoneFactory, RoleFactory, RoleLevelFactory, SkillFactory, make_track

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return body["results"]


def test_roles_list_shows_slug_name_category_and_mission_without_login(api_client):
    RoleFactory(slug="ml-engineer", name="Machine Learning Engineer")

    [role] = results(api_client.get("/api/roles/"))

    assert role == {
        "slug": "ml-engineer",
        "name": "Machine Learning Engineer",
        "category": "core-technical",
        "mission": "Build useful models.",
    }


def test_role_detail_lists_skills_progression_and_fitting_tracks(api_client):
    python, docker = SkillFactory(slug="python", name="Python"), SkillFactory(slug="docker", name="Docker")
    role = RoleFactory(slug="ml-engineer")
    role.essential_skills.set([python])
    role.important_skills.set([docker])
    RoleLevelFactory(role=role, order=1, title="Junior ML Engineer", years="0-2", focus="Pipelines")
    RoleLevelFactory(role=role, order=2, title="Senior ML Engineer", years="5+", focus="Systems")
    track = make_track(slug="six-months")
    track.roles.add(role)

    body = api_client.get("/api/roles/ml-engineer/").json()

    assert body["essential_skills"] == [{"slug": "python", "name": "Python"}]
    assert body["important_skills"] == [{"slug": "docker", "name": "Docker"}]
    assert [level["title"] for level in body["progression"]] == ["Junior ML Engineer", "Senior ML Engineer"]
    assert body["progression"][0] == {"title": "Junior ML Engineer", "years": "0-2", "focus": "Pipelines"}
    assert body["tracks"] == ["six-months"]


def test_an_unknown_role_slug_is_404(api_client):
    assert api_client.get("/api/roles/astronaut/").status_code == 404


def test_an_unknown_track_slug_is_404(api_client):
    assert api_client.get("/api/tracks/nowhere/").status_code == 404


def test_track_detail_nests_phases_and_milestones_in_order(api_client):
    python = SkillFactory(slug="python")
    track = make_track(slug="sprint", milestones_per_phase=(2, 1), hours=6, skills=[python])

    body = api_client.get("/api/tracks/sprint/").json()

    assert body["slug"] == "sprint"
    assert {"name", "audience", "min_weeks", "max_weeks"} <= set(body)
    assert [phase["order"] for phase in body["phases"]] == [1, 2]
    assert [phase["start_week"] for phase in body["phases"]] == [1, 5]
    milestone = body["phases"][0]["milestones"][0]
    assert {"slug", "title", "kind", "estimated_hours", "skills"} <= set(milestone)
    assert milestone["estimated_hours"] == 6
    assert milestone["skills"] == ["python"]
    assert len(body["phases"][0]["milestones"]) == 2
    assert track.phases.count() == 2


def test_skills_list_shows_slug_name_and_category(api_client):
    SkillFactory(slug="sql", name="SQL", category="programming")

    assert results(api_client.get("/api/skills/")) == [{"slug": "sql", "name": "SQL", "category": "programming"}]


def test_lists_are_paginated(api_client):
    for n in range(55):
        SkillFactory(slug=f"s{n:02d}")

    body = api_client.get("/api/skills/").json()
    second = api_client.get("/api/skills/?page=2").json()

    assert body["count"] == 55
    assert len(body["results"]) == 50
    assert body["next"].endswith("?page=2")
    assert len(second["results"]) == 5


@pytest.mark.parametrize("path", ["/api/roles/", "/api/tracks/", "/api/skills/"])
def test_catalog_lists_use_the_same_queries_for_one_or_many_rows(api_client, django_assert_num_queries, path):
    def grow(count):
        for _ in range(count):
            role = RoleFactory()
            make_track(milestones_per_phase=(1,)).roles.add(role)

    grow(1)
    with django_assert_num_queries(2) as small:
        api_client.get(path)
    grow(20)
    with django_assert_num_queries(len(small.captured_queries)):
        api_client.get(path)


def test_role_detail_queries_do_not_grow_with_skills_or_tracks(api_client, django_assert_max_num_queries):
    role = RoleFactory(slug="big")
    role.essential_skills.set([SkillFactory() for _ in range(30)])
    for _ in range(10):
        make_track(milestones_per_phase=(1,)).roles.add(role)

    with django_assert_max_num_queries(6):
        assert api_client.get("/api/roles/big/").status_code == 200


def test_track_detail_queries_do_not_grow_with_milestones(api_client, django_assert_num_queries):
    small = make_track(slug="small", milestones_per_phase=(1,))
    big = make_track(slug="big", milestones_per_phase=(15, 15, 15))
    for milestone in big.phases.first().milestones.all()[1:]:
        milestone.prerequisites.add(MilestoneFactory(phase=big.phases.last()))

    with django_assert_num_queries(6) as counted:
        api_client.get(f"/api/tracks/{small.slug}/")
    with django_assert_num_queries(len(counted.captured_queries)):
        api_client.get(f"/api/tracks/{big.slug}/")
