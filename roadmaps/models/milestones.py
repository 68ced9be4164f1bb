"""A learner's own record of each milestone of a roadmap: what they made to show for it.

The milestone's status, hours and dates are never stored: they are derived from
its tasks by ``planner.milestones`` (one rule). The record holds what only the
learner can say: a link to the work (``evidence_url``) and a ``note``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_EVIDENCE_URL_LENGTH = 2000
MAX_NOTE_LENGTH = 2000

# https only, with a host: Django's URL validator refuses "https:///path" and other schemes.
validate_evidence_url = URLValidator(
    schemes=["https"], message=_("Enter an https:// link with a host, e.g. https://github.com/you/project.")
)


def validate_note_text(value: str) -> None:
    """Notes may span lines; other control characters (escapes, NUL) are refused."""
    if any(unicodedata.category(character) == "Cc" and character not in "\n\r\t" for character in value):
        raise ValidationError(gettext("Control characters other than line breaks and tabs are not allowed."))


class RoadmapMilestoneManager(models.Manager):
    def create_for_tasks(self, *, roadmap, tasks: Sequence) -> list[RoadmapMilestone]:
        """One record per milestone of these not yet saved ``tasks``, in one INSERT; each task points at its record.

        Tasks are grouped by their catalog milestone (its slug), in plan order.
        """
        records: dict[str, RoadmapMilestone] = {}
        for task in sorted(tasks, key=lambda t: t.sequence):
            slug = milestone_slug(task)
            if slug not in records:
                records[slug] = self.model(
                    roadmap=roadmap,
                    milestone=task.milestone,
                    slug=slug,
                    title=task.milestone_title,
                    phase_order=task.phase_order,
                    phase_title=task.phase_title,
                    kind=task.kind,
                    sequence=task.sequence,
                )
        created = self.bulk_create(records.values())
        for task in tasks:
            task.roadmap_milestone = records[milestone_slug(task)]
        return created


def milestone_slug(task) -> str:
    if task.milestone is not None:
        return task.milestone.slug
    return slugify(task.milestone_title)[:100] or "milestone"


class RoadmapMilestone(models.Model):
    roadmap = models.ForeignKey("roadmaps.Roadmap", on_delete=models.CASCADE, related_name="milestones")
    # The catalog entry it came from; copied fields below keep the plan readable if a curator removes it.
    milestone = models.ForeignKey("roadmaps.Milestone", on_delete=models.SET_NULL, null=True, related_name="+")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    phase_order = models.PositiveSmallIntegerField()
    phase_title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)
    # Plan order: the sequence of the milestone's first task.
    sequence = models.PositiveIntegerField()
    evidence_url = models.URLField(max_length=MAX_EVIDENCE_URL_LENGTH, blank=True, validators=[validate_evidence_url])
    note = models.TextField(max_length=MAX_NOTE_LENGTH, blank=True, validators=[validate_note_text])
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoadmapMilestoneManager()

    class Meta:
        ordering = ["roadmap", "sequence"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "slug"], name="unique_roadmap_milestone_slug")]

    def __str__(self) -> str:
        return self.title

    @property
    def optional(self) -> bool:
        # From the catalog; a milestone deleted from the catalog counts as required.
        # Needs ``select_related("milestone")``.
        return bool(self.milestone and self.milestone.optional)
