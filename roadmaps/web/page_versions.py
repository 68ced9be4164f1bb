"""Versions of the pages kept in the cache: one per learner, one for everyone.

A cached page carries the versions current when it was rendered, and is served
only while they still are (``roadmaps.web.page_cache``): moving a version puts
every page stamped with the old one out of use. A version is a random token,
never a counter: if the cache loses the key (eviction, restart), the token made
next can never equal one an old page was stamped with.

Who moves them:
- ``PageVersionMiddleware``: after every POST, PUT, PATCH or DELETE by a signed-in
  user (pages and API, whatever the answer), that learner's version; after one
  under the admin, everyone's (staff edit learners' rows there).
- The services that change a learner's data outside that learner's own requests:
  the unsubscribe link, e-mail confirmation, password reset, account deletion.
- The catalog has its own epoch (``roadmaps.catalog.services``), part of every key.

Only a cache shared by every process (Redis) keeps pages: the embedded
local-memory cache is per process, and one worker's page would outlive a change
made through another.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from config import cache_batch
from roadmaps.catalog.services import CATALOG_EPOCH_KEY, catalog_epoch

logger = logging.getLogger(__name__)

EVERYONE_KEY = "pages-version:everyone"
# Longer than a page lives: a version that expires takes its pages with it, which is harmless.
VERSION_TTL_SECONDS = 24 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def pages_are_cached() -> bool:
    """True when the cache is shared by every process (django-redis)."""
    return settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def learner_key(user_id: int) -> str:
    return f"pages-version:user:{user_id}"


def learner_pages_changed(*, user_id: int) -> None:
    """Everything cached for this learner is out of date: now, and again once the change commits
    (a page rendered meanwhile, from the rows before the commit, may have taken the first version)."""
    _move_soon(learner_key(user_id))


def all_pages_changed() -> None:
    """Everything cached for every learner is out of date (an edit in the admin)."""
    _move_soon(EVERYONE_KEY)


def version_keys(user_id: int) -> list[str]:
    return [learner_key(user_id), EVERYONE_KEY, CATALOG_EPOCH_KEY]


def current_versions(*, user_id: int, found: dict | None = None) -> tuple[str, str, str] | None:
    """The learner's, everyone's and the catalog's versions; None without a cache.

    ``found``: what ``cache.get_many`` answered for ``version_keys`` (and maybe more),
    so a reader can fetch its own entry in the same round trip."""
    keys = version_keys(user_id)
    if found is None:
        found = cache.get_many(keys)  # {} when the cache is down (IGNORE_EXCEPTIONS)
    learner = found.get(keys[0]) or _made(keys[0])
    if not learner:
        return None
    everyone = found.get(keys[1]) or _made(keys[1])
    catalog = found.get(keys[2]) or catalog_epoch()
    if not (everyone and catalog):
        return None
    return learner, everyone, catalog


def _made(key: str) -> str | None:
    """A version for a key the cache does not have (first use, or lost): whoever adds first wins."""
    cache.add(key, secrets.token_hex(8), VERSION_TTL_SECONDS)
    return cache.get(key)


def _move_soon(key: str) -> None:
    if not pages_are_cached():
        return
    _move(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _move(key), robust=True)


def _move(key: str) -> None:
    warn = functools.partial(_warn_not_moved, key)
    # In a request, with the request's other invalidations once its transactions are over.
    if cache_batch.set_later(key, secrets.token_hex(8), VERSION_TTL_SECONDS, on_failure=warn):
        return
    # None: django-redis swallowed a failure (IGNORE_EXCEPTIONS); True otherwise.
    if cache.set(key, secrets.token_hex(8), VERSION_TTL_SECONDS) is None:
        warn()


def _warn_not_moved(key: str) -> None:
    logger.warning(
        "cache unavailable: pages version %s not moved; should the cache come back with its data, "
        "pages cached before may be served for at most their TTL",
        key.split(":")[1],
    )


class PageVersionMiddleware:
    """Move the pages version after every write request, once the view is done.

    Listed after AuthenticationMiddleware. ``request.user`` is read after the view:
    an API call authenticated by token has its user there too (DRF's ``Request.user``
    sets the Django request's), and a sign-in has just set it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not pages_are_cached():
            return self.get_response(request)
        # The view's invalidations and this move reach Redis in one round trip (config.cache_batch).
        with cache_batch.batched():
            response = self.get_response(request)
            if request.method in UNSAFE_METHODS:
                self.after_write(request)
        return response

    def after_write(self, request: HttpRequest) -> None:
        # The view's transactions are over (requests are not atomic): one move is enough.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            _move(learner_key(user.pk))
        if request.path.startswith(admin_prefix()):
            _move(EVERYONE_KEY)


@functools.cache
def admin_prefix() -> str:
    """Where the admin is mounted (looked up once a process, not on every write)."""
    return reverse("admin:index")
