"""Ticking tasks: when a task counts as finished, and what it does to its roadmap's status."""

from datetime import UTC, date, datetime, timedelta

import pytest

from roadmaps.calendar import services as calendar_services
from roadmaps.models import Roadmap
from roadmaps.plans import services
from tests.factories import RoadmapFactory, TaskFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tick_path")]

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def roadmap_of_two_tasks(status=Roadmap.Status.ACTIVE):
    roadmap = RoadmapFactory(status=status, start_date=date(2026, 11, 16))
    tasks = [
        TaskFactory(roadmap=roadmap, sequence=n, start_date=date(2026, 11, 16), due_date=date(2026, 11, 17))
        for n in (1, 2)
    ]
    return roadmap, tasks


def status_of(roadmap) -> str:
    roadmap.refresh_from_db()
    return roadmap.status


def test_marking_a_done_task_done_again_keeps_when_it_was_first_finished():
    _, (task, _) = roadmap_of_two_tasks()
    services.task_mark(task=task, status="done", now=MONDAY)

    services.task_mark(task=task, status="done", now=MONDAY + timedelta(days=3))

    task.refresh_from_db()
    assert task.completed_at == MONDAY


def test_skipping_a_done_task_keeps_when_it_was_finished():
    _, (task, _) = roadmap_of_two_tasks()
    services.task_mark(task=task, status="done", now=MONDAY)

    services.task_mark(task=task, status="skipped", now=MONDAY + timedelta(days=1))

    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("skipped", MONDAY)


def test_ticking_a_task_of_an_archived_roadmap_leaves_it_archived():
    roadmap, (first, _) = roadmap_of_two_tasks(status=Roadmap.Status.ARCHIVED)

    services.task_mark(task=first, status="done", now=MONDAY)

    assert status_of(roadmap) == Roadmap.Status.ARCHIVED


def test_finishing_every_task_of_an_archived_roadmap_leaves_it_archived():
    roadmap, tasks = roadmap_of_two_tasks(status=Roadmap.Status.ARCHIVED)

    for task in tasks:
        services.task_mark(task=task, status="done", now=MONDAY)

    assert status_of(roadmap) == Roadmap.Status.ARCHIVED


def test_reopening_a_task_of_a_completed_roadmap_makes_it_active_again():
    roadmap, tasks = roadmap_of_two_tasks()
    for task in tasks:
        services.task_mark(task=task, status="done", now=MONDAY)
    assert status_of(roadmap) == Roadmap.Status.COMPLETED

    services.task_mark(task=tasks[0], status="in_progress", now=MONDAY)

    assert status_of(roadmap) == Roadmap.Status.ACTIVE


# Queries of a tick through the API, finishing a task and reopening one. Both start with the
# API token and its user. In one statement (PostgreSQL): the function roadmaps_task_tick.
# In separate statements: BEGIN, the task read with its roadmap's row locked, the task
# written, the feed's generation raised, COMMIT; finishing a task also asks whether any
# other is left unfinished.
TICK_QUERIES = {"one statement": (2, 2), "separate statements": (7, 6)}


@pytest.mark.parametrize("task_count", [2, 200])
def test_ticking_a_task_done_through_the_api_takes_a_fixed_number_of_queries(
    learner, learner_client, django_assert_num_queries, task_count, tick_path
):
    roadmap = RoadmapFactory(user=learner, start_date=date(2026, 11, 16))
    tasks = [TaskFactory(roadmap=roadmap, sequence=n) for n in range(task_count)]

    finishing, _ = TICK_QUERIES[tick_path]
    with django_assert_num_queries(finishing):
        response = learner_client.patch(f"/api/tasks/{tasks[0].id}/", {"status": "done"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "done"
    assert status_of(roadmap) == Roadmap.Status.ACTIVE


def test_reopening_a_task_through_the_api_needs_no_look_at_the_other_tasks(
    learner, learner_client, django_assert_num_queries, tick_path
):
    roadmap = RoadmapFactory(user=learner, start_date=date(2026, 11, 16))
    task, _ = (TaskFactory(roadmap=roadmap, sequence=n) for n in (1, 2))
    services.task_mark(task=task, status="done", now=MONDAY)

    # The reopened task itself is the unfinished one: the roadmap stays active.
    _, reopening = TICK_QUERIES[tick_path]
    with django_assert_num_queries(reopening):
        response = learner_client.patch(f"/api/tasks/{task.id}/", {"status": "todo"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "todo"
    assert status_of(roadmap) == Roadmap.Status.ACTIVE


def test_a_tick_answers_the_task_as_a_get_shows_it_after(learner, learner_client):
    roadmap = RoadmapFactory(user=learner, start_date=date(2026, 11, 16))
    task, _ = (TaskFactory(roadmap=roadmap, sequence=n) for n in (1, 2))

    ticked = learner_client.patch(f"/api/tasks/{task.id}/", {"status": "done"}, format="json")

    assert ticked.status_code == 200
    assert ticked.json() == learner_client.get(f"/api/tasks/{task.id}/").json()
    assert ticked.json()["roadmap"] == roadmap.id


def test_a_tick_ignores_the_tasks_other_fields_sent_back_as_shown(learner, learner_client):
    roadmap = RoadmapFactory(user=learner, start_date=date(2026, 11, 16))
    task = TaskFactory(roadmap=roadmap, sequence=1, title="Read the book")
    shown = learner_client.get(f"/api/tasks/{task.id}/").json()

    response = learner_client.patch(
        f"/api/tasks/{task.id}/", {**shown, "title": "Other", "status": "done"}, format="json"
    )

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.status) == ("Read the book", "done")


@pytest.mark.parametrize("body", [{"status": "done"}, {"status": "finished"}, {}, {"colour": "red"}])
def test_another_learners_task_is_a_404_whatever_the_body(learner_client, body):
    others = TaskFactory(roadmap=RoadmapFactory(start_date=date(2026, 11, 16)), sequence=1)

    response = learner_client.patch(f"/api/tasks/{others.id}/", body, format="json")

    assert response.status_code == 404
    assert response.json() == learner_client.get(f"/api/tasks/{others.id}/").json()  # the same answer as a read
    others.refresh_from_db()
    assert others.status == "todo"


def test_ticking_a_task_that_does_not_exist_is_a_404(learner_client):
    response = learner_client.patch("/api/tasks/987654/", {"status": "done"}, format="json")

    assert response.status_code == 404
    assert response.json() == learner_client.get("/api/tasks/987654/").json()


def test_the_last_tick_through_the_api_completes_the_roadmap_and_raises_the_feed(learner, learner_client):
    roadmap, (first, last) = roadmap_of_two_tasks()
    roadmap.user = learner
    roadmap.save()
    feed = calendar_services.feed_get_or_create(user=learner)
    learner_client.patch(f"/api/tasks/{first.id}/", {"status": "done"}, format="json")
    assert status_of(roadmap) == Roadmap.Status.ACTIVE

    learner_client.patch(f"/api/tasks/{last.id}/", {"status": "skipped"}, format="json")

    assert status_of(roadmap) == Roadmap.Status.COMPLETED
    feed.refresh_from_db()
    assert feed.generation == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"null", "No data provided"),
        (b"[]", "Invalid data. Expected a dictionary, but got list."),
        (b'"done"', "Invalid data. Expected a dictionary, but got str."),
    ],
)
def test_a_tick_whose_body_is_not_an_object_is_a_400_saying_so(learner, learner_client, body, error):
    task = TaskFactory(roadmap=RoadmapFactory(user=learner, start_date=date(2026, 11, 16)), sequence=1)

    response = learner_client.generic("PATCH", f"/api/tasks/{task.id}/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [error]}
    task.refresh_from_db()
    assert task.status == "todo"


def test_ticking_a_task_id_beyond_any_row_is_a_404(learner_client):
    response = learner_client.patch("/api/tasks/99999999999999999999/", {"status": "done"}, format="json")

    assert response.status_code == 404
