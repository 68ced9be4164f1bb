import os
import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, token_for


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="Browser tests save a full-page screenshot of every page they check, at each width, into DIR.",
    )


def pytest_configure(config):
    from django.conf import settings

    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing passwords at production strength only slows the suite down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    use_cache_keys_of_our_own(settings)


def use_cache_keys_of_our_own(settings) -> None:
    """This run's cache keys carry a prefix no other run (or service) uses.

    The Redis database named by CACHE_REDIS_URL may be shared: with other test
    runs, a developer's running service. The suite only ever deletes keys under
    its own prefix (``clear_our_cache``); the subprocesses it starts (gunicorn,
    Celery workers) inherit the prefix through the environment.
    """
    from django.test.signals import clear_cache_handlers

    prefix = f"planner-test-{uuid.uuid4().hex[:12]}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    settings.CACHES = {name: {**cache, "KEY_PREFIX": prefix} for name, cache in settings.CACHES.items()}
    clear_cache_handlers(setting="CACHES")


def clear_our_cache() -> None:
    """Delete this run's keys: ``delete_pattern`` on Redis (django-redis applies the key
    prefix to the pattern), ``clear`` on a local-memory cache (private to this process)."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def pytest_unconfigure(config):
    clear_our_cache()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def learner_client(learner) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(learner)}")
    return client


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; each test starts with none of this run's."""
    clear_our_cache()
    yield


@pytest.fixture
def smtp_server():
    from tests.servers import SmtpServer

    with SmtpServer() as server:
        yield server
