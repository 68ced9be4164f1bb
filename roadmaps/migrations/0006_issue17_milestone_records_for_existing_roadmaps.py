"""Issue 17: a milestone record for every milestone of the roadmaps made before records existed.

Tasks are grouped per roadmap by their catalog milestone (its slug), or by their
copied milestone title when a curator removed the catalog entry, in plan order;
each task is pointed at its record. Roadmaps are handled one at a time, with
bulk writes, so memory stays bounded on a large database.
"""

from django.db import migrations
from django.utils.text import slugify


def _slug(task, taken: set[str]) -> str:
    base = task.milestone.slug if task.milestone_id else (slugify(task.milestone_title)[:100] or "milestone")
    slug, number = base, 2
    while slug in taken:
        suffix = f"-{number}"
        slug, number = base[: 100 - len(suffix)] + suffix, number + 1
    return slug


def create_records(apps, schema_editor):
    Roadmap = apps.get_model("roadmaps", "Roadmap")
    Task = apps.get_model("roadmaps", "Task")
    RoadmapMilestone = apps.get_model("roadmaps", "RoadmapMilestone")
    for roadmap_id in Roadmap.objects.order_by("id").values_list("id", flat=True).iterator():
        tasks = list(
            Task.objects.filter(roadmap_id=roadmap_id, roadmap_milestone__isnull=True)
            .select_related("milestone")
            .order_by("sequence")
        )
        if not tasks:
            continue
        taken = set(RoadmapMilestone.objects.filter(roadmap_id=roadmap_id).values_list("slug", flat=True))
        records, key_of_task = {}, {}
        for task in tasks:
            key = ("catalog", task.milestone_id) if task.milestone_id else ("title", task.phase_order, task.milestone_title)
            key_of_task[task.id] = key
            if key not in records:
                slug = _slug(task, taken)
                taken.add(slug)
                records[key] = RoadmapMilestone(
                    roadmap_id=roadmap_id,
                    milestone_id=task.milestone_id,
                    slug=slug,
                    title=task.milestone_title,
                    phase_order=task.phase_order,
                    phase_title=task.phase_title,
                    kind=task.kind,
                    sequence=task.sequence,
                )
        RoadmapMilestone.objects.bulk_create(records.values())
        for task in tasks:
            task.roadmap_milestone_id = records[key_of_task[task.id]].id
        Task.objects.bulk_update(tasks, ["roadmap_milestone"], batch_size=1000)


def remove_links(apps, schema_editor):
    apps.get_model("roadmaps", "RoadmapMilestone").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0005_issue17_milestones_portfolio")]

    operations = [migrations.RunPython(create_records, remove_links)]
