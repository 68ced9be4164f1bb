"""The data migration gives roadmaps made before issue 17 their milestone records."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from roadmaps.models import RoadmapMilestone
from tests.factories import MilestoneFactory, RoadmapFactory, TaskFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("roadmaps.migrations.0006_issue17_milestone_records_for_existing_roadmaps")


def test_existing_tasks_get_one_record_per_milestone_in_plan_order_and_keep_their_statuses():
    roadmap = RoadmapFactory()
    catalog_a, catalog_b = MilestoneFactory(slug="python-basics"), MilestoneFactory(slug="sql-basics")
    a1 = TaskFactory(roadmap=roadmap, sequence=1, milestone=catalog_a, milestone_title="Python basics", status="done")
    a2 = TaskFactory(roadmap=roadmap, sequence=2, milestone=catalog_a, milestone_title="Python basics")
    b1 = TaskFactory(roadmap=roadmap, sequence=3, milestone=catalog_b, milestone_title="SQL basics")
    # A catalog milestone a curator removed: its tasks kept only the copied title.
    orphan = TaskFactory(roadmap=roadmap, sequence=4, milestone=None, milestone_title="Old: Spark!")

    migration.create_records(apps, None)

    records = list(RoadmapMilestone.objects.filter(roadmap=roadmap).order_by("sequence"))
    assert [(r.slug, r.title, r.sequence) for r in records] == [
        ("python-basics", "Python basics", 1),
        ("sql-basics", "SQL basics", 3),
        ("old-spark", "Old: Spark!", 4),
    ]
    for task, record in [(a1, records[0]), (a2, records[0]), (b1, records[1]), (orphan, records[2])]:
        task.refresh_from_db()
        assert task.roadmap_milestone_id == record.id
    a1.refresh_from_db()
    assert a1.status == "done"


def test_running_it_again_creates_nothing_more():
    roadmap = RoadmapFactory(start_date=date(2026, 11, 2))
    TaskFactory(roadmap=roadmap, milestone=MilestoneFactory(), milestone_title="Python basics")

    migration.create_records(apps, None)
    migration.create_records(apps, None)

    assert RoadmapMilestone.objects.filter(roadmap=roadmap).count() == 1
