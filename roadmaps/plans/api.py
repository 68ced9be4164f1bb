"""A learner's roadmaps, tasks, re-planning and progress."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from datetime import date, timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

import planner
from accounts.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, STUDY_DAYS_HELP, WEEKLY_HOURS_HELP
from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.catalog.api import CatalogSlugField
from roadmaps.models import Roadmap, Role, Skill, Task, Track
from roadmaps.models.plans import TaskStatus
from roadmaps.plans import catchup, planning, selectors, services, summaries
from roadmaps.plans.sessions import study_sessions

MAX_DAYS_FROM_TODAY = 366
MAX_DAYS_BACK = 7  # a roadmap may start at most a week ago ...
MAX_DAYS_AHEAD = 365  # ... and at most a year ahead, in the learner's zone
MAX_TARGET_WEEKS = 520
START_DATE_HELP = (
    f"The first day of the plan (YYYY-MM-DD): from {MAX_DAYS_BACK} days before to {MAX_DAYS_AHEAD} "
    "days after today, 'today' taken in the learner's time zone."
)
DEFAULT_SESSION_DAYS = 28
MAX_SESSION_DAYS = 366
NEXT_TASKS = 3


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The session's stable id (the same in the calendar feed).")
    date = serializers.DateField(help_text="The study day (YYYY-MM-DD), in the learner's time zone.")
    start = serializers.DateTimeField(help_text="When the session starts (ISO 8601, with the learner's offset).")
    end = serializers.DateTimeField(help_text="When the session ends (ISO 8601, with the learner's offset).")
    minutes = serializers.IntegerField(help_text="The session's length in minutes.")
    task = serializers.IntegerField(source="task_id", help_text="The id of the task studied in this session.")
    title = serializers.CharField(help_text="The task's title.")
    status = serializers.ChoiceField(
        choices=TaskStatus.choices, help_text="The status of the task (the session has none of its own)."
    )
    roadmap = serializers.IntegerField(source="roadmap_id", help_text="The id of the task's roadmap.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Keep the learner's own offset (DRF would convert to the server's zone).
        data["start"], data["end"] = instance.start.isoformat(), instance.end.isoformat()
        return data


class SessionRangeSerializer(serializers.Serializer):
    # "from" is a Python keyword: the fields are renamed on the way in.
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def to_internal_value(self, data):
        renamed = {"date_from": data.get("from"), "date_to": data.get("to")}
        try:
            return super().to_internal_value({key: value for key, value in renamed.items() if value is not None})
        except serializers.ValidationError as error:
            names = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({names.get(k, k): v for k, v in error.detail.items()}) from error

    def validate(self, attrs):
        date_from = attrs.get("date_from") or self.context["today"]
        date_to = attrs.get("date_to") or date_from + timedelta(days=DEFAULT_SESSION_DAYS - 1)
        if date_to < date_from:
            raise serializers.ValidationError({"to": [_("Must be on or after 'from'.")]})
        if (date_to - date_from).days >= MAX_SESSION_DAYS:
            raise serializers.ValidationError(
                {"to": [_("Ask for at most %(days)d days at a time.") % {"days": MAX_SESSION_DAYS}]}
            )
        return {"date_from": date_from, "date_to": date_to}


class TaskSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase_title", read_only=True, help_text="The title of the task's phase.")
    milestone = serializers.SerializerMethodField(help_text="The title of the milestone the task is part of.")
    estimated_hours = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        read_only=True,
        coerce_to_string=False,
        help_text="Hours the task is planned to take (a number, up to 2 decimals).",
    )
    status = serializers.ChoiceField(
        choices=TaskStatus.choices,
        help_text="todo, in_progress, done or skipped; the one writable field. done and skipped both count "
        "as finished and set completed_at; todo or in_progress clears it.",
    )

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
        extra_kwargs = {
            "id": {"help_text": "The task's id, as in /api/tasks/{id}/."},
            "title": {"help_text": "What to do, e.g. 'Python for data work (part 2 of 3)'."},
            "kind": {"help_text": "The milestone's kind: learn, build, apply or network."},
            "start_date": {"help_text": "The planned first day of work on the task (a study day)."},
            "due_date": {"help_text": "The planned last day of work on the task (a study day)."},
            "completed_at": {
                "help_text": "When the task was finished, done or skipped (ISO 8601); null while unfinished."
            },
            "note": {"help_text": "A short note the plan attaches to the task; may be empty."},
            "roadmap": {"help_text": "The id of the roadmap the task belongs to."},
        }

    def get_fields(self):
        # The model's introspection once per process, not once per serializer: every tick
        # answers with one. Copies, since binding a field to its serializer changes it.
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)

    def get_milestone(self, task: Task) -> str:
        return task.milestone_title

    def validate(self, attrs):
        return status_required(attrs)


def status_required(attrs: dict) -> dict:
    if "status" not in attrs:
        raise serializers.ValidationError({"status": [_("This field is required.")]})
    return attrs


class TaskStatusChangeSerializer(serializers.Serializer):
    """What ``PATCH /api/tasks/{id}/`` reads, as ``TaskSerializer`` would with ``partial``: the
    status, required. The task's other fields, sent back as GET shows them, are ignored;
    only names a task does not have are refused. Built without the model's introspection
    that a ModelSerializer repeats on every tick."""

    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            data = {key: value for key, value in data.items() if key not in SHOWN_TASK_FIELDS}
        return super().to_internal_value(data)

    def validate(self, attrs):
        return status_required(attrs)


SHOWN_TASK_FIELDS = frozenset(TaskSerializer.Meta.fields) - {"status"}


@functools.cache
def _status_change() -> TaskStatusChangeSerializer:
    # Validation keeps nothing on the serializer (``run_validation`` answers or raises),
    # so one serves every tick of the process instead of one built per tick.
    return TaskStatusChangeSerializer()


@functools.cache
def _task_body_serializer() -> TaskSerializer:
    # Its fields read nothing of a request (no context), so one bound serializer serves
    # every tick of the process: binding a dozen fields cost more than the tick's UPDATE.
    return TaskSerializer()


def task_body(task: Task) -> dict:
    """``TaskSerializer(task).data``, without building the serializer again."""
    return _task_body_serializer().to_representation(task)


class ProgressSerializer(serializers.Serializer):
    percent_complete = serializers.FloatField(
        help_text="hours_done / hours_total as a percentage, 1 decimal; below 100 until every task is finished."
    )
    hours_done = serializers.FloatField(help_text="Estimated hours of the tasks marked done.")
    hours_total = serializers.FloatField(help_text="Estimated hours of every task in the plan except skipped ones.")
    hours_skipped = serializers.FloatField(help_text="Estimated hours of skipped tasks: they left the plan.")
    hours_expected = serializers.FloatField(help_text="Hours of the plan due by the end of today.")
    expected_percent = serializers.FloatField(
        help_text="hours_expected / hours_total as a percentage: where the plan says the learner should be "
        "by the end of today (learner's time zone)."
    )
    status = serializers.ChoiceField(
        choices=["ahead", "on_track", "behind"],
        help_text="behind when more than one study day's hours are overdue; ahead when more than one study "
        "day's hours are done beyond what is due; else on_track.",
    )
    overdue_tasks = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of unfinished tasks whose due date has passed."
    )
    streak_weeks = serializers.IntegerField(
        help_text="Weeks in a row in which the learner finished at least one task, ending with this week "
        "(or last week, when nothing was finished yet this week)."
    )
    projected_end_date = serializers.DateField(
        allow_null=True,
        help_text="When the plan would end at the pace of the last four weeks; the plan's end date while "
        "there is no history.",
    )


def progress_payload(roadmap: Roadmap, tasks: list[Task], *, today: date, zone) -> dict:
    progress = planning.progress_of(roadmap, tasks, today=today, zone=zone)
    return {
        "percent_complete": progress.percent_complete,
        "hours_done": round(progress.minutes_done / 60, 2),
        "hours_total": round(progress.minutes_total / 60, 2),
        "hours_skipped": round(progress.minutes_skipped / 60, 2),
        "hours_expected": round(progress.minutes_expected / 60, 2),
        "expected_percent": progress.expected_percent,
        "status": progress.status,
        "overdue_tasks": [tasks[index].id for index in progress.overdue_task_indexes],
        "streak_weeks": progress.streak_weeks,
        "projected_end_date": progress.projected_end_date,
    }


class RoadmapSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The target role's slug.")
    track = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The track's slug.")
    role_name = serializers.CharField(source="role.name", read_only=True, help_text="The target role's name.")
    track_name = serializers.CharField(source="track.name", read_only=True, help_text="The track's name.")
    study_days = serializers.ListField(child=serializers.IntegerField(), read_only=True, help_text=STUDY_DAYS_HELP)
    known_skills = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Slugs of the skills left out of the plan because the learner has them.",
    )
    progress = serializers.SerializerMethodField(help_text="Progress as of today, as GET .../progress/ answers it.")

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
            "buffer_weeks",
            "progress",
            "created_at",
        ]
        extra_kwargs = {
            "id": {"help_text": "The roadmap's id, as in /api/roadmaps/{id}/."},
            "start_date": {"help_text": "The first day of the plan."},
            "end_date": {"help_text": "The planned last day: the due date of the last task."},
            "status": {"help_text": "active, completed or archived."},
            "weekly_hours": {"help_text": "Hours a week the plan is built for."},
            "target_weeks": {"help_text": "The length in weeks the learner asked for; null: the track's own pace."},
            "created_at": {"help_text": "When the roadmap was created (ISO 8601)."},
            "buffer_weeks": {"help_text": "Slack weeks after each phase (0 to 2)."},
        }

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, roadmap: Roadmap) -> dict:
        profile = self.context["profile"]
        tasks = list(roadmap.tasks.all())
        return progress_payload(roadmap, tasks, today=profile.local_today(timezone.now()), zone=profile.zone)


class RoadmapDetailSerializer(RoadmapSerializer):
    class Meta(RoadmapSerializer.Meta):
        fields = [*RoadmapSerializer.Meta.fields, "tasks"]

    tasks = serializers.SerializerMethodField(help_text="Every task of the plan, in date order.")

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, roadmap: Roadmap) -> list[dict]:
        return TaskSerializer(selectors.sort_by_date(roadmap.tasks.all()), many=True).data


class RoadmapCreateSerializer(serializers.Serializer):
    role = CatalogSlugField(queryset=Role.objects.all(), help_text="The target role's slug (GET /api/roles/).")
    track = CatalogSlugField(
        queryset=Track.objects.all(), help_text="The track's slug: one of the role's tracks (GET /api/roles/{slug}/)."
    )
    start_date = serializers.DateField(help_text=START_DATE_HELP)
    weekly_hours = serializers.IntegerField(
        min_value=MIN_WEEKLY_HOURS,
        max_value=MAX_WEEKLY_HOURS,
        required=False,
        help_text=WEEKLY_HOURS_HELP + " Default: the profile's weekly_hours.",
    )
    target_weeks = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TARGET_WEEKS,
        required=False,
        allow_null=True,
        help_text="Finish within this many weeks; the plan is refused (400) if the hours do not fit. "
        "Default: the track's own pace.",
    )
    known_skills = CatalogSlugField(
        queryset=Skill.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of skills the learner has: milestones that only teach these are left out. "
        "Default: the profile's known_skills.",
    )
    study_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        required=False,
        min_length=1,
        max_length=7,
        help_text=STUDY_DAYS_HELP + " Default: the profile's study_days.",
    )
    blocked_dates = serializers.ListField(
        child=serializers.DateField(),
        required=False,
        max_length=366,
        help_text="Dates (YYYY-MM-DD) with no study, e.g. holidays; at most 366.",
    )
    buffer_weeks = serializers.IntegerField(
        min_value=0,
        max_value=planner.MAX_BUFFER_WEEKS,
        required=False,
        help_text="Slack weeks after each phase, shown as buffer in the plan (0 to 2; default 0).",
    )
    drop_milestones = serializers.ListField(
        child=serializers.SlugField(max_length=100),
        required=False,
        max_length=200,
        help_text="Slugs of optional milestones to leave out.",
    )

    def validate_start_date(self, value: date) -> date:
        today = self.context["today"]
        earliest, latest = today - timedelta(days=MAX_DAYS_BACK), today + timedelta(days=MAX_DAYS_AHEAD)
        if not earliest <= value <= latest:
            raise serializers.ValidationError(
                _("Choose a start date from %(earliest)s (a week ago) to %(latest)s (a year ahead).")
                % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
            )
        return value

    def validate(self, attrs):
        role, track = attrs.get("role"), attrs.get("track")
        if role is not None and track is not None and not track.roles.filter(pk=role.pk).exists():
            fitting = ", ".join(role.tracks.order_by("slug").values_list("slug", flat=True)) or _("none yet")
            message = _("This track does not fit the role %(role)s; tracks that do: %(fitting)s.") % {
                "role": role.slug,
                "fitting": fitting,
            }
            raise serializers.ValidationError({"track": [message]})
        dropped = attrs.get("drop_milestones") or []
        if dropped and track is not None:
            optional = set(track.phases.filter(milestones__optional=True).values_list("milestones__slug", flat=True))
            refused = sorted(set(dropped) - optional)
            if refused:
                message = _("Only optional milestones of this track can be dropped, not: %(refused)s.") % {
                    "refused": ", ".join(refused)
                }
                raise serializers.ValidationError({"drop_milestones": [message]})
        return attrs

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
            buffer_weeks=data.get("buffer_weeks", 0),
            drop_milestones=tuple(dict.fromkeys(data.get("drop_milestones") or [])),
        )


class PreviewPhaseSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The phase's title.")
    start_date = serializers.DateField(help_text="The due date of the phase's first task.")
    end_date = serializers.DateField(help_text="The due date of the phase's last task.")
    hours = serializers.FloatField(help_text="Estimated hours of the phase's tasks.")


class BufferSerializer(serializers.Serializer):
    after_phase = serializers.CharField(help_text="The title of the phase the buffer week(s) follow.")
    start_date = serializers.DateField(help_text="The buffer's first day.")
    end_date = serializers.DateField(help_text="The buffer's last day.")


class PreviewSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="The first day of the plan.")
    end_date = serializers.DateField(help_text="The planned last day: the due date of the last task.")
    total_hours = serializers.FloatField(help_text="Estimated hours of every planned task.")
    weekly_hours = serializers.IntegerField(help_text="Hours a week the plan is built for.")
    tasks_count = serializers.IntegerField(help_text="How many tasks the plan has.")
    phases = PreviewPhaseSerializer(many=True, help_text="The plan's phases in order, with their dates and hours.")
    buffers = BufferSerializer(many=True, help_text="The buffer weeks of the plan (none when buffer_weeks is 0).")


PLAN_REJECTED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        'Bad input: each bad field with its messages ({"field": ["message"]}); nothing is stored. '
        "A plan that cannot fit adds `required_weekly_hours` (when more hours would do) and `fixes`: "
        "complete create bodies, each of which previews successfully."
    ),
)


def preview_payload(inputs: services.PlanInputs, plan: planner.Plan) -> dict:
    phases = summaries.phase_summaries(plan.tasks)
    titles = {phase.order: phase.title for phase in phases}
    return {
        "start_date": inputs.start_date,
        "end_date": plan.end_date,
        "total_hours": round(plan.total_minutes / 60, 2),
        "weekly_hours": inputs.weekly_hours,
        "tasks_count": len(plan.tasks),
        "phases": [
            {"title": p.title, "start_date": p.start_date, "end_date": p.end_date, "hours": round(p.minutes / 60, 2)}
            for p in phases
        ],
        "buffers": [
            {"after_phase": titles.get(b.after_phase_order, ""), "start_date": b.start_date, "end_date": b.end_date}
            for b in plan.buffers
        ],
    }


def rejection(inputs: services.PlanInputs, error: services.PlanRejected) -> Response:
    """400 naming the field, plus the complete bodies that would fit (``fixes``)."""
    body: dict = {error.field: [error.message]}
    if error.required_weekly_hours:
        body["required_weekly_hours"] = error.required_weekly_hours
    body["fixes"] = [fix.as_body() for fix in services.plan_fixes(inputs, error)]
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class ChangeSerializer(serializers.Serializer):
    end_date_before = serializers.DateField(help_text="The planned last day before the re-plan.")
    end_date_after = serializers.DateField(help_text="The planned last day after the re-plan.")
    moved_tasks = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the tasks whose due date the re-plan changes."
    )
    preview = serializers.BooleanField(help_text="True: the change was computed, nothing was stored")


class ReplannedSerializer(RoadmapDetailSerializer):
    class Meta(RoadmapDetailSerializer.Meta):
        fields = [*RoadmapDetailSerializer.Meta.fields, "moved_tasks", "change"]

    moved_tasks = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Ids of the tasks whose due date changed."
    )
    change = ChangeSerializer(read_only=True, help_text="The end date before and after, and the moved tasks.")


class CatchUpOptionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=catchup.KINDS,
        help_text="extend (same hours, later end), add_hours (same end, more hours a week) or "
        "drop_optional (skip the unfinished tasks of optional milestones).",
    )
    summary = serializers.CharField(help_text="One sentence saying what the option does.")
    end_date = serializers.DateField(help_text="The planned last day if the option is applied.")
    weekly_hours = serializers.IntegerField(help_text="Hours a week the plan has if the option is applied.")
    dropped_milestones = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the optional milestones the option leaves out."
    )
    hours_saved = serializers.FloatField(help_text="Estimated hours of the tasks the option skips (0 unless dropping).")


class CatchUpSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["ahead", "on_track", "behind"], help_text="The roadmap's status today, as the progress answers it."
    )
    hours_behind = serializers.FloatField(help_text="Hours due by today that are not done yet (0 when none).")
    options = CatchUpOptionSerializer(many=True, help_text="The ways back onto the plan; empty unless behind.")


class CatchUpApplySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=catchup.KINDS, help_text="The option to apply: one of the kinds GET .../catch-up/ offers now."
    )


class ReplanSerializer(serializers.Serializer):
    preview = serializers.BooleanField(
        required=False, default=False, help_text="True: answer the change and store nothing."
    )
    from_date = serializers.DateField(
        required=False,
        help_text="Unfinished tasks start no earlier than this date: on or after the roadmap's start date and "
        f"at most {MAX_DAYS_FROM_TODAY} days after today. Default: today in the learner's time zone "
        "(or the start date, if later).",
    )
    weekly_hours = serializers.IntegerField(
        min_value=MIN_WEEKLY_HOURS,
        max_value=MAX_WEEKLY_HOURS,
        required=False,
        help_text=WEEKLY_HOURS_HELP + " Default: the roadmap's weekly_hours.",
    )
    study_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        required=False,
        min_length=1,
        max_length=7,
        help_text=STUDY_DAYS_HELP + " Default: the roadmap's study_days.",
    )

    def validate_from_date(self, value: date) -> date:
        roadmap, today = self.context["roadmap"], self.context["today"]
        if value < roadmap.start_date:
            raise serializers.ValidationError(_("Re-plan from a date on or after the roadmap's start date."))
        if value > today + timedelta(days=MAX_DAYS_FROM_TODAY):
            raise serializers.ValidationError(_("Re-plan from a date within a year of today."))
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

    def plan_inputs(self, request) -> services.PlanInputs:
        serializer = RoadmapCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.to_plan_inputs(self.learner_profile())

    @extend_schema(
        request=RoadmapCreateSerializer,
        responses={201: RoadmapDetailSerializer, 400: PLAN_REJECTED},
    )
    def create(self, request):
        inputs = self.plan_inputs(request)
        try:
            roadmap = services.roadmap_create(user=request.user, inputs=inputs)
        except services.PlanRejected as error:
            return rejection(inputs, error)
        roadmap = self.get_queryset().get(pk=roadmap.pk)
        return Response(RoadmapDetailSerializer(roadmap, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=RoadmapCreateSerializer, responses={200: PreviewSerializer, 400: PLAN_REJECTED})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        inputs = self.plan_inputs(request)
        try:
            plan = services.plan_preview(inputs)
        except services.PlanRejected as error:
            return rejection(inputs, error)
        return Response(PreviewSerializer(preview_payload(inputs, plan)).data)

    def perform_destroy(self, instance):
        services.roadmap_delete(roadmap=instance)

    @extend_schema(responses={200: TaskSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def tasks(self, request, pk=None):
        roadmap = self.get_object()
        page = self.paginate_queryset(selectors.tasks_of_roadmap(roadmap))
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: today, learner's zone)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (default: from + 27 days)"),
        ],
        responses={
            200: SessionSerializer(many=True),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad `from` or `to`, named."),
        },
    )
    @action(detail=True, methods=["get"])
    def sessions(self, request, pk=None):
        roadmap = self.get_object()
        self.query_parameters = ("from", "to")  # besides ?page=, for the strict pagination
        query = SessionRangeSerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        # All active roadmaps of the learner, so times agree with /api/today/ and the calendar.
        shown = selectors.roadmaps_of(request.user).filter(Q(status=Roadmap.Status.ACTIVE) | Q(pk=roadmap.pk))
        found = study_sessions(shown, query.validated_data["date_from"], query.validated_data["date_to"])
        page = self.paginate_queryset([session for session in found if session.roadmap_id == roadmap.pk])
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(responses={200: ProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        roadmap = self.get_object()
        profile = self.learner_profile()
        payload = progress_payload(roadmap, list(roadmap.tasks.all()), today=self.learner_today(), zone=profile.zone)
        return Response(ProgressSerializer(payload).data)

    @extend_schema(request=ReplanSerializer, responses={200: ReplannedSerializer})
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
                preview=data.get("preview", False),
            )
        except services.PlanRejected as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        return self.replanned(result, preview=data.get("preview", False))

    def replanned(self, result: services.ReplanResult, *, preview: bool = False) -> Response:
        """The roadmap (as stored) plus the change the re-plan makes (or made)."""
        roadmap = self.get_queryset().get(pk=result.roadmap.pk)
        body = RoadmapDetailSerializer(roadmap, context=self.get_serializer_context()).data
        change = {
            "end_date_before": result.end_date_before.isoformat(),
            "end_date_after": result.end_date_after.isoformat(),
            "moved_tasks": list(result.moved_task_ids),
            "preview": preview,
        }
        return Response({**body, "moved_tasks": list(result.moved_task_ids), "change": change})

    @extend_schema(methods=["GET"], responses={200: CatchUpSerializer})
    @extend_schema(methods=["POST"], request=CatchUpApplySerializer, responses={200: ReplannedSerializer})
    @action(detail=True, methods=["get", "post"], url_path="catch-up")
    def catch_up(self, request, pk=None):
        roadmap = self.get_object()
        zone, today = self.learner_profile().zone, self.learner_today()
        if request.method == "GET":
            return Response(CatchUpSerializer(catchup.catch_up_options(roadmap, today=today, zone=zone)).data)
        serializer = CatchUpApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data["kind"]
        try:
            result = catchup.catch_up_apply(roadmap=roadmap, kind=kind, today=today, zone=zone, now=timezone.now())
        except catchup.OptionUnavailable:
            return Response({"kind": [f"'{kind}' is not among the current options."]}, status=400)
        except services.PlanRejected as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        return self.replanned(result)


# What ``PATCH /api/tasks/{id}/`` reads: the new status, required. A raw schema, since
# drf-spectacular documents every field of a PATCH serializer as optional.
TASK_STATUS_CHANGE = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": list(TaskStatus.values)}},
    "required": ["status"],
}


@extend_schema_view(partial_update=extend_schema(request={"application/json": TASK_STATUS_CHANGE}))
class TaskViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    # No LearnerContextMixin: a task's fields need neither the profile nor today (one query less a tick).
    serializer_class = TaskSerializer
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.tasks_of_user(self.request.user).select_related("roadmap")

    def partial_update(self, request, pk: int):
        # Read, locked and written in one transaction: no read of the task before it.
        try:
            status = _status_change().run_validation(request.data)["status"]
        except serializers.ValidationError:
            self.get_object()  # another learner's task (or none) is a 404 before any 400
            # The errors as ``is_valid`` words them (a null body is "No data provided").
            change = TaskStatusChangeSerializer(data=request.data)
            change.is_valid()
            raise serializers.ValidationError(change.errors) from None
        try:
            task = services.task_mark_of_user(user=request.user, task_id=pk, status=status, now=timezone.now())
        except Task.DoesNotExist as missing:
            raise Http404(f"No {Task._meta.object_name} matches the given query.") from missing
        return Response(task_body(task))


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Today, in the learner's time zone.")
    sessions = SessionSerializer(many=True, help_text="Today's study sessions over every active roadmap, in order.")
    next_tasks = TaskSerializer(
        many=True, help_text=f"The next {NEXT_TASKS} unfinished tasks over every active roadmap, by due date."
    )


class TodayView(LearnerContextMixin, APIView):
    """What to study today over all active roadmaps, and what comes next."""

    def get_serializer_context(self):
        return {"request": self.request, "profile": self.learner_profile(), "today": self.learner_today()}

    @extend_schema(responses={200: TodaySerializer})
    def get(self, request):
        today = self.learner_today()
        active = selectors.roadmaps_of(request.user).filter(status=Roadmap.Status.ACTIVE)
        body = {
            "date": today,
            "sessions": study_sessions(active, today, today),
            "next_tasks": list(selectors.next_tasks(request.user, limit=NEXT_TASKS)),
        }
        return Response(TodaySerializer(body).data)
