"""Reads for the calendar feed and exports; each has a fixed number of queries."""

from __future__ import annotations

import functools
import hmac

from django.db.models import F, QuerySet, Subquery

from roadmaps.calendar.ics import TASK_COLUMNS, CalendarTask
from roadmaps.catalog.services import REVISION_ROW
from roadmaps.models import CalendarExport, CalendarFeed, CatalogRevision, Milestone, Roadmap, Task
from roadmaps.models.calendar import digest_feed_token

# Archived roadmaps are shelved plans: they leave the feed (and come back, with
# the same UIDs, if un-archived). Completed ones stay, as a record of the work.
FEED_EXCLUDES_STATUSES = (Roadmap.Status.ARCHIVED,)


def feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens: one query, and all a 304 needs.

    Besides the feed's columns it carries ``zone``, ``study_time`` and
    ``all_day_events`` (the owner's profile; None without a profile) and
    ``catalog_revision``. The index finds the row by the
    token's SHA-256, so the database never compares the secret itself; the
    final check is constant-time.

    Every calendar app's poll starts here, so the SQL is the ORM's, compiled
    once per process: compiling it again on each request cost more than the
    query itself.
    """
    sql, params = feed_lookup_sql()
    digest = digest_feed_token(token)
    rows = list(CalendarFeed.objects.raw(sql, [digest if p is DIGEST else p for p in params]))
    feed = rows[0] if rows else None
    if feed is None or not hmac.compare_digest(feed.token.encode(), token.encode()):
        return None
    return feed


DIGEST = "<token digest>"


@functools.cache
def feed_lookup_sql() -> tuple[str, tuple]:
    revision = CatalogRevision.objects.filter(pk=REVISION_ROW).values("number")[:1]
    query = (
        CalendarFeed.objects.filter(token_digest=DIGEST, user__is_active=True)
        .annotate(
            zone=F("user__profile__timezone"),
            study_time=F("user__profile__study_time"),
            all_day_events=F("user__profile__all_day_events"),
            catalog_revision=Subquery(revision),
        )
        .order_by()[:1]
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(DIGEST if p == DIGEST else p for p in params)


def feed_roadmaps(user_id: int) -> QuerySet[Roadmap]:
    return Roadmap.objects.filter(user_id=user_id).exclude(status__in=FEED_EXCLUDES_STATUSES)


def roadmaps_for_feed(user_id: int) -> list[Roadmap]:
    return list(feed_roadmaps(user_id).select_related("role").order_by("created_at", "id"))


def roadmaps_for_calendar(user) -> QuerySet[Roadmap]:
    """The user's roadmaps, whatever their status, with what a calendar of one needs."""
    return Roadmap.objects.filter(user=user).select_related("role", "track", "user__profile")


def roadmap_for_export(export: CalendarExport) -> Roadmap:
    return roadmaps_for_calendar(export.user_id).get(pk=export.roadmap_id)


def calendar_tasks(roadmap_ids: list[int]) -> list[CalendarTask]:
    """The tasks of these roadmaps as plain rows with skill names: two queries for any size."""
    rows = list(Task.objects.filter(roadmap_id__in=roadmap_ids).values_list(*TASK_COLUMNS))
    skills = milestone_skill_names({row[MILESTONE_COLUMN] for row in rows} - {None})
    return [CalendarTask._make((*row, skills.get(row[MILESTONE_COLUMN], ()))) for row in rows]


MILESTONE_COLUMN = TASK_COLUMNS.index("milestone_id")


def milestone_skill_names(milestone_ids: set[int]) -> dict[int, tuple[str, ...]]:
    pairs = (
        Milestone.skills.through.objects.filter(milestone_id__in=milestone_ids)
        .order_by("skill__category", "skill__name", "skill_id")
        .values_list("milestone_id", "skill__name")
    )
    names: dict[int, list[str]] = {}
    for milestone_id, name in pairs:
        names.setdefault(milestone_id, []).append(name)
    return {milestone_id: tuple(skills) for milestone_id, skills in names.items()}
