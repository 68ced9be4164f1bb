"""Learners: the user (e-mail is the login) and the profile the planner reads."""

from __future__ import annotations

import unicodedata
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts import timezones

MIN_WEEKLY_HOURS = 1
MAX_WEEKLY_HOURS = 60


def validate_display_text(value: str) -> None:
    """Names are one line of plain text; they go into e-mails and pages.

    Control characters (newlines, escapes, NUL: category Cc) are refused, and so
    are format characters (category Cf): a right-to-left override makes
    "Mallory\u202eevil" read "Mallory live" in a mail client, and zero-width
    characters make two names look the same. Right-to-left scripts need none of
    them. The price: emoji joined with a zero-width joiner are refused too.
    """
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationError(_("Control characters such as line breaks are not allowed."))
    if any(unicodedata.category(character) == "Cf" for character in value):
        raise ValidationError(
            _("Invisible formatting characters (such as right-to-left overrides or zero-width spaces) are not allowed.")
        )


# In the tz database's files but not zones a learner lives in: "localtime" is the
# server's own clock, "Factory" a placeholder, "posixrules" a template.
NOT_ZONES = {"Factory", "localtime", "posixrules"}


@cache
def iana_zone_names() -> frozenset[str]:
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def validate_timezone(value: str) -> None:
    # Not only known to zoneinfo: "Factory", "localtime" and the like are nobody's local time.
    if not timezones.is_valid_zone(value):
        raise ValidationError(_("'%(value)s' is not a known IANA time zone, e.g. 'Europe/Paris'.") % {"value": value})


STUDY_DAYS_HELP = (
    "The days of the week the learner studies, as ISO weekday numbers: 1 = Monday ... 7 = Sunday; "
    "at least one, each at most once (answers list them in ascending order)."
)
TIMEZONE_HELP = "The learner's IANA time zone name, e.g. 'Europe/Paris'; dates such as 'today' are taken in it."
WEEKLY_HOURS_HELP = f"Hours a week the learner can study, {MIN_WEEKLY_HOURS} to {MAX_WEEKLY_HOURS}."


def validate_study_days(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one study day (ISO weekdays, 1 = Monday)."))
    if any(not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 7 for day in value):
        raise ValidationError(_("Study days are ISO weekday numbers from 1 (Monday) to 7 (Sunday)."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).strip(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_user_email_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class Background(models.TextChoices):
    NEW_GRADUATE = "new_graduate", pgettext_lazy("background", "New graduate")
    CAREER_CHANGER = "career_changer", pgettext_lazy("background", "Career changer")
    SOFTWARE_ENGINEER = "software_engineer", pgettext_lazy("background", "Software engineer")
    DATA_ANALYST = "data_analyst", pgettext_lazy("background", "Data analyst")
    RESEARCHER = "researcher", pgettext_lazy("background", "Researcher")
    OTHER = "other", pgettext_lazy("background", "Other")


def default_study_days() -> list[int]:
    return [1, 2, 3, 4, 5]


DEFAULT_STUDY_TIME = time(19, 0)


class Language(models.TextChoices):
    """The languages of pages, mails and API messages (settings.LANGUAGES)."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


LANGUAGE_HELP = (
    "The language of the learner's pages, e-mails and API error messages: 'en' (English) or 'fr' (French). "
    "Set at sign-up from the Accept-Language header; the catalog's texts stay English."
)


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    weekly_hours = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(MIN_WEEKLY_HOURS), MaxValueValidator(MAX_WEEKLY_HOURS)],
    )
    study_days = models.JSONField(default=default_study_days, validators=[validate_study_days])
    background = models.CharField(max_length=32, choices=Background.choices, blank=True)
    # When a study day's first session starts, on the learner's wall clock.
    study_time = models.TimeField(default=DEFAULT_STUDY_TIME)
    # Calendar feeds: one all-day event per study day instead of timed sessions.
    all_day_events = models.BooleanField(default=False)
    known_skills = models.ManyToManyField("roadmaps.Skill", blank=True, related_name="+")
    nudges_enabled = models.BooleanField(default=True)
    nudge_weekday = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(7)])
    nudge_hour = models.PositiveSmallIntegerField(default=8, validators=[MinValueValidator(0), MaxValueValidator(23)])
    # When the next weekly nudge is due, in UTC; null while nudges are off.
    next_nudge_at = models.DateTimeField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_today(self, now: datetime):
        return now.astimezone(self.zone).date()

    def choose_next_nudge_at(self, now: datetime) -> datetime | None:
        """The first nudge slot strictly after ``now``, in UTC, or None if nudges are off.

        The slot is the learner's weekday and hour on their own wall clock. A
        wall-clock hour that does not exist (spring forward) moves to the same
        minute after the gap; an ambiguous one (fall back) takes its first
        occurrence, so each local week has exactly one slot.
        """
        if not self.nudges_enabled:
            return None
        local_now = now.astimezone(self.zone)
        days_ahead = (self.nudge_weekday - local_now.isoweekday()) % 7
        for extra_weeks in range(3):
            day = local_now.date() + timedelta(days=days_ahead + 7 * extra_weeks)
            slot = wall_clock_to_utc(day, self.nudge_hour, self.zone)
            if slot > now:
                return slot
        raise AssertionError("a weekly slot always exists within three weeks")


def wall_clock_to_utc(day: date, hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of ``hour``:00 on ``day`` in ``zone``.

    PEP 495's fold=0 resolves both DST cases the way a learner expects: a
    nonexistent hour (spring forward) lands just after the gap, at the same
    distance from midnight as the wall clock says, and an ambiguous hour (fall
    back) takes its first occurrence.
    """
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
