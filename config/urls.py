from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.throttles import SIGN_IN, throttle_posts
from roadmaps import health
from roadmaps.api_index import ApiIndexView
from roadmaps.calendar import api as calendar_api
from roadmaps.nudges import views as nudge_views
from roadmaps.web.robots import robots_txt

api_patterns = [
    path("", ApiIndexView.as_view(), name="api-index"),
    # The learners' roadmaps and tasks before the accounts' paths: they are most of the calls.
    path("", include("roadmaps.urls")),
    path("", include("accounts.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI styles itself inline; the rest of the site keeps the strict policy.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

urlpatterns = [
    # The admin's log-in has the same limits as every other sign-in path (django-axes guards it too).
    path("admin/login/", throttle_posts(*SIGN_IN)(admin.site.login)),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("ping/", health.ping, name="ping"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("api/", include(api_patterns)),
    # The public feed lives outside /api/: calendar apps fetch it with no login.
    # <path:...>: a token with odd characters (even "../") still reaches the view and its bare 404.
    path("calendar/<path:token>.ics", calendar_api.PublicFeedView.as_view(), name="calendar-feed"),
    # The one-click unsubscribe link of the weekly nudge e-mail: no login either.
    path("nudges/unsubscribe/<str:token>/", nudge_views.unsubscribe, name="nudge-unsubscribe"),
    # The web pages, last: the paths above win.
    path("", include("accounts.web_urls")),
    path("", include("roadmaps.web_urls")),
]

# Under /api/ the error pages are JSON too (config.exceptions).
handler400 = "config.exceptions.bad_request"
handler403 = "config.exceptions.permission_denied"
handler404 = "config.exceptions.page_not_found"
handler500 = "config.exceptions.server_error"
