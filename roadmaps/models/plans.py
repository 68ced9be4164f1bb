"""A learner's own roadmap: a track laid out as dated tasks."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy


class Roadmap(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("roadmap status", "Active")
        COMPLETED = "completed", pgettext_lazy("roadmap status", "Completed")
        ARCHIVED = "archived", pgettext_lazy("roadmap status", "Archived")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roadmaps")
    role = models.ForeignKey("roadmaps.Role", on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey("roadmaps.Track", on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    weekly_hours = models.PositiveSmallIntegerField()
    target_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    study_days = models.JSONField()
    known_skills = models.JSONField(default=list, blank=True)
    blocked_dates = models.JSONField(default=list, blank=True)
    # Whole weeks of slack after each phase but the last (0-2), shown as buffer.
    buffer_weeks = models.PositiveSmallIntegerField(default=0)
    # When the last re-plan that moved tasks happened: tasks finished before it
    # belong to an older packing (see planner.sessions).
    replanned_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.role.name} via {self.track.name}"


class TaskStatus(models.TextChoices):
    TODO = "todo", pgettext_lazy("task status", "To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    DONE = "done", pgettext_lazy("task status", "Done")
    SKIPPED = "skipped", pgettext_lazy("task status", "Skipped")


FINISHED_STATUSES = (TaskStatus.DONE, TaskStatus.SKIPPED)


class Task(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="tasks")
    milestone = models.ForeignKey("roadmaps.Milestone", on_delete=models.SET_NULL, null=True, related_name="+")
    # The learner's record of that milestone in this roadmap (roadmaps.models.milestones).
    roadmap_milestone = models.ForeignKey(
        "roadmaps.RoadmapMilestone", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    sequence = models.PositiveIntegerField()
    # Titles are copied from the catalog so a curator's later edit never rewrites a plan.
    title = models.CharField(max_length=255)
    milestone_title = models.CharField(max_length=200)
    phase_order = models.PositiveSmallIntegerField()
    phase_title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)
    estimated_minutes = models.PositiveIntegerField()
    start_date = models.DateField()
    due_date = models.DateField()
    note = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Calendar identity: the UID never changes; the revision rises with each change
    # of dates or title so calendar apps update the event in place.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The UID already published for tasks made before UIDs dropped the host name
    # ("<uid>@<host>"); empty for later tasks, whose calendar UID is ``uid`` alone.
    legacy_calendar_uid = models.CharField(max_length=255, blank=True, editable=False)
    calendar_revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["roadmap", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "sequence"], name="unique_task_sequence"),
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("due_date")),
                name="task_starts_before_due",
            ),
        ]
        indexes = [models.Index(fields=["roadmap", "start_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def estimated_hours(self) -> Decimal:
        return (Decimal(self.estimated_minutes) / 60).quantize(Decimal("0.01"))

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def calendar_uid(self) -> str:
        return calendar_uid(self.uid, self.legacy_calendar_uid)


def calendar_uid(uid: uuid.UUID, legacy_calendar_uid: str) -> str:
    """A UID once published never changes; new ones carry no host name (RFC 7986)."""
    return legacy_calendar_uid or str(uid)
