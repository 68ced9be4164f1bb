"""``GET /api/roadmaps/{id}/milestones/`` and ``PATCH /api/milestones/{id}/``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from roadmaps.milestones import selectors, services, states
from roadmaps.models import RoadmapMilestone
from roadmaps.models.milestones import (
    MAX_EVIDENCE_URL_LENGTH,
    MAX_NOTE_LENGTH,
    validate_evidence_url,
    validate_note_text,
)
from roadmaps.plans import selectors as plan_selectors


class RoadmapMilestoneSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase_title", help_text="The title of the milestone's phase.")
    evidence_url = serializers.CharField(help_text="An https:// link to what the learner made, or an empty string.")
    optional = serializers.BooleanField(help_text="True: the learner may leave the milestone out of the plan.")
    status = serializers.SerializerMethodField(
        help_text="todo, in_progress (some of it done or under way), done (every task finished, one at least done) "
        "or skipped (every task skipped)."
    )
    hours_done = serializers.SerializerMethodField(help_text="Estimated hours of the milestone's done tasks.")
    hours_total = serializers.SerializerMethodField(
        help_text="Estimated hours of the milestone's tasks, skipped ones left out."
    )
    start_date = serializers.SerializerMethodField(help_text="The earliest start date of the milestone's tasks.")
    due_date = serializers.SerializerMethodField(help_text="The due date of the milestone's last task.")
    completed_at = serializers.SerializerMethodField(
        help_text="When the milestone's last task was finished (ISO 8601); null until it is done."
    )

    class Meta:
        model = RoadmapMilestone
        fields = [
            "id",
            "roadmap",
            "slug",
            "title",
            "phase",
            "kind",
            "optional",
            "status",
            "hours_done",
            "hours_total",
            "start_date",
            "due_date",
            "completed_at",
            "evidence_url",
            "note",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The milestone's id, as in /api/milestones/{id}/."},
            "roadmap": {"help_text": "The id of the milestone's roadmap."},
            "slug": {"help_text": "The milestone's slug in the catalog."},
            "title": {"help_text": "The milestone's title."},
            "kind": {"help_text": "What the milestone is about: learn, build, apply or network."},
            "note": {"help_text": "The learner's own note on the milestone; may be empty."},
        }

    def state(self, milestone: RoadmapMilestone):
        # Expects the tasks prefetched (selectors): computed once per milestone, no query.
        cache = self.context.setdefault("_states", {})
        if milestone.pk not in cache:
            cache[milestone.pk] = states.state_of(milestone.tasks.all())
        return cache[milestone.pk]

    @extend_schema_field(serializers.ChoiceField(choices=["todo", "in_progress", "done", "skipped"]))
    def get_status(self, milestone) -> str:
        return self.state(milestone).status

    def get_hours_done(self, milestone) -> float:
        return round(self.state(milestone).minutes_done / 60, 2)

    def get_hours_total(self, milestone) -> float:
        return round(self.state(milestone).minutes_total / 60, 2)

    @extend_schema_field(OpenApiTypes.DATE)
    def get_start_date(self, milestone):
        return self.state(milestone).start_date

    @extend_schema_field(OpenApiTypes.DATE)
    def get_due_date(self, milestone):
        return self.state(milestone).due_date

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_completed_at(self, milestone):
        completed_at = self.state(milestone).completed_at
        return serializers.DateTimeField().to_representation(completed_at) if completed_at else None


class RoadmapMilestoneUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[str(status) for status in services.SETTABLE_STATUSES],
        required=False,
        help_text="Sets the status of every task of the milestone at once.",
    )
    evidence_url = serializers.CharField(
        max_length=MAX_EVIDENCE_URL_LENGTH,
        allow_blank=True,
        required=False,
        trim_whitespace=True,
        validators=[validate_evidence_url],
        help_text="An https:// link to what the learner made; an empty string removes it. Never fetched.",
    )
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH,
        allow_blank=True,
        required=False,
        validators=[validate_note_text],
        help_text=f"The learner's own note, at most {MAX_NOTE_LENGTH} characters; an empty string removes it.",
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"status": [_("Send at least one of status, evidence_url or note.")]})
        return attrs


class RoadmapMilestonesView(generics.ListAPIView):
    """The roadmap's milestones in plan order; 404 for a roadmap that is not the learner's."""

    serializer_class = RoadmapMilestoneSerializer

    def get_queryset(self):
        roadmap = get_object_or_404(plan_selectors.roadmaps_of(self.request.user), pk=self.kwargs["pk"])
        return selectors.milestones_of_roadmap(roadmap)


class MilestoneView(generics.RetrieveAPIView):
    """One milestone; PATCH sets its status (on all its tasks at once), evidence link or note."""

    serializer_class = RoadmapMilestoneSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.milestones_of_user(self.request.user)

    @extend_schema(request=RoadmapMilestoneUpdateSerializer, responses={200: RoadmapMilestoneSerializer})
    def patch(self, request, pk: int):
        milestone = self.get_object()
        update = RoadmapMilestoneUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        services.milestone_update(milestone=milestone, now=timezone.now(), **update.validated_data)
        return Response(RoadmapMilestoneSerializer(self.get_queryset().get(pk=milestone.pk)).data)
