"""Reads of the catalog: each list and detail has a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from roadmaps.models import Milestone, Phase, Role, Track


def roles_with_details() -> QuerySet[Role]:
    return Role.objects.prefetch_related("essential_skills", "important_skills", "progression", "tracks")


def tracks_with_milestones() -> QuerySet[Track]:
    milestones = Milestone.objects.prefetch_related("skills", "prerequisites").order_by("order")
    phases = Phase.objects.prefetch_related(Prefetch("milestones", queryset=milestones))
    return Track.objects.prefetch_related("roles", Prefetch("phases", queryset=phases.order_by("order")))
