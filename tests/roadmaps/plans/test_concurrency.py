"""Concurrent last ticks always complete the roadmap (PostgreSQL, one connection per thread)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from roadmaps.models import Roadmap, Task
from roadmaps.plans import services
from tests.factories import RoadmapFactory, TaskFactory
from tests.roadmaps.nudges.test_concurrency import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tick_path")]

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
TRIALS = 10


@pytest.fixture(autouse=True)
def postgresql_only():
    assert connection.vendor == "postgresql", "these tests need PostgreSQL (DATABASE_URL)"


def tick(task_id: int):
    def job():
        task = Task.objects.select_related("roadmap").get(pk=task_id)
        return services.task_mark(task=task, status="done", now=NOW)

    return job


def test_three_parallel_last_ticks_always_complete_the_roadmap():
    outcomes = []
    for _ in range(TRIALS):
        roadmap = RoadmapFactory()
        tasks = [TaskFactory(roadmap=roadmap, estimated_minutes=60) for _ in range(3)]

        run_together(*(tick(task.pk) for task in tasks))

        roadmap.refresh_from_db()
        outcomes.append(roadmap.status)
    assert outcomes == [Roadmap.Status.COMPLETED] * TRIALS


def tick_by_id(user, task_id: int):
    def job():
        return services.task_mark_of_user(user=user, task_id=task_id, status="done", now=NOW)

    return job


def test_three_parallel_last_ticks_by_id_as_the_api_makes_them_always_complete_the_roadmap():
    outcomes = []
    for _ in range(TRIALS):
        roadmap = RoadmapFactory()
        tasks = [TaskFactory(roadmap=roadmap, estimated_minutes=60) for _ in range(3)]

        run_together(*(tick_by_id(roadmap.user, task.pk) for task in tasks))

        roadmap.refresh_from_db()
        outcomes.append(roadmap.status)
    assert outcomes == [Roadmap.Status.COMPLETED] * TRIALS
