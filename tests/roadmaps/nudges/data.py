"""Test data and helpers shared by the nudge tests."""

from __future__ import annotations

import time
import zoneinfo
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from roadmaps.models import NudgeDelivery, Roadmap
from roadmaps.nudges import dispatch_due_nudges
from tests.factories import RoadmapFactory, RoleFactory, TaskFactory, TrackFactory, UserFactory

# Monday 2 November 2026: the roadmaps of these tests start that day.
START = date(2026, 11, 2)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def nudge_learner(
    *,
    now: datetime,
    zone: str = "UTC",
    weekday: int = 1,
    hour: int = 8,
    enabled: bool = True,
    roadmap: bool = True,
    tasks: int = 4,
    **user_fields,
):
    """A learner whose next nudge is chosen at ``now``, with an active roadmap of dated tasks."""
    user = UserFactory(
        profile__timezone=zone,
        profile__nudge_weekday=weekday,
        profile__nudge_hour=hour,
        profile__nudges_enabled=enabled,
        **user_fields,
    )
    profile = user.profile
    profile.next_nudge_at = profile.choose_next_nudge_at(now)
    profile.save(update_fields=["next_nudge_at"])
    if roadmap:
        roadmap_for(user, tasks=tasks)
    return user


def roadmap_for(user, *, tasks: int = 4, start: date = START, status=Roadmap.Status.ACTIVE):
    """``tasks`` tasks of 2 hours, one starting each 3 days, each due 2 days after it starts."""
    role = RoleFactory(slug="ml-engineer", name="ML Engineer")
    track = TrackFactory(slug="ml-foundations", name="ML Foundations")
    roadmap = RoadmapFactory(
        user=user,
        role=role,
        track=track,
        start_date=start,
        status=status,
        end_date=start + timedelta(days=3 * tasks),
    )
    for index in range(tasks):
        task_start = start + timedelta(days=3 * index)
        TaskFactory(
            roadmap=roadmap,
            sequence=index + 1,
            title=f"Study part {index + 1}",
            start_date=task_start,
            due_date=task_start + timedelta(days=2),
        )
    return roadmap


def add_task(roadmap, title: str, start: date, due: date, *, done_at: datetime | None = None):
    """A two-hour task; ``done_at`` marks it done at that instant."""
    return TaskFactory(
        roadmap=roadmap,
        title=title,
        start_date=start,
        due_date=due,
        estimated_minutes=120,
        status="done" if done_at else "todo",
        completed_at=done_at,
    )


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def mail_counts() -> Counter:
    return Counter(message.to[0] for message in mail.outbox)


def deliveries_of(user) -> list[NudgeDelivery]:
    return list(NudgeDelivery.objects.filter(user=user).order_by("week_start"))


def refresh_profile(user):
    user.profile.refresh_from_db()
    return user.profile


# --- Fixtures (imported by the nudge test modules) ----------------------------------


@pytest.fixture
def eager_celery():
    """Jobs run in the test's process, as in embedded mode: no message reaches Redis."""
    from config import celery_app

    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def run_dispatch(eager_celery, django_capture_on_commit_callbacks, time_machine):
    """Travel to ``now`` and run the dispatch as beat does: its send jobs run after commit."""

    def run(now: datetime, **options):
        time_machine.move_to(now, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            return dispatch_due_nudges(now=now, **options)

    return run


def learner_due_this_hour():
    """A learner whose weekly slot is the start of the current hour, in UTC (for tests on the real clock)."""
    now = timezone.now()
    user = UserFactory(
        name="Grace",
        profile__timezone="UTC",
        profile__nudge_weekday=now.isoweekday(),
        profile__nudge_hour=now.hour,
    )
    user.profile.next_nudge_at = now.replace(minute=0, second=0, microsecond=0)
    user.profile.save(update_fields=["next_nudge_at"])
    roadmap_for(user, start=now.date() - timedelta(weeks=2), tasks=8)
    return user


def wait_for_delivery(user, status: str, timeout: float = 30.0) -> NudgeDelivery:
    """This week's delivery of ``user`` once a worker has brought it to ``status``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = NudgeDelivery.objects.filter(user=user).first()
        if delivery and delivery.status == status:
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"nudge of {user} not {status} after {timeout}s: {delivery and delivery.status}")


@pytest.fixture
def dispatched(django_capture_on_commit_callbacks, time_machine):
    """Dispatch at Monday 9 November 2026 08:00 UTC (the default slot of a learner who signed up
    the Thursday before); returns the queued delivery ids in order (the send jobs are not run)."""

    def dispatch() -> list[int]:
        slot = utc(2026, 11, 9, 8)
        queued: list[int] = []
        time_machine.move_to(slot, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due_nudges(now=slot, enqueue=queued.extend)
        return sorted(queued)

    return dispatch


# The week most nudge tests live in: a learner signs up on Thursday 5 November 2026 and is
# due at the default slot, Monday 9 November 08:00 UTC (what ``dispatched`` dispatches at).
SIGN_UP = utc(2026, 11, 5, 12)
SLOT = utc(2026, 11, 9, 8)


@pytest.fixture
def queued(dispatched):
    """``count`` learners who signed up at SIGN_UP, dispatched at SLOT: their delivery ids, pending."""

    def queue(count: int) -> list[int]:
        for _ in range(count):
            nudge_learner(now=SIGN_UP)
        return dispatched()

    return queue


def row(delivery_id: int) -> NudgeDelivery:
    return NudgeDelivery.objects.get(pk=delivery_id)
