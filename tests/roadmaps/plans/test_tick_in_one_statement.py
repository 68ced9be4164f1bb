"""On PostgreSQL a tick is one call of ``roadmaps_task_tick``; SQLite runs separate statements.
Whatever the tasks, the roadmap's status and the ticks, both write and answer the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarFeed, Roadmap, Task
from roadmaps.models.plans import FINISHED_STATUSES, TaskStatus
from roadmaps.plans import database_tick, services
from tests.factories import RoadmapFactory, TaskFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
TASKS = 4


def test_postgresql_ticks_in_one_statement():
    assert connection.vendor == "postgresql" and database_tick.available()


def twin_roadmaps(roadmap_status: str, task_statuses: list[str]) -> list[Roadmap]:
    """Two learners' roadmaps alike: the same tasks in the same states, a feed each."""
    twins = []
    for _ in range(2):
        roadmap = RoadmapFactory(status=roadmap_status)
        for number, status in enumerate(task_statuses):
            finished = status in FINISHED_STATUSES
            TaskFactory(
                roadmap=roadmap,
                sequence=number,
                title=f"Task {number}",
                status=status,
                completed_at=MONDAY if finished else None,
            )
        calendar_services.feed_get_or_create(user=roadmap.user)
        twins.append(roadmap)
    return twins


def tick(roadmap: Roadmap, number: int, status: str, now: datetime, *, by_id: bool) -> Task:
    task = roadmap.tasks.select_related("roadmap").get(sequence=number)
    if by_id:  # as the API ticks
        return services.task_mark_of_user(user=roadmap.user, task_id=task.pk, status=status, now=now)
    return services.task_mark(task=task, status=status, now=now)  # as the pages tick


def state(roadmap: Roadmap) -> tuple:
    roadmap.refresh_from_db()
    tasks = tuple(roadmap.tasks.order_by("sequence").values_list("status", "completed_at"))
    generation = CalendarFeed.objects.get(user=roadmap.user).generation
    return roadmap.status, tasks, generation


def answer(task: Task) -> tuple:
    return task.status, task.completed_at, task.title, task.estimated_hours, task.roadmap_id is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    roadmap_status=st.sampled_from(Roadmap.Status.values),
    task_statuses=st.lists(st.sampled_from(TaskStatus.values), min_size=TASKS, max_size=TASKS),
    ticks=st.lists(
        st.tuples(st.integers(0, TASKS - 1), st.sampled_from(TaskStatus.values), st.booleans()),
        min_size=1,
        max_size=10,
    ),
)
def test_one_statement_writes_and_answers_what_the_separate_statements_do(roadmap_status, task_statuses, ticks):
    in_one, separately = twin_roadmaps(roadmap_status, task_statuses)

    for step, (number, status, by_id) in enumerate(ticks):
        now = MONDAY + timedelta(hours=step + 1)
        one = tick(in_one, number, status, now, by_id=by_id)
        with mock.patch.object(database_tick, "available", return_value=False):
            other = tick(separately, number, status, now, by_id=by_id)

        assert answer(one) == answer(other)
        assert state(in_one) == state(separately)
        if not by_id:  # the pages' tick leaves the roadmap's new status on the task it was given
            assert one.roadmap.status == other.roadmap.status == state(in_one)[0]


def test_a_tick_in_one_statement_of_another_learners_task_changes_nothing():
    theirs = TaskFactory(roadmap=RoadmapFactory())
    feed = calendar_services.feed_get_or_create(user=theirs.roadmap.user)
    mine = RoadmapFactory()

    with pytest.raises(Task.DoesNotExist):
        services.task_mark_of_user(user=mine.user, task_id=theirs.pk, status="done", now=MONDAY)

    theirs.refresh_from_db()
    feed.refresh_from_db()
    assert (theirs.status, theirs.completed_at, feed.generation) == ("todo", None, 0)


def test_a_tick_in_one_statement_drops_the_feeds_cached_entry(django_capture_on_commit_callbacks):
    task = TaskFactory(roadmap=RoadmapFactory())
    feed = calendar_services.feed_get_or_create(user=task.roadmap.user)
    key = calendar_services.feed_entry_key(feed.token_digest)
    calendar_services.cache.set(key, "a stored entry")

    with django_capture_on_commit_callbacks(execute=True):
        services.task_mark_of_user(user=task.roadmap.user, task_id=task.pk, status="done", now=MONDAY)

    assert calendar_services.cache.get(key) is None


def test_the_tick_s_call_is_prepared_on_its_connection_after_its_second_run():
    roadmap, _ = twin_roadmaps(Roadmap.Status.ACTIVE, [TaskStatus.TODO] * TASKS)

    for number, status in enumerate([TaskStatus.DONE, TaskStatus.TODO, TaskStatus.DONE]):
        tick(roadmap, number, status, MONDAY, by_id=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert [statement for statement in prepared if "roadmaps_task_tick" in statement] == [
        database_tick.TICK_SQL.replace("%s", "${}").format(*range(1, 9))
    ]
