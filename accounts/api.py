"""Sign-up, token login and the learner's profile."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.models import (
    STUDY_DAYS_HELP,
    TIMEZONE_HELP,
    WEEKLY_HOURS_HELP,
    Background,
    Profile,
    User,
    validate_display_text,
    validate_study_days,
    validate_timezone,
)
from roadmaps.catalog.api import CatalogSlugField
from roadmaps.models import Skill


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The login e-mail; one account per address.")
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        help_text="At least 8 characters, not too common, not all digits, not too close to the e-mail or name.",
    )
    name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_display_text],
        help_text="Display name (one line, no control characters); may be empty.",
    )
    timezone = serializers.CharField(max_length=64, required=False, default="UTC", help_text=TIMEZONE_HELP)

    def validate_email(self, value: str) -> str:
        if services.email_is_taken(value):
            raise serializers.ValidationError("An account with this e-mail already exists.")
        return value

    def validate_timezone(self, value: str) -> str:
        _raise_as_drf(validate_timezone, value)
        return value

    def validate(self, attrs):
        candidate = User(email=attrs["email"], name=attrs.get("name", ""))
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


def _raise_as_drf(validator, value) -> None:
    try:
        validator(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(list(error.messages)) from error


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterSerializer,
        responses={
            201: inline_serializer(
                "Registered",
                {
                    "id": serializers.IntegerField(help_text="The new account's id."),
                    "email": serializers.EmailField(help_text="The account's e-mail, as stored."),
                    "token": serializers.CharField(
                        help_text="API token: send it as 'Authorization: Token <token>' on every other call."
                    ),
                },
            )
        },
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user = services.user_register(
                email=data["email"], password=data["password"], name=data["name"], timezone_name=data["timezone"]
            )
        except services.EmailTaken as error:
            raise serializers.ValidationError({"email": ["An account with this e-mail already exists."]}) from error
        body = {"id": user.id, "email": user.email, "token": services.get_or_create_api_token(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's e-mail.")
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, help_text="The account's password."
    )


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(help_text="API token: send it as 'Authorization: Token <token>'.")},
            )
        },
    )
    def post(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request, username=serializer.validated_data["email"], password=serializer.validated_data["password"]
        )
        if user is None:
            # One answer for an unknown e-mail and a wrong password.
            raise serializers.ValidationError({"non_field_errors": ["E-mail or password is wrong."]})
        return Response({"token": services.get_or_create_api_token(user)})


class ProfileSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True, help_text="The login e-mail (read-only).")
    name = serializers.CharField(
        source="user.name",
        max_length=150,
        required=False,
        allow_blank=True,
        validators=[validate_display_text],
        help_text="Display name (one line, no control characters); may be empty.",
    )
    study_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        max_length=7,
        help_text=STUDY_DAYS_HELP + " The default for new roadmaps.",
    )
    known_skills = CatalogSlugField(
        many=True,
        queryset=Skill.objects.all(),
        required=False,
        help_text="Slugs of skills (GET /api/skills/) the learner already has; new roadmaps leave them out.",
    )
    background = serializers.ChoiceField(
        choices=Background.choices,
        allow_blank=True,
        required=False,
        help_text="Where the learner comes from (informational); empty when not given.",
    )
    timezone = serializers.CharField(max_length=64, help_text=TIMEZONE_HELP)
    next_nudge_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the next weekly progress e-mail is due (ISO 8601, UTC); null while nudges are off.",
    )

    class Meta:
        model = Profile
        fields = [
            "email",
            "name",
            "timezone",
            "weekly_hours",
            "study_days",
            "nudges_enabled",
            "nudge_weekday",
            "nudge_hour",
            "known_skills",
            "background",
            "next_nudge_at",
        ]
        extra_kwargs = {
            "weekly_hours": {"help_text": WEEKLY_HOURS_HELP + " The default for new roadmaps."},
            "nudges_enabled": {"help_text": "Whether the weekly progress e-mail is sent."},
            "nudge_weekday": {
                "help_text": "The day of the weekly e-mail, an ISO weekday number: 1 = Monday ... 7 = Sunday."
            },
            "nudge_hour": {"help_text": "The hour of the weekly e-mail, 0 to 23, in the learner's time zone."},
        }

    def validate_timezone(self, value: str) -> str:
        _raise_as_drf(validate_timezone, value)
        return value

    def validate_study_days(self, value: list[int]) -> list[int]:
        days = sorted(set(value))
        _raise_as_drf(validate_study_days, days)
        return days


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Profile:
        queryset = Profile.objects.select_related("user").prefetch_related("known_skills")
        return services.profile_get_or_create(self.request.user, queryset)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        if "user" in fields:
            fields["name"] = fields.pop("user")["name"]
        services.profile_update(profile=serializer.instance, **fields)
