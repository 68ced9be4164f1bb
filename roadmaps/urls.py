from django.urls import path
from rest_framework.routers import SimpleRouter

from roadmaps.api import calendar, catalog, plans

# Path converters rather than regexes: ids are <int:pk> and slugs <slug:slug>, in the URLs and the schema alike.
router = SimpleRouter(use_regex_path=False)
router.register("roles", catalog.RoleViewSet, basename="role")
router.register("tracks", catalog.TrackViewSet, basename="track")
router.register("skills", catalog.SkillViewSet, basename="skill")
router.register("roadmaps", plans.RoadmapViewSet, basename="roadmap")
router.register("tasks", plans.TaskViewSet, basename="task")

calendar_patterns = [
    path("calendar/", calendar.FeedView.as_view(), name="calendar"),
    path("calendar/rotate/", calendar.FeedRotateView.as_view(), name="calendar-rotate"),
    path(
        "roadmaps/<int:pk>/calendar.ics",
        calendar.RoadmapCalendarView.as_view(),
        name="roadmap-calendar",
    ),
    path("roadmaps/<int:pk>/export/", calendar.RoadmapExportView.as_view(), name="roadmap-export"),
]

# The calendar paths come first: they must win over the router's patterns.
urlpatterns = calendar_patterns + router.urls
