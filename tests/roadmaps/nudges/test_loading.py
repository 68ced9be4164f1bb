"""A chunk's rows and their roadmaps' tasks: two queries whatever the chunk, nothing read later."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roadmaps.models import NudgeDelivery, Roadmap, Task
from roadmaps.nudges.content import nudge_message
from roadmaps.nudges.loading import TASK_COLUMNS, load_chunk
from tests.roadmaps.nudges import data as nudges_data

pytestmark = pytest.mark.django_db
dispatched, queued = nudges_data.dispatched, nudges_data.queued
SLOT = nudges_data.SLOT


@pytest.mark.parametrize("size", [1, 30])
def test_a_chunk_is_loaded_in_two_queries_whatever_its_size(size, queued, django_assert_num_queries):
    ids = queued(size)

    with django_assert_num_queries(2):
        chunk = load_chunk(ids)
    with django_assert_num_queries(0):
        learners = [(d.user.email, d.user.profile.timezone, d.roadmap.role.name) for d in chunk.deliveries.values()]

    assert sorted(chunk.deliveries) == sorted(ids)
    assert len(learners) == size


def test_each_delivery_has_its_own_roadmap_s_tasks_in_order_as_their_rows_hold_them(queued):
    ids = queued(2)
    first_roadmap = NudgeDelivery.objects.get(pk=ids[0]).roadmap_id
    Task.objects.filter(roadmap_id=first_roadmap, sequence=1).update(status="done", completed_at=SLOT)
    Task.objects.filter(roadmap_id=first_roadmap, sequence=2).update(status="skipped")
    chunk = load_chunk(ids)

    for delivery in chunk.deliveries.values():
        expected = list(Task.objects.filter(roadmap_id=delivery.roadmap_id).order_by("sequence"))
        loaded = chunk.tasks_of(delivery)
        assert [task.id for task in loaded] == [task.pk for task in expected]
        for row, task in zip(loaded, expected, strict=True):
            assert {name: getattr(row, name) for name in TASK_COLUMNS} == {
                name: getattr(task, name) for name in TASK_COLUMNS
            }
            assert row.is_finished == task.is_finished
    assert [task.is_finished for task in chunk.tasks_of(chunk.deliveries[ids[0]])][:3] == [True, True, False]


def test_a_delivery_whose_roadmap_is_gone_has_no_tasks_and_missing_ids_are_left_out(queued):
    first, second = queued(2)
    chunk = load_chunk([first, second])
    Roadmap.objects.filter(pk=chunk.deliveries[first].roadmap_id).delete()

    chunk = load_chunk([first, second, 10**12])

    assert sorted(chunk.deliveries) == [first, second]
    assert chunk.deliveries[first].roadmap is None
    assert chunk.tasks_of(chunk.deliveries[first]) == []
    assert chunk.tasks_of(chunk.deliveries[second])


def test_no_ids_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert load_chunk([]).deliveries == {}


def test_the_mail_built_from_the_loaded_records_is_the_one_built_from_the_model_s_tasks(queued):
    ids = queued(2)
    roadmap_id = NudgeDelivery.objects.get(pk=ids[0]).roadmap_id
    Task.objects.filter(roadmap_id=roadmap_id, sequence__lte=2).update(
        status="done", completed_at=SLOT - timedelta(days=2)
    )
    Task.objects.filter(roadmap_id=roadmap_id, sequence=3).update(status="skipped")
    chunk = load_chunk(ids)

    for delivery in chunk.deliveries.values():
        tasks = list(Task.objects.filter(roadmap_id=delivery.roadmap_id).order_by("sequence"))
        from_records, from_models = (nudge_message(delivery, given) for given in (chunk.tasks_of(delivery), tasks))
        assert from_records.subject == from_models.subject
        assert from_records.body == from_models.body
        assert from_records.alternatives == from_models.alternatives
