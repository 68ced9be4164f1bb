"""``/robots.txt``: crawlers stay out of the API and the calendar (feed URLs are secrets
that must not end up in a search index); the pages, including a learner's public
portfolio page, stay open to them."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ROBOTS_TXT = """\
User-agent: *
Disallow: /api/
Disallow: /calendar/
Disallow: /admin/
"""


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
