"""A learner's roadmaps, tasks, re-planning and progress."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.catalog.api import CatalogSlugField
from roadmaps.models import Roadmap, Role, Skill, Task, Track
from roadmaps.models.plans import TaskStatus
from roadmaps.plans import planning, selectors, services

MAX_DAYS_FROM_TODAY = 366
MAX_TARGET_WEEKS = 520


class TaskSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase_title", read_only=True)
    milestone = serializers.SerializerMethodField()
    estimated_hours = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, coerce_to_string=False)
    status = serializers.ChoiceField(choices=TaskStatus.choices)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "phase",
            "milestone",
            "kind",
            "start_date",
            "due_date",
            "estimated_hours",
            "status",
            "completed_at",
            "note",
            "roadmap",
        ]
        read_only_fields = [f for f in fields if f != "status"]

    def get_milestone(self, task: Task) -> str:
        return task.milestone_title

    def validate(self, attrs):
        if "status" not in attrs:
            raise serializers.ValidationError({"status": ["This field is required."]})
        return attrs


class ProgressSerializer(serializers.Serializer):
    percent_complete = serializers.FloatField()
    hours_done = serializers.FloatField()
    hours_total = serializers.FloatField()
    expected_percent = serializers.FloatField()
    status = serializers.ChoiceField(choices=["ahead", "on_track", "behind"])
    overdue_tasks = serializers.ListField(child=serializers.IntegerField())
    streak_weeks = serializers.IntegerField()
    projected_end_date = serializers.DateField(allow_null=True)


def progress_payload(roadmap: Roadmap, tasks: list[Task], *, today: date, zone) -> dict:
    progress = planning.progress_of(tasks, today=today, zone=zone)
    return {
        "percent_complete": progress.percent_complete,
        "hours_done": round(progress.minutes_done / 60, 2),
        "hours_total": round(progress.minutes_total / 60, 2),
        "expected_percent": progress.expected_percent,
        "status": progress.status,
        "overdue_tasks": [tasks[index].id for index in progress.overdue_task_indexes],
        "streak_weeks": progress.streak_weeks,
        "projected_end_date": progress.projected_end_date,
    }


class RoadmapSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    track = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    track_name = serializers.CharField(source="track.name", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "role",
            "track",
            "role_name",
            "track_name",
            "start_date",
            "end_date",
            "status",
            "weekly_hours",
            "target_weeks",
            "study_days",
            "known_skills",
            "progress",
            "created_at",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, roadmap: Roadmap) -> dict:
        profile = self.context["profile"]
        tasks = list(roadmap.tasks.all())
        return progress_payload(roadmap, tasks, today=profile.local_today(timezone.now()), zone=profile.zone)


class RoadmapDetailSerializer(RoadmapSerializer):
    class Meta(RoadmapSerializer.Meta):
        fields = [*RoadmapSerializer.Meta.fields, "tasks"]

    tasks = serializers.SerializerMethodField()

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, roadmap: Roadmap) -> list[dict]:
        return TaskSerializer(selectors.sort_by_date(roadmap.tasks.all()), many=True).data


class RoadmapCreateSerializer(serializers.Serializer):
    role = CatalogSlugField(queryset=Role.objects.all())
    track = CatalogSlugField(queryset=Track.objects.all())
    start_date = serializers.DateField()
    weekly_hours = serializers.IntegerField(min_value=MIN_WEEKLY_HOURS, max_value=MAX_WEEKLY_HOURS, required=False)
    target_weeks = serializers.IntegerField(min_value=1, max_value=MAX_TARGET_WEEKS, required=False, allow_null=True)
    known_skills = CatalogSlugField(queryset=Skill.objects.all(), many=True, required=False)
    study_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        required=False,
        min_length=1,
        max_length=7,
    )
    blocked_dates = serializers.ListField(child=serializers.DateField(), required=False, max_length=366)

    def validate_start_date(self, value: date) -> date:
        today = self.context["today"]
        if abs((value - today).days) > MAX_DAYS_FROM_TODAY:
            raise serializers.ValidationError("Choose a start date within a year of today.")
        return value

    def to_plan_inputs(self, profile) -> services.PlanInputs:
        data = self.validated_data
        known = data.get("known_skills")
        return services.PlanInputs(
            role=data["role"],
            track=catalog_selectors.tracks_with_milestones().get(pk=data["track"].pk),
            start_date=data["start_date"],
            weekly_hours=data.get("weekly_hours") or profile.weekly_hours,
            study_days=sorted(set(data.get("study_days") or profile.study_days)),
            known_skills=[s.slug for s in known] if known is not None else [s.slug for s in profile.known_skills.all()],
            target_weeks=data.get("target_weeks"),
            blocked_dates=tuple(sorted(set(data.get("blocked_dates", [])))),
        )


class ReplanSerializer(serializers.Serializer):
    from_date = serializers.DateField(required=False)
    weekly_hours = serializers.IntegerField(min_value=MIN_WEEKLY_HOURS, max_value=MAX_WEEKLY_HOURS, required=False)
    study_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        required=False,
        min_length=1,
        max_length=7,
    )

    def validate_from_date(self, value: date) -> date:
        roadmap, today = self.context["roadmap"], self.context["today"]
        if value < roadmap.start_date:
            raise serializers.ValidationError("Re-plan from a date on or after the roadmap's start date.")
        if value > today + timedelta(days=MAX_DAYS_FROM_TODAY):
            raise serializers.ValidationError("Re-plan from a date within a year of today.")
        return value


class LearnerContextMixin:
    def learner_profile(self):
        if not hasattr(self, "_profile"):
            self._profile = services.profile_of(self.request.user)
        return self._profile

    def learner_today(self) -> date:
        return self.learner_profile().local_today(timezone.now())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "profile": self.learner_profile(), "today": self.learner_today()}


class RoadmapViewSet(
    LearnerContextMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoadmapSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.roadmaps_of(self.request.user).prefetch_related("tasks")

    def get_serializer_class(self):
        return RoadmapDetailSerializer if self.action == "retrieve" else RoadmapSerializer

    @extend_schema(request=RoadmapCreateSerializer, responses={201: RoadmapDetailSerializer})
    def create(self, request):
        serializer = RoadmapCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            roadmap = services.roadmap_create(
                user=request.user, inputs=serializer.to_plan_inputs(self.learner_profile())
            )
        except services.PlanRejected as error:
            body = {error.field: [error.message]}
            if error.required_weekly_hours:
                body["required_weekly_hours"] = error.required_weekly_hours
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        roadmap = self.get_queryset().get(pk=roadmap.pk)
        return Response(RoadmapDetailSerializer(roadmap, context=self.get_serializer_context()).data, status=201)

    def perform_destroy(self, instance):
        services.roadmap_delete(roadmap=instance)

    @extend_schema(responses={200: TaskSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def tasks(self, request, pk=None):
        roadmap = self.get_object()
        page = self.paginate_queryset(selectors.tasks_of_roadmap(roadmap))
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    @extend_schema(responses={200: ProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        roadmap = self.get_object()
        profile = self.learner_profile()
        payload = progress_payload(roadmap, list(roadmap.tasks.all()), today=self.learner_today(), zone=profile.zone)
        return Response(ProgressSerializer(payload).data)

    @extend_schema(request=ReplanSerializer, responses={200: RoadmapDetailSerializer})
    @action(detail=True, methods=["post"])
    def replan(self, request, pk=None):
        roadmap = self.get_object()
        context = {**self.get_serializer_context(), "roadmap": roadmap}
        serializer = ReplanSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        from_date = data.get("from_date") or max(self.learner_today(), roadmap.start_date)
        try:
            result = services.roadmap_replan(
                roadmap=roadmap,
                from_date=from_date,
                weekly_hours=data.get("weekly_hours"),
                study_days=data.get("study_days"),
                now=timezone.now(),
            )
        except services.PlanRejected as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        roadmap = self.get_queryset().get(pk=result.roadmap.pk)
        body = RoadmapDetailSerializer(roadmap, context=self.get_serializer_context()).data
        return Response({**body, "moved_tasks": list(result.moved_task_ids)})


# What ``PATCH /api/tasks/{id}/`` reads: the new status, required. A raw schema, since
# drf-spectacular documents every field of a PATCH serializer as optional.
TASK_STATUS_CHANGE = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": list(TaskStatus.values)}},
    "required": ["status"],
}


@extend_schema_view(partial_update=extend_schema(request={"application/json": TASK_STATUS_CHANGE}))
class TaskViewSet(LearnerContextMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.tasks_of_user(self.request.user).select_related("roadmap")

    def perform_update(self, serializer):
        services.task_mark(task=serializer.instance, status=serializer.validated_data["status"], now=timezone.now())
