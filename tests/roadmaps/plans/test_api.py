"""A learner's roadmaps through the API: creation, tasks, progress, re-planning."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from roadmaps.models import Roadmap, Task
from tests.conftest import client_for
from tests.factories import RoleFactory, SkillFactory, UserFactory, make_track

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)  # a Monday
NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def catalog():
    python = SkillFactory(slug="python")
    sql = SkillFactory(slug="sql")
    role = RoleFactory(slug="ml-engineer", name="Machine Learning Engineer")
    track = make_track(slug="ml-track", milestones_per_phase=(2, 2), hours=10, skills=[python, sql])
    track.roles.add(role)
    return {"role": role, "track": track, "python": python, "sql": sql}


def create(client, **overrides):
    body = {"role": "ml-engineer", "track": "ml-track", "start_date": TODAY.isoformat(), "weekly_hours": 10}
    return client.post("/api/roadmaps/", {**body, **overrides}, format="json")


def created_weeks_ago(client, weeks):
    """A roadmap made ``weeks`` ago, starting that day (a start date may lie at most a week back)."""
    with time_machine.travel(NOW - timedelta(weeks=weeks), tick=False):
        return create(client, start_date=(TODAY - timedelta(weeks=weeks)).isoformat())


def test_creating_a_roadmap_returns_it_with_its_tasks_already_dated(learner_client, catalog):
    response = create(learner_client)

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "ml-engineer"
    assert body["track"] == "ml-track"
    assert body["start_date"] == TODAY.isoformat()
    assert body["status"] == "active"
    assert len(body["tasks"]) == 4
    assert all(task["start_date"] >= TODAY.isoformat() for task in body["tasks"])
    assert body["end_date"] == max(task["due_date"] for task in body["tasks"])
    assert sum(float(task["estimated_hours"]) for task in body["tasks"]) == 40


def test_tasks_fall_only_on_study_days(learner_client, catalog):
    body = create(learner_client, study_days=[6, 7]).json()

    for task in body["tasks"]:
        assert date.fromisoformat(task["start_date"]).isoweekday() in (6, 7)
        assert date.fromisoformat(task["due_date"]).isoweekday() in (6, 7)


def test_known_skills_shorten_the_plan(learner_client, catalog):
    full = create(learner_client).json()
    shortened = create(learner_client, known_skills=["python"]).json()

    hours = lambda body: sum(float(task["estimated_hours"]) for task in body["tasks"])  # noqa: E731
    assert hours(shortened) < hours(full)
    assert any("python" in task["note"] for task in shortened["tasks"])


def test_the_profile_supplies_hours_and_study_days_when_the_request_does_not(learner, learner_client, catalog):
    learner.profile.weekly_hours = 5
    learner.profile.study_days = [2, 4]
    learner.profile.save()

    body = learner_client.post(
        "/api/roadmaps/", {"role": "ml-engineer", "track": "ml-track", "start_date": TODAY.isoformat()}, format="json"
    ).json()

    assert body["weekly_hours"] == 5
    assert {date.fromisoformat(task["start_date"]).isoweekday() for task in body["tasks"]} <= {2, 4}


def test_a_plan_that_cannot_fit_names_the_weekly_hours_it_needs(learner_client, catalog):
    response = create(learner_client, weekly_hours=1, target_weeks=4)

    assert response.status_code == 400
    body = response.json()
    assert "weekly_hours" in body
    assert body["required_weekly_hours"] > 1
    assert str(body["required_weekly_hours"]) in body["weekly_hours"][0]
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("role", "astronaut"),
        ("track", "nowhere"),
        ("start_date", "1999-01-01"),
        ("start_date", "2031-01-01"),
        ("start_date", "2026-02-30"),
        ("weekly_hours", 0),
        ("weekly_hours", 500),
        ("study_days", []),
        ("study_days", [9]),
        ("known_skills", ["no-such-skill"]),
        ("target_weeks", 0),
    ],
)
def test_bad_input_is_refused_by_name_and_stores_nothing(learner_client, catalog, field, value):
    response = create(learner_client, **{field: value})

    assert response.status_code == 400
    assert field in response.json()
    assert not Roadmap.objects.exists()
    assert not Task.objects.exists()


def test_roadmaps_list_shows_only_the_learners_own(learner_client, catalog):
    create(learner_client)
    create(client_for(UserFactory()))

    body = learner_client.get("/api/roadmaps/").json()

    assert body["count"] == 1


def test_roadmap_detail_has_the_promised_fields(learner_client, catalog):
    roadmap_id = create(learner_client).json()["id"]

    body = learner_client.get(f"/api/roadmaps/{roadmap_id}/").json()

    assert {"id", "role", "track", "start_date", "end_date", "status", "progress"} <= set(body)
    assert body["progress"]["percent_complete"] == 0


def test_tasks_are_listed_in_date_order_with_the_promised_fields(learner_client, catalog):
    roadmap_id = create(learner_client).json()["id"]

    tasks = learner_client.get(f"/api/roadmaps/{roadmap_id}/tasks/").json()["results"]

    expected = {"id", "title", "phase", "milestone", "kind", "start_date", "due_date", "estimated_hours"}
    assert expected | {"status", "completed_at"} <= set(tasks[0])
    assert [t["start_date"] for t in tasks] == sorted(t["start_date"] for t in tasks)


def test_ticking_a_task_done_records_when_and_moves_progress(learner_client, catalog):
    roadmap = create(learner_client).json()
    task = roadmap["tasks"][0]

    response = learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "done"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None
    progress = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()
    assert progress["percent_complete"] == 25.0
    assert progress["hours_done"] == 10
    assert progress["hours_total"] == 40


def test_reopening_a_task_clears_its_completion(learner_client, catalog):
    task = create(learner_client).json()["tasks"][0]
    learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "done"}, format="json")

    body = learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "todo"}, format="json").json()

    assert body["completed_at"] is None


def test_finishing_every_task_completes_the_roadmap(learner_client, catalog):
    roadmap = create(learner_client).json()
    for task in roadmap["tasks"]:
        learner_client.patch(f"/api/tasks/{task['id']}/", {"status": "skipped"}, format="json")

    assert learner_client.get(f"/api/roadmaps/{roadmap['id']}/").json()["status"] == "completed"


@pytest.mark.parametrize("status", ["finished", "", None, 3])
def test_an_unknown_task_status_is_refused(learner_client, catalog, status):
    task = create(learner_client).json()["tasks"][0]

    response = learner_client.patch(f"/api/tasks/{task['id']}/", {"status": status}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()
    assert Task.objects.get(pk=task["id"]).status == "todo"


def test_a_patch_without_a_status_is_refused(learner_client, catalog):
    task = create(learner_client).json()["tasks"][0]

    response = learner_client.patch(f"/api/tasks/{task['id']}/", {}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


def test_progress_has_every_promised_field(learner_client, catalog):
    roadmap_id = create(learner_client).json()["id"]

    body = learner_client.get(f"/api/roadmaps/{roadmap_id}/progress/").json()

    assert set(body) >= {
        "percent_complete",
        "hours_done",
        "hours_total",
        "expected_percent",
        "status",
        "overdue_tasks",
        "streak_weeks",
        "projected_end_date",
    }
    assert body["status"] in {"ahead", "on_track", "behind"}


def test_a_learner_who_did_nothing_for_weeks_is_behind_with_overdue_tasks(learner_client, catalog):
    roadmap = created_weeks_ago(learner_client, 3).json()

    body = learner_client.get(f"/api/roadmaps/{roadmap['id']}/progress/").json()

    assert body["status"] == "behind"
    assert body["expected_percent"] > 0
    assert body["overdue_tasks"]


def test_replan_moves_unfinished_tasks_to_start_from_the_date_and_keeps_finished_ones(learner_client, catalog):
    roadmap = created_weeks_ago(learner_client, 3).json()
    first = roadmap["tasks"][0]
    learner_client.patch(f"/api/tasks/{first['id']}/", {"status": "done"}, format="json")

    response = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json")

    assert response.status_code == 200
    body = response.json()
    tasks = {task["id"]: task for task in body["tasks"]}
    assert tasks[first["id"]]["start_date"] == first["start_date"]
    assert tasks[first["id"]]["due_date"] == first["due_date"]
    for task in body["tasks"]:
        if task["id"] != first["id"]:
            assert task["start_date"] >= TODAY.isoformat()
    late = {t["id"] for t in roadmap["tasks"][1:] if t["start_date"] < TODAY.isoformat()}
    assert late
    assert set(body["moved_tasks"]) >= late
    assert first["id"] not in body["moved_tasks"]


def test_replan_keeps_the_task_order(learner_client, catalog):
    roadmap = created_weeks_ago(learner_client, 3).json()

    body = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json").json()

    by_sequence = sorted(body["tasks"], key=lambda task: [t["id"] for t in roadmap["tasks"]].index(task["id"]))
    starts = [task["start_date"] for task in by_sequence]
    assert starts == sorted(starts)


def test_replan_from_a_date_before_the_start_is_refused(learner_client, catalog):
    roadmap = create(learner_client).json()

    response = learner_client.post(
        f"/api/roadmaps/{roadmap['id']}/replan/", {"from_date": (TODAY - timedelta(days=1)).isoformat()}, format="json"
    )

    assert response.status_code == 400
    assert "from_date" in response.json()
    assert learner_client.get(f"/api/roadmaps/{roadmap['id']}/").json()["end_date"] == roadmap["end_date"]


def test_replan_defaults_to_today_in_the_learners_time_zone(learner, learner_client, catalog):
    learner.profile.timezone = "Pacific/Kiritimati"  # UTC+14: already Tuesday there
    learner.profile.save()
    roadmap = created_weeks_ago(learner_client, 2).json()

    body = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {}, format="json").json()

    assert min(task["start_date"] for task in body["tasks"]) == (TODAY + timedelta(days=1)).isoformat()


def test_deleting_a_roadmap_removes_it_and_its_tasks(learner_client, catalog):
    roadmap_id = create(learner_client).json()["id"]

    assert learner_client.delete(f"/api/roadmaps/{roadmap_id}/").status_code == 204
    assert learner_client.get(f"/api/roadmaps/{roadmap_id}/").status_code == 404
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/roadmaps/{roadmap}/"),
        ("delete", "/api/roadmaps/{roadmap}/"),
        ("get", "/api/roadmaps/{roadmap}/tasks/"),
        ("get", "/api/roadmaps/{roadmap}/progress/"),
        ("post", "/api/roadmaps/{roadmap}/replan/"),
        ("get", "/api/tasks/{task}/"),
        ("patch", "/api/tasks/{task}/"),
    ],
)
def test_another_learners_roadmap_and_tasks_are_404(learner_client, catalog, method, path):
    roadmap = create(learner_client).json()
    intruder = client_for(UserFactory())
    url = path.format(roadmap=roadmap["id"], task=roadmap["tasks"][0]["id"])

    response = getattr(intruder, method)(url, {"status": "done"}, format="json")

    assert response.status_code == 404
    assert Roadmap.objects.filter(pk=roadmap["id"]).exists()
    assert Task.objects.get(pk=roadmap["tasks"][0]["id"]).status == "todo"


def test_roadmap_endpoints_need_a_login(api_client, catalog):
    assert api_client.get("/api/roadmaps/").status_code == 401
    assert create(api_client).status_code == 401


def test_replan_at_a_pace_that_cannot_finish_answers_400_naming_weekly_hours_and_moves_nothing(learner_client):
    role = RoleFactory(slug="data-scientist")
    make_track(slug="long-track", milestones_per_phase=(3, 3), hours=100, weeks_per_phase=20).roles.add(role)
    roadmap = create(
        learner_client, role="data-scientist", track="long-track", weekly_hours=40, start_date=TODAY.isoformat()
    ).json()

    response = learner_client.post(f"/api/roadmaps/{roadmap['id']}/replan/", {"weekly_hours": 1}, format="json")

    assert response.status_code == 400
    assert "weekly_hours" in response.json()
    after = learner_client.get(f"/api/roadmaps/{roadmap['id']}/").json()
    assert after["weekly_hours"] == 40
    assert [(t["start_date"], t["due_date"]) for t in after["tasks"]] == [
        (t["start_date"], t["due_date"]) for t in roadmap["tasks"]
    ]
