"""The calendar feed (its management and its public URL) and .ics downloads and exports."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header, http_date, parse_etags, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from roadmaps.calendar import ics
from roadmaps.calendar import selectors as calendar_selectors
from roadmaps.calendar import services as calendar_services
from roadmaps.models import CalendarExport
from roadmaps.models.calendar import digest_feed_token
from roadmaps.plans import selectors

logger = logging.getLogger(__name__)

CALENDAR_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="text/calendar (RFC 5545)")


class FeedUrlsSerializer(serializers.Serializer):
    feed_url = serializers.URLField(
        help_text="The secret address of the learner's feed (all roadmaps): anyone with it can read the feed."
    )
    webcal_url = serializers.CharField(
        help_text="The same address with the webcal:// scheme, which opens the subscription in calendar apps."
    )


class ExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarExport
        fields = ["id", "status", "roadmap", "created_at"]
        extra_kwargs = {
            "id": {"help_text": "The export's id (a UUID)."},
            "status": {"help_text": "pending (queued), sending, sent or failed."},
            "roadmap": {"help_text": "The id of the roadmap being exported."},
            "created_at": {"help_text": "When the export was requested (ISO 8601)."},
        }


class IgnoreAcceptHeader(BaseContentNegotiation):
    """Calendar apps send ``Accept: text/calendar``; never answer them 406."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FeedView(APIView):
    """``/api/calendar/``: the learner's feed URLs (made on first call), or revoke them."""

    @extend_schema(request=None, responses={200: FeedUrlsSerializer})
    def get(self, request):
        feed = calendar_services.feed_get_or_create(user=request.user)
        return Response(calendar_services.feed_urls(feed))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        calendar_services.feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedRotateView(APIView):
    """``POST /api/calendar/rotate/``: a new secret URL; the old one answers 404 at once."""

    @extend_schema(request=None, responses={200: FeedUrlsSerializer})
    def post(self, request):
        feed = calendar_services.feed_rotate(user=request.user)
        return Response(calendar_services.feed_urls(feed))


class FailOpenThrottle(SimpleRateThrottle):
    """A cache outage must not take the feed down: unthrottled, it is still served."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except calendar_services.CACHE_ERRORS:
            logger.warning("cache unavailable: calendar feed not throttled", exc_info=True)
            return True


class FeedTokenThrottle(FailOpenThrottle):
    """Per feed URL: one runaway client cannot rebuild one feed in a loop."""

    scope = "feed_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": digest_feed_token(view.kwargs["token"]),
        }


class FeedAddressThrottle(FailOpenThrottle):
    scope = "feed_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class BatchedCache:
    """The feed's cache reads in one round trip and its writes in one more.

    The two throttles' request logs (and, for a request with no validators, the
    stored body) are read with one MGET before the throttles run; what they
    write is kept and sent in one pipeline after. A cache outage leaves the
    throttles open and the body to be built from the database.
    """

    def __init__(self, backend):
        self.backend = backend
        self.values: dict = {}
        self.pending: dict = {}
        self.timeout = 0
        self.available = True

    def prefetch(self, keys: list[str]) -> None:
        try:
            self.values = self.backend.get_many(keys)
        except calendar_services.CACHE_ERRORS:
            self.available = False
            logger.warning("cache unavailable: calendar feed not throttled", exc_info=True)

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def set(self, key: str, value, timeout: float) -> None:
        self.pending[key] = value
        self.timeout = max(self.timeout, timeout)

    def flush(self) -> None:
        if not (self.pending and self.available):
            return
        try:
            self.backend.set_many(self.pending, self.timeout)
        except calendar_services.CACHE_ERRORS:
            logger.warning("cache unavailable: calendar feed throttles not counted", exc_info=True)


def accepts_gzip(request) -> bool:
    return bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))


def is_not_modified(request, version: calendar_services.FeedVersion) -> bool:
    """RFC 9110 13.1.2 and 13.1.3: If-None-Match (weak comparison) wins over If-Modified-Since.

    Either encoding's ETag matches: both name the same bytes once decoded.
    """
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return "*" in tags or bool(tags & {version.etag, calendar_services.gzip_etag(version.etag)})
    if_modified_since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return if_modified_since is not None and int(version.last_modified.timestamp()) <= if_modified_since


class PublicFeedView(APIView):
    """``GET {feed_url}``: no login, the secret token is the credential.

    No authentication class runs, so the session is never read and no cookie is
    set. The feed's row says whether the body last served still stands: a 304
    costs that one query; a full answer serves the stored body, read from the
    cache in the same round trip as the throttles' counters; only a change (or
    a cache outage) rebuilds it.

    The body is gzipped when the client accepts it. BREACH does not apply: it
    needs a secret and attacker-controlled input reflected in the same
    compressed body, and this body reflects nothing from the request (the token
    is in the URL, never in the body; every byte comes from the learner's own
    plan), so no attacker can probe it by varying input.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (FeedAddressThrottle, FeedTokenThrottle)
    content_negotiation_class = IgnoreAcceptHeader
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="calendar_feed",
        description=(
            "The learner's calendar feed (iCalendar, RFC 5545); the token in the path is "
            "the credential. Answers 304 to a matching If-None-Match or If-Modified-Since; "
            "gzip-encoded when the client accepts it."
        ),
        auth=[],
        responses={
            (200, "text/calendar"): CALENDAR_RESPONSE,
            304: OpenApiResponse(description="Not modified"),
            404: OpenApiResponse(description="Unknown, rotated or revoked token"),
        },
    )
    def get(self, request, token: str):
        feed = calendar_selectors.feed_by_token(token)
        if feed is None:
            return HttpResponse(b"Not found.\n", status=404, content_type="text/plain")
        now = timezone.now()
        gzipped = accepts_gzip(request)
        version = calendar_services.feed_version(feed=feed, now=now)
        if version is not None and is_not_modified(request, version):
            return feed_response(HttpResponseNotModified(), version, gzipped=gzipped)
        if self.prefetches_body(request):
            cached = self.batched_cache.get(calendar_services.feed_body_key(feed.token_digest))
        else:
            cached = calendar_services.NOT_FETCHED
        body = calendar_services.feed_body(feed=feed, now=now, cached=cached)
        if is_not_modified(request, body.version):
            return feed_response(HttpResponseNotModified(), body.version, gzipped=gzipped)
        if gzipped:
            response = HttpResponse(body.gzipped, content_type=ics.CONTENT_TYPE)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(body.identity(), content_type=ics.CONTENT_TYPE)
        return feed_response(response, body.version, gzipped=gzipped)

    @staticmethod
    def prefetches_body(request) -> bool:
        # A conditional request will most likely be answered 304: no body needed.
        return "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers

    def check_throttles(self, request):
        """DRF's loop over the throttles, with their cache reads and writes batched."""
        self.batched_cache = BatchedCache(cache)
        throttles = self.get_throttles()
        keys = []
        for throttle in throttles:
            throttle.cache = self.batched_cache
            keys.append(throttle.get_cache_key(request, self))
        token_digest = digest_feed_token(self.kwargs["token"])
        if self.prefetches_body(request):
            keys.append(calendar_services.feed_body_key(token_digest))
        self.batched_cache.prefetch([key for key in keys if key is not None])
        durations = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, self)]
        self.batched_cache.flush()
        if durations:
            self.throttled(request, max((d for d in durations if d is not None), default=None))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The URL is the secret: never send it on as a Referer, never index it.
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.status_code >= 400:
            response["Cache-Control"] = "no-store"
        return response


def feed_response(response: HttpResponse, version: calendar_services.FeedVersion, *, gzipped: bool) -> HttpResponse:
    response["ETag"] = calendar_services.gzip_etag(version.etag) if gzipped else version.etag
    response["Last-Modified"] = http_date(version.last_modified.timestamp())
    response["Cache-Control"] = f"private, max-age={settings.FEED_REFRESH_MINUTES * 60}"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


class RoadmapCalendarView(APIView):
    """``GET /api/roadmaps/{id}/calendar.ics``: one roadmap as a download."""

    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        operation_id="roadmap_calendar_download",
        responses={(200, "text/calendar"): CALENDAR_RESPONSE},
    )
    def get(self, request, pk: int):
        roadmap = get_object_or_404(calendar_selectors.roadmaps_for_calendar(request.user), pk=pk)
        body = calendar_services.roadmap_calendar(roadmap=roadmap, now=timezone.now())
        response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=ics.calendar_filename(roadmap)
        )
        response["Cache-Control"] = "private, no-cache"
        return response


class ExportThrottle(UserRateThrottle):
    scope = "export"


class RoadmapExportView(APIView):
    """``POST /api/roadmaps/{id}/export/``: 202, then a job e-mails the .ics."""

    throttle_classes = (ExportThrottle,)

    @extend_schema(operation_id="roadmap_calendar_export", request=None, responses={202: ExportSerializer})
    def post(self, request, pk: int):
        roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
        export = calendar_services.export_request(user=request.user, roadmap=roadmap)
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)
