"""A request's cache invalidations reach Redis together, in one round trip, once its view is done."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis
from django.core.cache import cache
from rest_framework.test import APIClient

from config import cache_batch
from roadmaps.calendar import services as calendar_services
from roadmaps.web.page_versions import current_versions, learner_key
from tests.factories import RoadmapFactory, TaskFactory, UserFactory, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_trips(monkeypatch) -> list[int]:
    """Every request redis-py sends to the server (a pipeline is one), counted on the real client."""
    sent: list[int] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(connection, command, check_health=True):
        sent.append(1)
        return send(connection, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_an_api_tick_drops_the_feed_entry_and_moves_the_pages_version_in_one_round_trip(round_trips):
    learner = UserFactory()
    task = TaskFactory(roadmap=RoadmapFactory(user=learner))
    feed = calendar_services.feed_get_or_create(user=learner)
    entry = calendar_services.feed_entry_key(feed.token_digest)
    cache.set(entry, "the feed as it was")
    version = current_versions(user_id=learner.pk)[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(learner)}")
    round_trips.clear()

    response = api.patch(f"/api/tasks/{task.id}/", {"status": "done"}, format="json")

    assert response.status_code == 200
    assert len(round_trips) == 1
    assert cache.get(entry) is None
    assert cache.get(learner_key(learner.pk)) not in (None, version)


def test_outside_a_request_a_feed_entry_is_dropped_at_once():
    learner = UserFactory()
    feed = calendar_services.feed_get_or_create(user=learner)
    entry = calendar_services.feed_entry_key(feed.token_digest)
    cache.set(entry, "the feed as it was")

    calendar_services.forget_feed_entry(feed.token_digest)

    assert cache.get(entry) is None


def test_inside_a_batch_nothing_is_sent_before_its_end():
    cache.set("batch-test:kept-until-the-end", "old")

    with cache_batch.batched():
        assert cache_batch.delete_later("batch-test:kept-until-the-end", on_failure=lambda: None)
        assert cache_batch.set_later("batch-test:set-at-the-end", "new", 60, on_failure=lambda: None)
        assert cache.get("batch-test:kept-until-the-end") == "old"
        assert cache.get("batch-test:set-at-the-end") is None

    assert cache.get("batch-test:kept-until-the-end") is None
    assert cache.get("batch-test:set-at-the-end") == "new"  # read back by the cache: its own encoding


def test_the_last_word_on_a_key_wins():
    cache.set("batch-test:dropped-last", "old")

    with cache_batch.batched():
        cache_batch.set_later("batch-test:dropped-last", "new", 60, on_failure=lambda: None)
        cache_batch.delete_later("batch-test:dropped-last", on_failure=lambda: None)
        cache_batch.delete_later("batch-test:set-last", on_failure=lambda: None)
        cache_batch.set_later("batch-test:set-last", "new", 60, on_failure=lambda: None)

    assert cache.get("batch-test:dropped-last") is None
    assert cache.get("batch-test:set-last") == "new"


def test_with_redis_down_every_invalidation_not_sent_is_logged(monkeypatch, caplog):
    # A real client to a port nothing listens on: the pipeline fails as it would on an outage.
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(cache.client, "get_client", lambda write=True: unreachable)
    failures = []

    with caplog.at_level(logging.WARNING, logger="config.cache_batch"), cache_batch.batched():
        cache_batch.delete_later("batch-test:a", on_failure=lambda: failures.append("a"))
        cache_batch.set_later("batch-test:b", "new", 60, on_failure=lambda: failures.append("b"))

    assert sorted(failures) == ["a", "b"]
    assert "2 invalidations not sent" in caplog.text


def test_outside_a_batch_nothing_is_queued():
    assert cache_batch.delete_later("batch-test:a", on_failure=lambda: None) is False
    assert cache_batch.set_later("batch-test:a", "new", 60, on_failure=lambda: None) is False


@pytest.fixture
def refusing_client():
    """A client of the suite's Redis signed in as a user of its own that may not SET (answers NOPERM)."""
    admin = cache.client.get_client(write=True)
    name, password = f"cache-batch-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin.acl_setuser(name, enabled=True, passwords=[f"+{password}"], keys=["*"], commands=["+@all", "-set"])
    options = admin.connection_pool.connection_kwargs
    client = redis.Redis(host=options["host"], port=options["port"], db=options["db"], username=name, password=password)
    try:
        yield client
    finally:
        client.close()
        admin.acl_deluser(name)


def test_an_error_answer_is_logged_and_the_connection_is_not_reused_with_answers_unread(
    monkeypatch, caplog, refusing_client
):
    cache.set("batch-test:dropped", "old")
    monkeypatch.setattr(cache.client, "get_client", lambda write=True: refusing_client)
    failures = []

    with caplog.at_level(logging.WARNING, logger="config.cache_batch"), cache_batch.batched():
        cache_batch.delete_later("batch-test:dropped", on_failure=lambda: failures.append("dropped"))
        cache_batch.set_later("batch-test:refused", "new", 60, on_failure=lambda: failures.append("refused"))
        cache_batch.set_later("batch-test:unread", "new", 60, on_failure=lambda: failures.append("unread"))

    # Which of them failed is not known: all are logged.
    assert sorted(failures) == ["dropped", "refused", "unread"]
    assert "3 invalidations not sent" in caplog.text
    assert cache.get("batch-test:dropped") is None  # the DEL before the refused SET went through
    # The next command on the pool's connection gets its own answer, not the one left unread.
    assert refusing_client.ping() is True
    assert refusing_client.get(cache.make_key("batch-test:dropped")) is None
