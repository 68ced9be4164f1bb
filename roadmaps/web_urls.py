"""The pages, mounted at the site root; names end in "-page" where the API has the plain one."""

from django.urls import path

from roadmaps.calendar import views as calendar_page
from roadmaps.milestones import views as milestone_page
from roadmaps.plans.views import changes, dashboard, onboarding, takeaway
from roadmaps.plans.views import roadmap as roadmap_page
from roadmaps.portfolio import views as portfolio_page
from roadmaps.web import home, settings_page

urlpatterns = [
    path("", home.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("start/", onboarding.choose_role, name="onboarding"),
    path("start/track/", onboarding.choose_track, name="onboarding-track"),
    path("start/skills/", onboarding.choose_skills, name="onboarding-skills"),
    path("start/schedule/", onboarding.schedule, name="onboarding-schedule"),
    path("start/preview/", onboarding.preview, name="onboarding-preview"),
    path("start/create/", onboarding.create, name="onboarding-create"),
    path("roadmaps/<int:pk>/", roadmap_page.roadmap_page, name="roadmap-page"),
    path("roadmaps/<int:pk>/dashboard/", dashboard.dashboard, name="roadmap-dashboard"),
    path("roadmaps/<int:pk>/replan/", changes.replan_page, name="roadmap-replan-page"),
    path("roadmaps/<int:pk>/pace/", changes.pace_page, name="roadmap-pace-page"),
    path("roadmaps/<int:pk>/catch-up/", changes.catchup_page, name="roadmap-catchup-page"),
    path("roadmaps/<int:pk>/tasks/", roadmap_page.task_action, name="roadmap-task-action-page"),
    path("roadmaps/<int:pk>/export/", roadmap_page.export, name="roadmap-export-page"),
    path("roadmaps/<int:pk>/delete/", roadmap_page.delete, name="roadmap-delete-page"),
    path("roadmaps/<int:pk>/print/", takeaway.print_page, name="roadmap-print-page"),
    path("roadmaps/<int:pk>/checklist.csv", takeaway.checklist_csv_download, name="roadmap-checklist-csv"),
    path("roadmaps/<int:pk>/checklist.md", takeaway.checklist_markdown_download, name="roadmap-checklist-md"),
    path("tasks/<int:pk>/status/", roadmap_page.task_status, name="task-status-page"),
    path("milestones/<int:pk>/status/", milestone_page.milestone_status, name="milestone-status-page"),
    path("milestones/<int:pk>/evidence/", milestone_page.milestone_evidence, name="milestone-evidence-page"),
    path("portfolio/", portfolio_page.manage_page, name="portfolio-page"),
    # The public progress page: no login, the token is the credential (like the calendar feed).
    path("p/<str:token>/", portfolio_page.public_page, name="portfolio-public"),
    path("calendar/", calendar_page.calendar_page, name="calendar-page"),
    path("calendar/subscribe/", calendar_page.subscribe, name="calendar-subscribe-page"),
    path("calendar/rotate/", calendar_page.rotate, name="calendar-rotate-page"),
    path("calendar/revoke/", calendar_page.revoke, name="calendar-revoke-page"),
    path("settings/", settings_page.settings_page, name="settings"),
]
