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


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["slug", "name", "category"]


class SkillRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["slug", "name"]


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name", "category", "mission"]


class RoleLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoleLevel
        fields = ["title", "years", "focus"]


class RoleDetailSerializer(RoleSerializer):
    essential_skills = SkillRefSerializer(many=True)
    important_skills = SkillRefSerializer(many=True)
    progression = RoleLevelSerializer(many=True)
    tracks = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

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


class MilestoneSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    prerequisites = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

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


class PhaseSerializer(serializers.ModelSerializer):
    milestones = MilestoneSerializer(many=True)

    class Meta:
        model = Phase
        fields = ["order", "title", "start_week", "end_week", "milestones"]


class TrackDetailSerializer(TrackSerializer):
    roles = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    phases = PhaseSerializer(many=True)

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
