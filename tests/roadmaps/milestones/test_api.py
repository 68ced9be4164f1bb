"""Milestones through the API: listed with their state, completed in one step, with evidence."""

from datetime import UTC, datetime

import pytest
import time_machine

from roadmaps.models import Roadmap, RoadmapMilestone, Task
from tests.conftest import client_for
from tests.factories import UserFactory, make_track
from tests.roadmaps.milestones.data import make_catalog, make_roadmap

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def roadmap(learner, catalog):
    return make_roadmap(learner, *catalog)


def milestones(client, roadmap):
    response = client.get(f"/api/roadmaps/{roadmap.id}/milestones/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def patch(client, milestone_id, body):
    return client.patch(f"/api/milestones/{milestone_id}/", body, format="json")


def test_creating_a_roadmap_makes_one_milestone_record_per_milestone_with_its_tasks(roadmap):
    records = list(roadmap.milestones.order_by("sequence"))

    assert len(records) == 3
    assert not roadmap.tasks.filter(roadmap_milestone__isnull=True).exists()
    assert [record.tasks.count() for record in records] == [3, 3, 3]


def test_the_list_gives_each_milestone_in_plan_order_with_its_state(learner_client, roadmap):
    body = milestones(learner_client, roadmap)

    assert [m["title"] for m in body] == list(roadmap.milestones.order_by("sequence").values_list("title", flat=True))
    first = body[0]
    assert set(first) >= {
        "id", "slug", "title", "phase", "kind", "optional", "status", "hours_done", "hours_total",
        "start_date", "due_date", "completed_at", "evidence_url", "note",
    }  # fmt: skip
    assert first["status"] == "todo"
    assert (first["hours_done"], first["hours_total"]) == (0, 30)
    assert first["optional"] is False
    assert first["completed_at"] is None
    tasks = roadmap.tasks.filter(roadmap_milestone_id=first["id"])
    assert first["start_date"] == min(t.start_date for t in tasks).isoformat()
    assert first["due_date"] == max(t.due_date for t in tasks).isoformat()


def test_ticking_one_task_puts_its_milestone_in_progress(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]
    task = Task.objects.filter(roadmap_milestone_id=first["id"]).order_by("sequence").first()

    learner_client.patch(f"/api/tasks/{task.id}/", {"status": "done"}, format="json")

    after = milestones(learner_client, roadmap)[0]
    assert after["status"] == "in_progress"
    assert after["hours_done"] == 10


def test_marking_a_milestone_done_finishes_all_its_tasks_at_once(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"status": "done"})

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["hours_done"] == 30
    assert datetime.fromisoformat(response.json()["completed_at"]) == NOW
    statuses = set(Task.objects.filter(roadmap_milestone_id=first["id"]).values_list("status", flat=True))
    assert statuses == {"done"}
    assert Task.objects.filter(roadmap=roadmap, status="done").count() == 3


def test_a_task_finished_earlier_keeps_its_finishing_time_when_the_milestone_is_marked_done(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]
    earlier = Task.objects.filter(roadmap_milestone_id=first["id"]).order_by("sequence").first()
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=UTC), tick=False):
        learner_client.patch(f"/api/tasks/{earlier.id}/", {"status": "done"}, format="json")

    patch(learner_client, first["id"], {"status": "done"})

    earlier.refresh_from_db()
    assert earlier.completed_at == datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def test_skipping_a_milestone_skips_every_task_and_todo_reopens_them(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    skipped = patch(learner_client, first["id"], {"status": "skipped"}).json()
    reopened = patch(learner_client, first["id"], {"status": "todo"}).json()

    assert skipped["status"] == "skipped"
    assert skipped["hours_total"] == 0
    assert reopened["status"] == "todo"
    tasks = Task.objects.filter(roadmap_milestone_id=first["id"])
    assert {t.status for t in tasks} == {"todo"}
    assert {t.completed_at for t in tasks} == {None}


def test_finishing_the_last_milestone_completes_the_roadmap_and_reopening_makes_it_active(learner_client, roadmap):
    ids = [m["id"] for m in milestones(learner_client, roadmap)]

    for milestone_id in ids:
        patch(learner_client, milestone_id, {"status": "done"})
    roadmap.refresh_from_db()
    completed = roadmap.status
    patch(learner_client, ids[0], {"status": "todo"})
    roadmap.refresh_from_db()

    assert completed == Roadmap.Status.COMPLETED
    assert roadmap.status == Roadmap.Status.ACTIVE


def test_evidence_and_note_are_stored_and_shown(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    body = patch(
        learner_client, first["id"], {"evidence_url": "https://github.com/me/project", "note": "Shipped."}
    ).json()

    assert body["evidence_url"] == "https://github.com/me/project"
    assert body["note"] == "Shipped."
    assert milestones(learner_client, roadmap)[0]["evidence_url"] == "https://github.com/me/project"


def test_an_empty_evidence_url_removes_the_link(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]
    patch(learner_client, first["id"], {"evidence_url": "https://github.com/me/project"})

    body = patch(learner_client, first["id"], {"evidence_url": ""}).json()

    assert body["evidence_url"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/me/project",
        "javascript:alert(1)",
        "https://",
        "https:///no-host",
        "ftp://example.com/file",
        "github.com/me/project",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_an_evidence_url_that_is_not_https_with_a_host_or_is_too_long_is_refused(learner_client, roadmap, url):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"evidence_url": url, "status": "done"})

    assert response.status_code == 400
    assert "evidence_url" in response.json()
    record = RoadmapMilestone.objects.get(pk=first["id"])
    assert record.evidence_url == ""
    assert not record.tasks.filter(status="done").exists()


def test_a_note_over_2000_characters_is_refused(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"note": "x" * 2001})

    assert response.status_code == 400
    assert "note" in response.json()


def test_a_note_of_2000_characters_is_kept(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"note": "x" * 2000})

    assert response.status_code == 200
    assert len(response.json()["note"]) == 2000


@pytest.mark.parametrize("status", ["in_progress", "finished", "", None, 1])
def test_a_status_other_than_done_skipped_or_todo_is_refused(learner_client, roadmap, status):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"status": status})

    assert response.status_code == 400
    assert "status" in response.json()


def test_an_unknown_field_is_refused_by_name_and_nothing_changes(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"status": "done", "completed": True})

    assert response.status_code == 400
    assert response.json() == {"completed": ["Unknown field."]}
    assert not Task.objects.filter(roadmap_milestone_id=first["id"], status="done").exists()


def test_an_empty_body_is_refused(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    assert patch(learner_client, first["id"], {}).status_code == 400


def test_a_body_that_is_not_an_object_is_refused(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    assert patch(learner_client, first["id"], ["done"]).status_code == 400


def test_another_learners_milestone_is_not_found_and_stays_as_it_was(learner_client, catalog):
    other_roadmap = make_roadmap(UserFactory(), *catalog)
    theirs = other_roadmap.milestones.first()

    read = learner_client.get(f"/api/milestones/{theirs.id}/")
    write = patch(learner_client, theirs.id, {"status": "done", "evidence_url": "https://evil.example/"})

    assert (read.status_code, write.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.evidence_url == ""
    assert not theirs.tasks.filter(status="done").exists()


def test_another_learners_roadmap_milestones_are_not_found(learner_client, catalog):
    other_roadmap = make_roadmap(UserFactory(), *catalog)

    assert learner_client.get(f"/api/roadmaps/{other_roadmap.id}/milestones/").status_code == 404


def test_an_unknown_milestone_is_not_found(learner_client, roadmap):
    assert patch(learner_client, 999_999, {"status": "done"}).status_code == 404


def test_milestones_need_a_login(api_client, roadmap):
    assert api_client.get(f"/api/roadmaps/{roadmap.id}/milestones/").status_code == 401
    assert api_client.patch(f"/api/milestones/{roadmap.milestones.first().id}/", {"status": "done"}).status_code == 401


def test_the_list_takes_the_same_queries_for_3_or_60_milestones(django_assert_max_num_queries):
    small_owner, big_owner = UserFactory(), UserFactory()
    role, small_track = make_catalog(milestones_per_phase=(2, 1), hours=30)

    big_track = make_track(slug="big-track", milestones_per_phase=(20, 20, 20), hours=5, weeks_per_phase=20)
    big_track.roles.add(role)
    small, big = make_roadmap(small_owner, role, small_track), make_roadmap(big_owner, role, big_track)

    def count(owner, roadmap):
        client = client_for(owner)
        with django_assert_max_num_queries(1000) as captured:
            response = client.get(f"/api/roadmaps/{roadmap.id}/milestones/")
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()["count"]

    (small_queries, small_count), (big_queries, big_count) = count(small_owner, small), count(big_owner, big)

    assert (small_count, big_count) == (3, 60)
    assert small_queries == big_queries


def test_marking_a_milestone_done_takes_the_same_queries_for_1_or_many_tasks(django_assert_max_num_queries):
    owner = UserFactory()
    role, track = make_catalog(milestones_per_phase=(1, 1), hours=10)

    long_track = make_track(slug="long-track", milestones_per_phase=(1, 1), hours=120, weeks_per_phase=24)
    long_track.roles.add(role)
    short, long = make_roadmap(owner, role, track), make_roadmap(owner, role, long_track, weekly_hours=5)
    client = client_for(owner)

    def count(roadmap):
        milestone = roadmap.milestones.order_by("sequence").first()
        with django_assert_max_num_queries(1000) as captured:
            assert patch(client, milestone.id, {"status": "done"}).status_code == 200
        return len(captured.captured_queries), milestone.tasks.count()

    (short_queries, short_tasks), (long_queries, long_tasks) = count(short), count(long)

    assert (short_tasks, long_tasks) == (1, 24)
    assert short_queries == long_queries


def test_a_note_keeps_its_line_breaks(learner_client, roadmap):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"note": "Built:\n- a model\n\tand its API"})

    assert response.status_code == 200
    assert response.json()["note"] == "Built:\n- a model\n\tand its API"


@pytest.mark.parametrize("note", ["\u001b[2J", "a\u0000b", "a\ud800b"])
def test_a_note_with_control_characters_nul_or_a_lone_surrogate_is_refused(learner_client, roadmap, note):
    first = milestones(learner_client, roadmap)[0]

    response = patch(learner_client, first["id"], {"note": note})

    assert response.status_code == 400
    assert "note" in response.json()
