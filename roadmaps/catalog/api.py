"""Read-only catalog endpoints: roles, tracks and skills, open to everyone; and the field that names them."""

from django.core.validators import slug_re
from django.utils.encoding import smart_str
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.relations import MANY_RELATION_KWARGS

from roadmaps.catalog import selectors as catalog_selectors
from roadmaps.models import Milestone, Phase, Role, RoleLevel, Skill, Track

MAX_SLUGS_IN_A_LIST = 200  # the whole catalog has far fewer skills; each one is a lookup


class CatalogSlugField(serializers.SlugRelatedField):
    """A catalog object named by its slug, as input.

    A value that cannot be a slug (a NUL byte, which PostgreSQL refuses in text;
    spaces; control characters) is "not found" without a query. With
    ``many=True`` the list is bounded, since every item costs a query.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not slug_re.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return super().to_internal_value(data)

    @classmethod
    def many_init(cls, *args, max_length: int = MAX_SLUGS_IN_A_LIST, **kwargs):
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return BoundedManyRelatedField(child_relation=cls(*args, **kwargs), max_length=max_length, **list_kwargs)


class BoundedManyRelatedField(serializers.ManyRelatedField):
    default_error_messages = {"max_length": serializers.ListField.default_error_messages["max_length"]}

    def __init__(self, *args, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str | dict) and hasattr(data, "__len__") and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


SKILL_HELP = {
    "slug": {"help_text": "The skill's stable identifier, used wherever a skill is named (known_skills)."},
    "name": {"help_text": "The skill's name."},
    "category": {"help_text": "A free-form grouping, e.g. 'programming', 'ml', 'data'."},
}


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["slug", "name", "category"]
        extra_kwargs = SKILL_HELP


class SkillRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["slug", "name"]
        extra_kwargs = SKILL_HELP


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name", "category", "mission"]
        extra_kwargs = {
            "slug": {"help_text": "The role's stable identifier, as in /api/roles/{slug}/ and a roadmap's role."},
            "name": {"help_text": "The job title."},
            "category": {"help_text": "The role family the role belongs to."},
            "mission": {"help_text": "What someone in this role is there to do, in a sentence or two."},
        }


class RoleLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoleLevel
        fields = ["title", "years", "focus"]
        extra_kwargs = {
            "title": {"help_text": "The level's title, e.g. 'Junior ML Engineer'."},
            "years": {"help_text": "Typical experience at this level, as text, e.g. '0-2 years'."},
            "focus": {"help_text": "What the work at this level is about."},
        }


class RoleDetailSerializer(RoleSerializer):
    aliases = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Other titles the seed guides use for the same job."
    )
    essential_skills = SkillRefSerializer(many=True, help_text="Skills the role cannot do without.")
    important_skills = SkillRefSerializer(many=True, help_text="Skills that matter but can come later.")
    progression = RoleLevelSerializer(many=True, help_text="Career levels, from the first to the most senior.")
    tracks = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        read_only=True,
        help_text="Slugs of the tracks that lead to this role: a roadmap's track must be one of them.",
    )

    class Meta(RoleSerializer.Meta):
        fields = [
            *RoleSerializer.Meta.fields,
            "aliases",
            "essential_skills",
            "important_skills",
            "progression",
            "tracks",
        ]


class TrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Track
        fields = ["slug", "name", "audience", "min_weeks", "max_weeks"]
        extra_kwargs = {
            "slug": {"help_text": "The track's stable identifier, as in /api/tracks/{slug}/ and a roadmap's track."},
            "name": {"help_text": "The track's name, e.g. '90-day sprint'."},
            "audience": {"help_text": "Who the track is written for."},
            "min_weeks": {"help_text": "The shortest the track is meant to take, in weeks."},
            "max_weeks": {"help_text": "The longest the track is meant to take, in weeks."},
            "description": {"help_text": "What the track covers, in a paragraph."},
        }


class MilestoneSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the skills this milestone teaches."
    )
    prerequisites = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        read_only=True,
        help_text="Slugs of milestones that must come before this one; a plan keeps that order.",
    )

    class Meta:
        model = Milestone
        fields = [
            "slug",
            "title",
            "description",
            "kind",
            "estimated_hours",
            "skills",
            "prerequisites",
        ]
        extra_kwargs = {
            "slug": {"help_text": "The milestone's stable identifier."},
            "title": {"help_text": "The milestone's title; a plan's tasks are named after it."},
            "description": {"help_text": "What to do or make, in a few sentences."},
            "kind": {
                "help_text": "learn (study), build (make something), apply (use it: job search, interviews) "
                "or network (meet people)."
            },
            "estimated_hours": {
                "help_text": "Hours of work the milestone is expected to take; plans split it "
                "into tasks that fit the learner's week."
            },
        }


class PhaseSerializer(serializers.ModelSerializer):
    milestones = MilestoneSerializer(many=True, help_text="The phase's milestones, in plan order.")

    class Meta:
        model = Phase
        fields = ["order", "title", "start_week", "end_week", "milestones"]
        extra_kwargs = {
            "order": {"help_text": "The phase's place in the track, from 1."},
            "title": {"help_text": "The phase's title."},
            "start_week": {"help_text": "The week of the track the phase is expected to start in, from 1 (the pace)."},
            "end_week": {"help_text": "The week of the track the phase is expected to end in (the pace)."},
        }


class TrackDetailSerializer(TrackSerializer):
    roles = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the roles this track leads to."
    )
    phases = PhaseSerializer(many=True, help_text="The track's phases, in order.")

    class Meta(TrackSerializer.Meta):
        fields = [*TrackSerializer.Meta.fields, "description", "roles", "phases"]


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    lookup_field = "slug"
    # Only slug-shaped paths reach the query (PostgreSQL refuses NUL bytes in text).
    lookup_value_converter = "slug"
    detail_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class


class RoleViewSet(CatalogViewSet):
    serializer_class = RoleSerializer
    detail_serializer_class = RoleDetailSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return catalog_selectors.roles_with_details()
        return Role.objects.all()


class TrackViewSet(CatalogViewSet):
    serializer_class = TrackSerializer
    detail_serializer_class = TrackDetailSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return catalog_selectors.tracks_with_milestones()
        return Track.objects.all()


class SkillViewSet(CatalogViewSet):
    serializer_class = SkillSerializer
    detail_serializer_class = SkillSerializer
    queryset = Skill.objects.all()
