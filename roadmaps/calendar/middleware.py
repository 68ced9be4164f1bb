"""The public calendar feed skips the middleware a page needs and a feed does not.

Calendar apps poll the feed more than anything else is requested, and it uses
no session, no user, no CSRF token, no messages, no sign-in lock-outs and no
profile language (``PublicFeedView``). Listed right after WhiteNoise,
``PublicFeedMiddleware`` hands a feed request straight to its view, so the
middlewares listed after it never run for it: over a third of the CPU a ``304``
costs. Transport security (SecurityMiddleware, before it) still applies; of the
skipped ones, what a feed's answer needs is done here as they would do it:
- the host check (CommonMiddleware): a host not in ALLOWED_HOSTS is a 400;
- the request's language (LocaleMiddleware: the switch's cookie, then
  Accept-Language), which the view's error answers (405, 429) are written in;
  the feed itself is the same in every language (no ``Vary: Accept-Language``);
- ``Content-Length`` on an answer with a body (CommonMiddleware), none on a
  ``304`` (RFC 9110 8.6, as NotModifiedWithoutLengthMiddleware does);
- ``X-Frame-Options`` and the site's Content-Security-Policy (built once per
  process: the feed never has a policy of its own nor a nonce).

Any other path, or a path that only looks like a feed's, takes the whole chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation

FEED_URL_NAME = "calendar-feed"
# A cheap first look: only these paths are resolved here (config/urls.py: calendar/<token>.ics).
FEED_PREFIX, FEED_SUFFIX = "/calendar/", ".ics"


class PublicFeedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not (path.startswith(FEED_PREFIX) and path.endswith(FEED_SUFFIX)):
            return self.get_response(request)
        try:
            match = resolve(path, getattr(request, "urlconf", None))
        except Resolver404:
            return self.get_response(request)
        if match.url_name != FEED_URL_NAME:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a host not served, as CommonMiddleware checks
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()  # DRF's error answers (405, 429), as Django's handler does
        return with_page_headers(with_length(response))


def with_length(response: HttpResponse) -> HttpResponse:
    if response.status_code != 304 and not response.streaming and "Content-Length" not in response:
        response["Content-Length"] = str(len(response.content))
    return response


def with_page_headers(response: HttpResponse) -> HttpResponse:
    """What XFrameOptionsMiddleware and django-csp's middleware add to an answer of their own."""
    if "X-Frame-Options" not in response:
        response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    for header, policy in site_policies().items():
        if header not in response:
            response[header] = policy
    return response


@functools.cache
def site_policies() -> dict[str, str]:
    built = {HEADER: build_policy(), HEADER_REPORT_ONLY: build_policy(report_only=True)}
    return {header: policy for header, policy in built.items() if policy}


@receiver(setting_changed)
def forget_site_policies(*, setting: str, **_kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        site_policies.cache_clear()
