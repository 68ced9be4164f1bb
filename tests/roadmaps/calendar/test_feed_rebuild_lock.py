"""One request rebuilds a stale feed at a time; the others wait, and never answer a change with an older body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from roadmaps.calendar import selectors as calendar_selectors
from roadmaps.calendar import services as calendar_services
from roadmaps.models.calendar import digest_feed_token
from roadmaps.plans import services
from tests.roadmaps.calendar.data import path_of, roadmap_with_tasks

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# Another worker's rebuild: not counted among this request's.
REBUILD = calendar_services.feed_rebuild


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(learner):
    return roadmap_with_tasks(learner, tasks=6)


@pytest.fixture
def token(learner, plan) -> str:
    return calendar_services.feed_get_or_create(user=learner).token


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every rebuild, in order; the real one still runs."""
    made = []

    def counted(**kwargs):
        made.append(kwargs["feed"].generation)
        return REBUILD(**kwargs)

    monkeypatch.setattr(calendar_services, "feed_rebuild", counted)
    return made


def url(token: str) -> str:
    return path_of(calendar_services.feed_urls(calendar_selectors.feed_by_token(token))["feed_url"])


def lock_key(token: str) -> str:
    return calendar_services.feed_rebuild_lock_key(digest_feed_token(token))


def while_waiting(monkeypatch, action) -> None:
    """Run ``action`` (another worker's doing) at the waiting request's first pause."""
    pending = [action]

    def sleep(seconds):
        if pending:
            pending.pop()()

    monkeypatch.setattr(calendar_services.time_module, "sleep", sleep)


def other_worker_rebuilds(token: str) -> bytes:
    body = REBUILD(feed=calendar_selectors.feed_by_token(token), now=NOW, epoch=calendar_services.feed_catalog_epoch())
    cache.delete(lock_key(token))
    return body.identity()


def test_a_rebuild_lets_go_of_the_feed_once_done(plan, token, builds):
    Client().get(url(token))
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)

    Client().get(url(token))

    assert len(builds) == 2
    assert cache.get(lock_key(token)) is None


def test_a_request_meeting_a_rebuild_in_progress_serves_its_result_without_building(monkeypatch, plan, token, builds):
    before = Client().get(url(token))
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    cache.add(lock_key(token), 1)  # another worker is rebuilding
    built_by_other = []
    while_waiting(monkeypatch, lambda: built_by_other.append(other_worker_rebuilds(token)))
    builds.clear()

    after = Client().get(url(token))

    assert after.status_code == 200
    assert after.content == built_by_other[0]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert builds == []  # the other worker's build, served as it stored it


def test_a_change_made_during_another_rebuild_is_never_answered_with_that_older_body(monkeypatch, plan, token, builds):
    Client().get(url(token))
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    cache.add(lock_key(token), 1)
    built_by_other = []

    def other_worker_rebuilds_then_the_learner_ticks_again():
        built_by_other.append(other_worker_rebuilds(token))
        services.task_mark(task=plan.tasks[1], status="done", now=NOW)

    while_waiting(monkeypatch, other_worker_rebuilds_then_the_learner_ticks_again)
    builds.clear()

    after = Client().get(url(token))

    assert after.content != built_by_other[0]
    assert len(builds) == 1  # built again, from the row as it is after the second tick
    assert Client().get(url(token)).content == after.content


def test_a_rebuild_that_never_lets_go_delays_the_others_only_for_the_wait(monkeypatch, plan, token, builds):
    before = Client().get(url(token))
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    cache.add(lock_key(token), 1)  # held by a worker that died mid-build
    monkeypatch.setattr(calendar_services, "FEED_REBUILD_WAIT", timedelta(milliseconds=60))
    builds.clear()

    after = Client().get(url(token))

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert len(builds) == 1


def test_a_feed_rotated_while_the_request_waited_answers_404(monkeypatch, learner, plan, token, builds):
    Client().get(url(token))
    old_url = url(token)
    services.task_mark(task=plan.tasks[0], status="done", now=NOW)
    cache.add(lock_key(token), 1)

    def other_worker_rebuilds_then_the_learner_rotates():
        other_worker_rebuilds(token)
        calendar_services.feed_rotate(user=learner)

    while_waiting(monkeypatch, other_worker_rebuilds_then_the_learner_rotates)
    builds.clear()

    response = Client().get(old_url)

    assert response.status_code == 404
    assert builds == []
    assert Client().get(old_url).status_code == 404
