"""The calendar feed (its management and its public URL) and .ics downloads and exports."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
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


class FeedTokenThrottle(SimpleRateThrottle):
    """Per feed URL: one runaway client cannot rebuild one feed in a loop."""

    scope = "feed_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": digest_feed_token(view.kwargs["token"]),
        }


class FeedAddressThrottle(SimpleRateThrottle):
    scope = "feed_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PublicFeedView(APIView):
    """``GET {feed_url}``: no login, the secret token is the credential.

    No authentication class runs, so the session is never read and no cookie is
    set. Conditional requests are answered from the feed's validators alone
    (two queries), before anything is built.
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
            "the credential. Answers 304 to a matching If-None-Match or If-Modified-Since."
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
        version = calendar_services.feed_version(feed=feed, now=timezone.now())
        response = get_conditional_response(
            request, etag=version.etag, last_modified=int(version.last_modified.timestamp())
        )
        if response is None:
            body = calendar_services.feed_body(feed=feed)
            response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
        response["ETag"] = version.etag
        response["Last-Modified"] = http_date(version.last_modified.timestamp())
        response["Cache-Control"] = f"private, max-age={settings.FEED_REFRESH_MINUTES * 60}"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The URL is the secret: never send it on as a Referer, never index it.
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.status_code >= 400:
            response["Cache-Control"] = "no-store"
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
        body = calendar_services.roadmap_calendar(roadmap=roadmap)
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
