"""The calendar feed (its management and its public URL) and .ics downloads and exports."""

from __future__ import annotations

import gzip
import logging
import time
from collections import OrderedDict
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header, http_date, parse_etags, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from roadmaps.calendar import ics
from roadmaps.calendar import selectors as calendar_selectors
from roadmaps.calendar import services as calendar_services
from roadmaps.catalog.services import CATALOG_EPOCH_KEY
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


class LocalBodies:
    """The gzipped bodies this process served last, by token digest and ETag.

    Only ever served beside a fresh entry from the cache naming the same ETag
    (a hash of the bytes), so a copy here can be old but never wrong: a
    change, a rotation or a revocation acts on the entry. Saves moving the
    body out of the cache on every poll; bounded to ``max_bytes`` of bodies,
    those used last. Bounded by bytes, not by count: calendar apps poll their
    feeds in turn, and a least-recently-used store of fewer feeds than are
    polled in turn never holds the next one.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.held_bytes = 0
        self.bodies: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def __contains__(self, digest: str) -> bool:
        return digest in self.bodies

    def get(self, digest: str, etag: str) -> bytes | None:
        held = self.bodies.get(digest)
        if held is None or held[0] != etag:
            return None
        self.bodies.move_to_end(digest)
        return held[1]

    def put(self, digest: str, etag: str, gzipped: bytes) -> bytes:
        replaced = self.bodies.pop(digest, None)
        if replaced is not None:
            self.held_bytes -= len(replaced[1])
        self.bodies[digest] = (etag, gzipped)
        self.held_bytes += len(gzipped)
        # The body just put stays, even alone over the bound: it is the one being served.
        while self.held_bytes > self.max_bytes and len(self.bodies) > 1:
            _, (_, dropped) = self.bodies.popitem(last=False)
            self.held_bytes -= len(dropped)
        return gzipped


# A heavy learner's feed is about 60 KB gzipped, most a few KB: some 16 MB per worker at most.
LOCAL_BODIES = LocalBodies(max_bytes=16 * 1024 * 1024)


class FeedThrottle(SimpleRateThrottle):
    """A limit on the public feed, counted by ``FeedRoundTrip`` (never by DRF's loop).

    A counter per key and fixed window (the rate's period, on the server's
    clock), refused above the rate until the window ends: one atomic increment
    in the same round trip as the feed's own reads, where DRF's request log
    costs a read and a write. A burst across a window's end may reach twice
    the rate, which is all these limits are for: no client rebuilds or polls a
    feed in a loop. The class keeps DRF's rate
    settings (``scope``, ``rate``) and the schema's 429.
    """

    def allow_request(self, request, view) -> bool:  # pragma: no cover - never in DRF's loop
        raise NotImplementedError("counted by FeedRoundTrip")


class FeedTokenThrottle(FeedThrottle):
    """Per feed URL: one runaway client cannot rebuild one feed in a loop."""

    scope = "feed_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": digest_feed_token(view.kwargs["token"]),
        }


class FeedAddressThrottle(FeedThrottle):
    scope = "feed_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# One command for the whole round trip: each counter raised (and given its window's
# length when new), then the values read. Cheaper to send and parse than a
# pipeline of the same commands, and the counters stay atomic.
ROUND_TRIP_LUA = """
local counters = tonumber(ARGV[1])
local replies = {}
for n = 1, counters do
    local count = redis.call('INCR', KEYS[n])
    if count == 1 then redis.call('EXPIRE', KEYS[n], ARGV[n + 1]) end
    replies[n] = count
end
for n = counters + 1, #KEYS do
    replies[n] = redis.call('GET', KEYS[n]) or false
end
return replies
"""
ROUND_TRIP_SCRIPTS: dict[int, object] = {}


class FeedRoundTrip:
    """All of a feed request's cache work in one round trip.

    Counters (the throttles') are raised, and given their window's length if
    new; values (the feed's entry, the catalog's epoch) are read, all in one
    Lua script on django-redis. Any other backend gets the same
    answers from its own calls. A cache outage leaves the throttles open
    (``available`` False) and the feed to be served from the database.
    """

    def __init__(self, backend):
        self.backend = backend
        self.counts: list[int] = []  # per counter
        self.values: dict = {}
        self.available = True

    def run(self, counters: list[tuple[str, int]], keys: list[str]) -> None:
        try:
            client = getattr(self.backend, "client", None)
            if hasattr(client, "get_client"):
                self.run_pipeline(client, counters, keys)
            else:
                self.run_generic(counters, keys)
        except calendar_services.CACHE_ERRORS:
            self.available = False
            self.counts, self.values = [], {}
            logger.warning("cache unavailable: calendar feed not throttled", exc_info=True)

    def run_pipeline(self, client, counters, keys) -> None:
        redis = client.get_client(write=True)
        script = ROUND_TRIP_SCRIPTS.get(id(redis))
        if script is None:
            script = ROUND_TRIP_SCRIPTS[id(redis)] = redis.register_script(ROUND_TRIP_LUA)
        made = [client.make_key(key) for key, _ in counters] + [client.make_key(key) for key in keys]
        replies = script(keys=made, args=[len(counters), *(seconds for _, seconds in counters)], client=redis)
        self.counts = [int(count) for count in replies[: len(counters)]]
        values = replies[len(counters) :]
        self.values = {key: client.decode(value) for key, value in zip(keys, values, strict=True) if value}

    def run_generic(self, counters, keys) -> None:
        for key, seconds in counters:
            self.backend.add(key, 0, seconds)
            try:
                self.counts.append(self.backend.incr(key))
            except ValueError:  # gone in between (or a dummy cache): count this one
                self.counts.append(1)
        self.values = self.backend.get_many(keys)

    def get(self, key: str, default=None):
        return self.values.get(key, default)


def accepts_gzip(request) -> bool:
    return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def is_not_modified(request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 13.1.2 and 13.1.3: If-None-Match (weak comparison) wins over If-Modified-Since.

    Either encoding's ETag matches: both name the same bytes once decoded.
    """
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return "*" in tags or bool(tags & {etag, calendar_services.gzip_etag(etag)})
    if_modified_since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return if_modified_since is not None and int(last_modified.timestamp()) <= if_modified_since


class PublicFeedView(APIView):
    """``GET {feed_url}``: no login, the secret token is the credential.

    Every calendar app polls this, so it skips DRF's request wrapping,
    negotiation and renderers (the class stays an APIView for the schema) and
    never reads the session or the user: no cookie is set. One cache round
    trip counts the request against the throttles and reads the feed's entry
    (its validators, under the token's digest), the catalog's epoch and, for a
    request without validators, the gzipped body; a fresh entry answers with no
    query at all, the 304 from its validators, the full answer from the body
    (gzipped once, when built). A stale or missing entry
    falls back to the feed's row: if the body last served still stands it is
    trusted again, else rebuilt. Rotating or revoking the token drops the
    entry, so the old URL answers 404 at once.

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
    def get(self, request, token: str):  # pragma: no cover - dispatch answers GET and HEAD itself
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        response = self.serve(request, *args, **kwargs)
        # The feed is written in one language whatever the client asks: without this,
        # LocaleMiddleware would add Vary: Accept-Language and shared caches keep a copy a language.
        response.same_in_every_language = True
        return response

    def serve(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            self.args, self.kwargs = args, kwargs
            return self.drf_error(request, exceptions.MethodNotAllowed(request.method))
        self.args, self.kwargs, self.request = args, kwargs, request
        token = kwargs["token"]
        digest = digest_feed_token(token)
        entry_key = calendar_services.feed_entry_key(digest)
        body_key = calendar_services.feed_body_key(digest)
        # A conditional request is most likely answered 304, and this process most
        # likely holds the body already: then the body is not read from the cache.
        conditional = "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
        wants_body = not conditional and digest not in LOCAL_BODIES
        keys = [entry_key, CATALOG_EPOCH_KEY, body_key] if wants_body else [entry_key, CATALOG_EPOCH_KEY]
        batched = FeedRoundTrip(cache)
        throttled = self.check_feed_throttles(request, batched, keys)
        if throttled is not None:
            return throttled
        now = timezone.now()
        gzipped = accepts_gzip(request)
        entry = batched.get(entry_key)
        cached_body = batched.get(body_key) if wants_body else calendar_services.NOT_FETCHED
        if not batched.available:
            entry, cached_body = None, None
        if isinstance(entry, calendar_services.FeedEntry) and entry.is_fresh(
            catalog_epoch=batched.get(CATALOG_EPOCH_KEY), now=now
        ):
            if is_not_modified(request, entry.version.etag, entry.version.last_modified):
                return self.answer(request, entry.version, None, gzipped, entry=entry)
            body = LOCAL_BODIES.get(digest, entry.version.etag)
            if body is None:
                if cached_body is calendar_services.NOT_FETCHED:
                    cached_body = calendar_services.cache_get(body_key)
                if (found := entry.body_of(cached_body)) is not None:
                    body = LOCAL_BODIES.put(digest, entry.version.etag, found.gzipped)
            if body is not None:
                return self.answer(request, entry.version, body, gzipped, entry=entry)
        return self.answer_from_database(request, token, now, gzipped, entry, cached_body)

    def answer_from_database(self, request, token: str, now, gzipped: bool, entry, cached_body) -> HttpResponse:
        epoch = calendar_services.feed_catalog_epoch()  # before the rows it stamps
        feed = calendar_selectors.feed_by_token(token)
        if feed is None:
            return feed_not_found()
        version = calendar_services.feed_version(feed=feed, now=now)
        if version is not None and is_not_modified(request, version.etag, version.last_modified):
            if isinstance(entry, calendar_services.FeedEntry) and entry.version.etag == version.etag:
                calendar_services.store_feed_entry(feed, version, now=now, epoch=epoch)
            return self.answer(request, version, None, gzipped)
        try:
            body = calendar_services.feed_body(feed=feed, now=now, cached=cached_body, epoch=epoch)
        except calendar_services.FeedGone:
            return feed_not_found()
        return self.answer(request, body.version, body.gzipped, gzipped)

    @staticmethod
    def answer(request, version, body: bytes | None, gzipped: bool, entry=None) -> HttpResponse:
        """304 or 200 with the validators; ``body`` (gzipped) may be None only for a 304."""
        if body is None or is_not_modified(request, version.etag, version.last_modified):
            response = HttpResponseNotModified()
        elif gzipped:
            response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(gzip.decompress(body), content_type=ics.CONTENT_TYPE)
        if entry is not None:
            response["ETag"] = entry.http_gzip_etag if gzipped else entry.http_etag
            response["Last-Modified"] = entry.http_last_modified
        else:
            response["ETag"] = calendar_services.gzip_etag(version.etag) if gzipped else version.etag
            response["Last-Modified"] = http_date(version.last_modified.timestamp())
        response["Cache-Control"] = f"private, max-age={settings.FEED_REFRESH_MINUTES * 60}"
        response["Vary"] = "Accept-Encoding"
        return secret_url_headers(response)

    def check_feed_throttles(self, request, batched: FeedRoundTrip, keys: list[str]) -> HttpResponse | None:
        """Count this request against both limits while reading ``keys``: one round
        trip; a DRF 429 (with Retry-After) when a limit is passed."""
        throttles = self.get_throttles()
        now = time.time()
        counters, waits = [], []
        for throttle in throttles:
            window = int(now // throttle.duration)
            counters.append((f"{throttle.get_cache_key(request, self)}:{window}", int(throttle.duration) + 1))
            waits.append((window + 1) * throttle.duration - now)
        batched.run(counters, keys)
        waits = [
            max(wait, 1)
            for throttle, count, wait in zip(throttles, batched.counts, waits, strict=False)
            if count > throttle.num_requests
        ]
        if not waits:
            return None
        return self.drf_error(request, exceptions.Throttled(max(waits)))

    def drf_error(self, request, error: Exception) -> HttpResponse:
        """An error answered as DRF's dispatch would (JSON body, Retry-After)."""
        drf_request = self.initialize_request(request, *self.args, **self.kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        self.format_kwarg = None
        response = self.handle_exception(error)
        return self.finalize_response(drf_request, response, *self.args, **self.kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        secret_url_headers(response)
        if response.status_code >= 400:
            response["Cache-Control"] = "no-store"
        return response


def feed_not_found() -> HttpResponse:
    response = HttpResponse(b"Not found.\n", status=404, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return secret_url_headers(response)


def secret_url_headers(response: HttpResponse) -> HttpResponse:
    # The URL is the secret: never send it on as a Referer, never index it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
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
