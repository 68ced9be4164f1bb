"""Sign-up, token login and log-out, passwords, and the learner's profile."""

from django.contrib.auth import SESSION_KEY, authenticate, logout, password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from knox.models import AuthToken
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from accounts import languages, personal_data, services, tokens, verification
from accounts.models import (
    LANGUAGE_HELP,
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
from accounts.throttles import PASSWORD_RESET, SIGN_IN, SIGN_UP, VerifyAddressThrottle
from config.exceptions import ErrorDetailSerializer
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
            raise serializers.ValidationError(_("An account with this e-mail already exists."))
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
    throttle_classes = SIGN_UP

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
                email=data["email"],
                password=data["password"],
                name=data["name"],
                timezone_name=data["timezone"],
                language=languages.of_request(),
            )
        except services.EmailTaken as error:
            raise serializers.ValidationError({"email": [_("An account with this e-mail already exists.")]}) from error
        body = {"id": user.id, "email": user.email, "token": tokens.api_token_create(user=user)}
        return Response(body, status=status.HTTP_201_CREATED)


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse",
    {"token": serializers.CharField(help_text="API token: send it as 'Authorization: Token <token>'.")},
)


class TokenSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's e-mail.")
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, help_text="The account's password."
    )


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = SIGN_IN

    @extend_schema(
        request=TokenSerializer,
        responses={200: TOKEN_RESPONSE},
    )
    def post(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request: django-axes marks it when the account is locked for this address,
        # and its middleware then answers 429 (accounts.throttles.lockout_response).
        credentials = serializer.validated_data
        user = authenticate(request._request, username=credentials["email"], password=credentials["password"])
        if user is None:
            # One answer for an unknown e-mail and a wrong password.
            raise serializers.ValidationError({"non_field_errors": [_("E-mail or password is wrong.")]})
        return Response({"token": tokens.api_token_create(user=user)})


class LogoutView(APIView):
    """``POST /api/auth/logout/``: the token used stops working (a session is ended)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            tokens.api_token_revoke(token=request.auth)
        else:
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, help_text="The account's password now."
    )
    new_password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        help_text="At least 8 characters, not too common, not all digits, not too close to the e-mail or name.",
    )

    def validate_current_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(_("This is not your current password."))
        return value

    def validate_new_password(self, value: str) -> str:
        try:
            password_validation.validate_password(value, user=self.context["user"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return value


class PasswordChangeView(APIView):
    """``POST /api/auth/password/``: every older token stops working; answers with a new one."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_change"

    @extend_schema(request=PasswordChangeSerializer, responses={200: TOKEN_RESPONSE})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        token = services.user_change_password(user=request.user, new_password=serializer.validated_data["new_password"])
        if request.session.get(SESSION_KEY):
            update_session_auth_hash(request, request.user)
        return Response({"token": token})


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The e-mail of the account whose password is lost.")


class PasswordResetView(APIView):
    """``POST /api/auth/password-reset/``: 202 whether or not the address is known; mails a link."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = PASSWORD_RESET

    @extend_schema(request=PasswordResetSerializer, responses={202: None})
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class WallClockTimeField(serializers.TimeField):
    """A local time of day as ``HH:MM`` (not ISO ``HH:MM:SS``), in and out."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


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
        min_length=1,
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
    study_time = WallClockTimeField(
        required=False,
        help_text="When a study day's first session starts, HH:MM on the learner's wall clock (default 19:00).",
    )
    all_day_events = serializers.BooleanField(
        required=False,
        help_text="Calendar style: one all-day event per study day instead of timed sessions "
        "(stored; the feed does not read it yet).",
    )
    email_verified = serializers.SerializerMethodField(
        help_text="True once the learner confirmed the address (no mail but the verification goes out before)."
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
            "study_time",
            "all_day_events",
            "email_verified",
            "language",
        ]
        extra_kwargs = {
            "weekly_hours": {"help_text": WEEKLY_HOURS_HELP + " The default for new roadmaps."},
            "nudges_enabled": {"help_text": "Whether the weekly progress e-mail is sent."},
            "nudge_weekday": {
                "help_text": "The day of the weekly e-mail, an ISO weekday number: 1 = Monday ... 7 = Sunday."
            },
            "nudge_hour": {"help_text": "The hour of the weekly e-mail, 0 to 23, in the learner's time zone."},
            "language": {"help_text": LANGUAGE_HELP},
        }

    def get_email_verified(self, profile: Profile) -> bool:
        # Annotated by MeView's query; a profile made on first use asks once.
        if hasattr(profile, "email_verified"):
            return profile.email_verified
        return verification.is_verified(profile.user)

    def validate_timezone(self, value: str) -> str:
        _raise_as_drf(validate_timezone, value)
        return value

    def validate_study_days(self, value: list[int]) -> list[int]:
        days = sorted(set(value))
        _raise_as_drf(validate_study_days, days)
        return days


class AccountDeleteThrottle(UserRateThrottle):
    scope = "account_delete"


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        help_text="The account's password, asked again so that a token alone cannot delete the account.",
    )

    def validate_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(_("This is not your password."))
        return value


class MeView(generics.RetrieveUpdateAPIView):
    """``/api/me/``: the profile; ``DELETE`` (with the password) removes the account and all its data."""

    serializer_class = ProfileSerializer
    delete_body_serializer = AccountDeleteSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(
        responses={
            204: None,
            429: OpenApiResponse(ErrorDetailSerializer, description="Too many requests; see Retry-After."),
        }
    )
    def delete(self, request):
        # Only the password check is limited (per learner); reading and editing the profile are not.
        throttle = AccountDeleteThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        serializer = AccountDeleteSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        personal_data.account_delete(user=request.user)
        if request.session.get(SESSION_KEY):
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_object(self) -> Profile:
        queryset = (
            Profile.objects.select_related("user")
            .prefetch_related("known_skills")
            .annotate(email_verified=verification.verified_address())
        )
        return services.profile_get_or_create(self.request.user, queryset)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        if "user" in fields:
            fields["name"] = fields.pop("user")["name"]
        services.profile_update(profile=serializer.instance, **fields)


class MyDataView(APIView):
    """``GET /api/me/export/``: everything stored about the learner, never a secret."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(personal_data.personal_data_export(user=request.user))


class VerifySerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=500, help_text="The key from the verification mail (the last part of its link)."
    )


class VerifyEmailView(APIView):
    """``POST /api/auth/verify/``: the key from the verification mail; the address becomes verified."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [VerifyAddressThrottle]

    @extend_schema(
        request=VerifySerializer,
        responses={
            200: inline_serializer(
                "Verified",
                {"email_verified": serializers.BooleanField(help_text="Always true: the address is now verified.")},
            )
        },
    )
    def post(self, request):
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = verification.verification_confirm(key=serializer.validated_data["key"], request=request._request)
        if user is None:
            raise serializers.ValidationError({"key": [_("This key is unknown, used or expired.")]})
        return Response({"email_verified": True})
