"""One's own data: everything stored about a learner, as JSON; and deleting all of it.

The export names every stored field of the learner's rows (new model fields join
by themselves) except the secrets: no password hash, no feed token or its digest,
no API token digest. It reads a fixed number of queries whatever the learner holds.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from knox.models import AuthToken

from accounts.models import Profile, User
from accounts.tokens import api_tokens_revoke_all
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport, CalendarFeed, NudgeDelivery, Roadmap, Task
from roadmaps.web.page_versions import learner_pages_changed

ACCOUNT_FIELDS = ["id", "email", "name", "date_joined", "last_login"]


def fields_of(instance: models.Model, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete field's value, foreign keys as ids (``roadmap`` for ``roadmap_id``)."""
    return {
        field.name: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.name not in leave_out
    }


def personal_data_export(*, user: User) -> dict[str, Any]:
    profile = Profile.objects.prefetch_related("known_skills").filter(user=user).first()
    roadmaps = (
        Roadmap.objects.filter(user=user)
        .select_related("role", "track")
        .prefetch_related(models.Prefetch("tasks", queryset=Task.objects.order_by("sequence")))
        .order_by("created_at")
    )
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "account": {name: getattr(user, name) for name in ACCOUNT_FIELDS},
        "profile": None if profile is None else profile_data(profile),
        "roadmaps": [roadmap_data(roadmap) for roadmap in roadmaps],
        "nudge_deliveries": [
            fields_of(delivery, leave_out=("user",))
            for delivery in NudgeDelivery.objects.filter(user=user).order_by("scheduled_for")
        ],
        "calendar_feed": {"active": feed is not None, "created_at": feed.created_at if feed else None},
        "calendar_exports": [
            fields_of(export, leave_out=("user",))
            for export in CalendarExport.objects.filter(user=user).order_by("created_at")
        ],
        "api_tokens": [
            {"created": token.created, "expiry": token.expiry}
            for token in AuthToken.objects.filter(user=user).order_by("created")
        ],
    }


def profile_data(profile: Profile) -> dict[str, Any]:
    data = fields_of(profile, leave_out=("id", "user"))
    data["known_skills"] = sorted(skill.slug for skill in profile.known_skills.all())
    return data


def roadmap_data(roadmap: Roadmap) -> dict[str, Any]:
    data = fields_of(roadmap, leave_out=("user",))
    data["role"], data["track"] = roadmap.role.slug, roadmap.track.slug
    data["tasks"] = [fields_of(task, leave_out=("roadmap",)) for task in roadmap.tasks.all()]
    return data


def account_delete(*, user: User) -> None:
    """The account and everything it owns (profile, roadmaps and tasks, the feed, exports,
    nudge deliveries, tokens: all cascade from the user row), in one transaction. The
    feed's cached validators are forgotten too, so nothing about it is left behind."""
    with transaction.atomic():
        calendar_services.feed_revoke(user=user)
        api_tokens_revoke_all(user=user)
        learner_pages_changed(user_id=user.pk)
        user.delete()
