"""Writes to accounts: sign-up and profile changes."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Profile, User


class EmailTaken(Exception):
    pass


def user_register(*, email: str, password: str, name: str = "", timezone_name: str = "UTC") -> User:
    """Create a learner with a profile and an API token, all or nothing."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            profile = Profile(user=user, timezone=timezone_name)
            profile.next_nudge_at = profile.choose_next_nudge_at(timezone.now())
            profile.save()
            Token.objects.create(user=user)
    except IntegrityError as error:
        raise EmailTaken(email) from error
    return user


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


NUDGE_SCHEDULE_FIELDS = {"nudges_enabled", "nudge_weekday", "nudge_hour", "timezone"}


def profile_update(*, profile: Profile, now: datetime | None = None, **fields) -> Profile:
    """Apply validated profile fields; moving the nudge slot when its inputs change."""
    known_skills = fields.pop("known_skills", None)
    name = fields.pop("name", None)
    with transaction.atomic():
        for attribute, value in fields.items():
            setattr(profile, attribute, value)
        if NUDGE_SCHEDULE_FIELDS & fields.keys():
            profile.next_nudge_at = profile.choose_next_nudge_at(now or timezone.now())
        profile.save()
        if known_skills is not None:
            profile.known_skills.set(known_skills)
        if name is not None:
            profile.user.name = name
            profile.user.save(update_fields=["name"])
    return profile


def profile_get_or_create(user: User, queryset=None) -> Profile:
    """The learner's profile, made on first use (e.g. for a createsuperuser account) with
    its first nudge slot chosen, since the weekly dispatch only finds profiles with one."""
    queryset = Profile.objects.all() if queryset is None else queryset
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
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
