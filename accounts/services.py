"""Writes to accounts: sign-up, profile changes, passwords."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import languages, verification
from accounts.models import Profile, User
from accounts.tokens import api_token_create, api_tokens_revoke_all
from roadmaps.calendar import services as calendar_services
from roadmaps.web.page_versions import learner_pages_changed


class EmailTaken(Exception):
    pass


class RecipientLanguagePasswordResetForm(PasswordResetForm):
    """Django's reset form (the page's and the API's); each mail in its recipient's language."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs) -> None:
        with languages.override_for(context["user"]):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def user_register(
    *, email: str, password: str, name: str = "", timezone_name: str = "UTC", language: str = "en"
) -> User:
    """Create a learner with a profile and an unverified address, all or nothing; then mail
    the verification link (the first mail anyone gets from us; accounts/verification.py),
    in ``language`` (the views pass the request's, from Accept-Language or the switch)."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            profile = Profile(user=user, timezone=timezone_name, language=language)
            profile.next_nudge_at = profile.choose_next_nudge_at(timezone.now())
            profile.save()
            verification.address_record(user=user)
    except IntegrityError as error:
        raise EmailTaken(email) from error
    verification.verification_send(user=user)
    return user


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


NUDGE_SCHEDULE_FIELDS = {"nudges_enabled", "nudge_weekday", "nudge_hour", "timezone"}
# The profile's fields the calendar feed is made from.
CALENDAR_FIELDS = {"timezone", "study_time", "all_day_events"}


def profile_update(*, profile: Profile, now: datetime | None = None, **fields) -> Profile:
    """Apply validated profile fields; moving the nudge slot when its inputs change."""
    known_skills = fields.pop("known_skills", None)
    name = fields.pop("name", None)
    calendar_before = {name: getattr(profile, name) for name in CALENDAR_FIELDS & fields.keys()}
    with transaction.atomic():
        for attribute, value in fields.items():
            setattr(profile, attribute, value)
        if NUDGE_SCHEDULE_FIELDS & fields.keys():
            profile.next_nudge_at = profile.choose_next_nudge_at(now or timezone.now())
        profile.save()
        if any(getattr(profile, name) != before for name, before in calendar_before.items()):
            calendar_services.feed_touch(user_id=profile.user_id)
        if known_skills is not None:
            profile.known_skills.set(known_skills)
        if name is not None:
            profile.user.name = name
            profile.user.save(update_fields=["name"])
        # Also called outside the learner's own requests (the unsubscribe link).
        learner_pages_changed(user_id=profile.user_id)
    return profile


def profile_language_set(*, user: User, language: str) -> None:
    """The language switch of a logged-in learner: saved on the profile."""
    profile = profile_get_or_create(user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])


def profile_get_or_create(user: User, queryset=None) -> Profile:
    """The learner's profile, made on first use (e.g. for a createsuperuser account) with
    its first nudge slot chosen, since the weekly dispatch only finds profiles with one."""
    if queryset is None:
        # Loaded already this request (the language middleware reads it): no second query.
        cached = User.profile.related.get_cached_value(user, default=None)
        if cached is not None:
            return cached
        queryset = Profile.objects.all()
    try:
        return queryset.get(user=user)
    except Profile.DoesNotExist:
        pass
    profile = Profile(user=user)
    profile.next_nudge_at = profile.choose_next_nudge_at(timezone.now())
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        # Another request made it first.
        return queryset.get(user=user)
    return profile


def get_or_create_api_token(user: User) -> str:
    """A new API token for ``user``: tokens are stored hashed, so an old one cannot be shown
    again (kept under this name for the bench scripts; see accounts/tokens.py)."""
    return api_token_create(user=user)


def user_set_password(*, user: User, password: str) -> None:
    """A new password (already validated); every API token of the user stops working."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        api_tokens_revoke_all(user=user)
        # A reset is done signed out: no request of the learner's moves the version.
        learner_pages_changed(user_id=user.pk)


def user_change_password(*, user: User, new_password: str) -> str:
    """The API's password change: every older token is revoked; answers with a new one."""
    with transaction.atomic():
        user_set_password(user=user, password=new_password)
        return api_token_create(user=user)


def password_reset_request(*, email: str) -> None:
    """Mail a reset link to the account with this address, if there is one (Django's
    PasswordResetForm: active accounts with a usable password only); silent otherwise."""
    form = RecipientLanguagePasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="accounts/email/password_reset_subject.txt",
        email_template_name="accounts/email/password_reset.txt",
    )
