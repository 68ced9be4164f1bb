from django.urls import path
from rest_framework.routers import SimpleRouter

from roadmaps.calendar import api as calendar_api
from roadmaps.catalog import api as catalog_api
from roadmaps.milestones import api as milestones_api
from roadmaps.plans import api as plans_api
from roadmaps.portfolio import api as portfolio_api

# Path converters rather than regexes: ids are <int:pk> and slugs <slug:slug>, in the URLs and the schema alike.
router = SimpleRouter(use_regex_path=False)
router.register("roles", catalog_api.RoleViewSet, basename="role")
router.register("tracks", catalog_api.TrackViewSet, basename="track")
router.register("skills", catalog_api.SkillViewSet, basename="skill")
router.register("roadmaps", plans_api.RoadmapViewSet, basename="roadmap")

# The task tick is the API's most frequent call: its route is tried first (URL
# resolution tries every pattern before the one that matches).
task_router = SimpleRouter(use_regex_path=False)
task_router.register("tasks", plans_api.TaskViewSet, basename="task")

calendar_patterns = [
    path("calendar/", calendar_api.FeedView.as_view(), name="calendar"),
    path("calendar/rotate/", calendar_api.FeedRotateView.as_view(), name="calendar-rotate"),
    path(
        "roadmaps/<int:pk>/calendar.ics",
        calendar_api.RoadmapCalendarView.as_view(),
        name="roadmap-calendar",
    ),
    path("roadmaps/<int:pk>/export/", calendar_api.RoadmapExportView.as_view(), name="roadmap-export"),
    path("today/", plans_api.TodayView.as_view(), name="today"),
]

milestone_patterns = [
    path(
        "roadmaps/<int:pk>/milestones/",
        milestones_api.RoadmapMilestonesView.as_view(),
        name="roadmap-milestones",
    ),
    path("milestones/<int:pk>/", milestones_api.MilestoneView.as_view(), name="milestone"),
    path("me/portfolio/", portfolio_api.PortfolioView.as_view(), name="portfolio"),
]

# The tasks' routes first (no other path starts with "tasks/"); the calendar and milestone
# paths before the other routes: they must win over them.
urlpatterns = task_router.urls + calendar_patterns + milestone_patterns + router.urls
