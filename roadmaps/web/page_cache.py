"""A learner's page rendered once, then served from the cache until something it shows changes.

``@cached_learner_page`` wraps a signed-in page whose HTML depends only on:
- the learner's rows and the catalog: the versions of ``page_versions``, moved
  by every write;
- the learner's date (``learner_today``; nothing on the page depends on the hour)
  and the language the page is answered in;
- the address (``request.path``: the page links back to it);
- the CSRF secret: the page's forms carry a token masked from it, valid for as
  long as the secret is. ``get_token`` is still called on every answer, so the
  CSRF cookie is sent exactly as a rendered page would have it sent;
- the code, templates and translations deployed (``build_id``).
Everything of these is part of the key, so a page is never served in another
situation than the one it was rendered in.

Rendered every time: without a shared cache (``pages_are_cached``), for a query
string, for anything but GET or HEAD, and when flash messages are waiting (the
page shows them once). Kept only: a 200 answer that added no message.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

import django
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from roadmaps.web.helpers import learner_profile, learner_today
from roadmaps.web.page_versions import current_versions, pages_are_cached

PAGE_TTL_SECONDS = 3600
# What a deploy changes: the code, the templates and the compiled translations.
BUILD_FOLDERS = ("accounts", "config", "planner", "roadmaps", "locale")
BUILD_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo"})


def cached_learner_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s page from the cache when one was rendered in the same situation.

    Goes under ``login_required``: only a signed-in learner's pages are kept."""

    @functools.wraps(view)
    def serve(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        kept = cache.get(key)
        if kept is not None:
            content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if is_keepable(request, response):
            cache.set(key, (response.content, response["Content-Type"]), PAGE_TTL_SECONDS)
        return response

    return serve


def page_key(request: HttpRequest) -> str | None:
    """The page's key in the cache, None if this answer must be rendered."""
    if not pages_are_cached() or request.method not in ("GET", "HEAD") or request.GET:
        return None
    if has_pending_messages(request):
        return None
    versions = current_versions(user_id=request.user.pk)
    if versions is None:
        return None
    situation = (
        build_id(),
        request.path,
        *versions,
        learner_today(learner_profile(request)).isoformat(),
        translation.get_language(),
        csrf_secret_digest(request),
    )
    return f"page:{request.user.pk}:{digest(*situation)}"


def has_pending_messages(request: HttpRequest) -> bool:
    # len() loads the stored messages without marking them shown (only iterating does).
    return len(messages.get_messages(request)) > 0


def is_keepable(request: HttpRequest, response: HttpResponse) -> bool:
    return response.status_code == 200 and not response.streaming and not has_pending_messages(request)


def csrf_secret_digest(request: HttpRequest) -> str:
    """The CSRF secret the page's tokens are masked from (made now if the browser has none)."""
    get_token(request)
    return digest(request.META["CSRF_COOKIE"])


@functools.cache
def build_id() -> str:
    """The deployed code, templates and translations, from each file's path, size and time (once a process)."""
    base = Path(settings.BASE_DIR)
    stamps = [django.get_version()]
    for folder in BUILD_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in BUILD_SUFFIXES and "__pycache__" not in path.parts:
                stat = path.stat()
                stamps.append(f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest(*stamps)


def digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
