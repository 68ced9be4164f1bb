"""A learner's page rendered once, then served from the cache until something it shows changes.

``@cached_learner_page`` wraps a signed-in page whose HTML depends only on:
- the learner's rows and the catalog: the versions of ``page_versions``, moved
  by every write, kept in the entry and compared on each read;
- the learner's date (``learner_today``; nothing on the page depends on the hour)
  and the language the page is answered in;
- the address (``request.path``: the page links back to it);
- the code, templates, static files and translations deployed (``build_id``).
All of these must match, so a page is never served in another situation than
the one it was rendered in. A hit costs one round trip to the cache (the entry
and the versions together) and no query of its own.

The forms' CSRF tokens are not kept: each is replaced by a slot when the page
is stored, and every answer fills the slots with a token ``get_token`` masks
for this request, as rendering would (the CSRF cookie is set the same way, and
a client without one, such as a load generator, still gets the kept page).

Rendered every time: without a shared cache (``pages_are_cached``), for a query
string, for anything but GET or HEAD, and when flash messages are waiting (the
page shows them once). Kept only: a 200 answer that added no message.
"""

from __future__ import annotations

import functools
import hashlib
import re
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
from roadmaps.web.page_versions import current_versions, pages_are_cached, version_keys

PAGE_TTL_SECONDS = 3600
# The field ``{% csrf_token %}`` renders (a masked token: 64 letters and digits), and the
# slot kept in its place; page text is escaped, so it never holds the field's quotes.
CSRF_FIELD = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(">)')
CSRF_TOKEN_SLOT = b"\x00csrf-token\x00"
# What a deploy changes: the code, the templates, the static files the pages link to
# (by hashed names) and the compiled translations.
BUILD_FOLDERS = ("accounts", "config", "planner", "roadmaps", "locale")


def cached_learner_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s page from the cache when one was rendered in the same situation.

    Goes under ``login_required``: only a signed-in learner's pages are kept."""

    @functools.wraps(view)
    def serve(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        # The entry and the versions in one round trip; read before the rows the view reads.
        found = cache.get_many([key, *version_keys(request.user.pk)])
        versions = current_versions(user_id=request.user.pk, found=found)
        if versions is None:
            return view(request, *args, **kwargs)
        kept = found.get(key)
        if kept is not None and kept[0] == versions:
            _versions, content, content_type = kept
            return HttpResponse(with_csrf_token(content, request), content_type=content_type)
        response = view(request, *args, **kwargs)
        if is_keepable(request, response):
            keep(key, versions, response)
        return response

    return serve


def page_key(request: HttpRequest) -> str | None:
    """The page's key in the cache, None if this answer must be rendered.

    The versions are not part of it but of the entry: one key per page and
    situation, overwritten when a version has moved."""
    if not pages_are_cached() or request.method not in ("GET", "HEAD") or request.GET:
        return None
    if has_pending_messages(request):
        return None
    situation = (
        build_id(),
        request.path,
        learner_today(learner_profile(request)).isoformat(),
        translation.get_language(),
    )
    return f"page:{request.user.pk}:{digest(*situation)}"


def has_pending_messages(request: HttpRequest) -> bool:
    # len() loads the stored messages without marking them shown (only iterating does).
    return len(messages.get_messages(request)) > 0


def is_keepable(request: HttpRequest, response: HttpResponse) -> bool:
    return response.status_code == 200 and not response.streaming and not has_pending_messages(request)


def keep(key: str, versions: tuple[str, str, str], response: HttpResponse) -> None:
    content, slots = CSRF_FIELD.subn(rb"\g<1>" + CSRF_TOKEN_SLOT + rb"\g<2>", response.content)
    if slots != response.content.count(b"csrfmiddlewaretoken"):
        return  # a token somewhere else than in a form's field: this page is not kept
    cache.set(key, (versions, content, response["Content-Type"]), PAGE_TTL_SECONDS)


def with_csrf_token(content: bytes, request: HttpRequest) -> bytes:
    return content.replace(CSRF_TOKEN_SLOT, get_token(request).encode())


@functools.cache
def build_id() -> str:
    """The deployed code, templates, static files and translations, from each file's path, size and
    modification time (once a process)."""
    base = Path(settings.BASE_DIR)
    stamps = [django.get_version()]
    for folder in BUILD_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                stamps.append(f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest(*stamps)


def digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
