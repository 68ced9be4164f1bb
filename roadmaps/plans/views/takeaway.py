"""The plan to take away: a printable page and CSV / Markdown checklists of a roadmap.

Each reads the learner's own roadmap (another learner's is a 404) and its
tasks once: a fixed number of queries whatever the plan's size.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from roadmaps.models import Roadmap
from roadmaps.plans import selectors
from roadmaps.plans.checklist import checklist_csv, checklist_markdown
from roadmaps.plans.summaries import phases_with_milestones
from roadmaps.web.helpers import learner_profile, learner_today


def _roadmap_and_tasks(request: HttpRequest, pk: int) -> tuple[Roadmap, list]:
    roadmap = get_object_or_404(selectors.roadmaps_of(request.user), pk=pk)
    return roadmap, list(selectors.tasks_of_roadmap(roadmap))


@login_required
@require_GET
def print_page(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, tasks = _roadmap_and_tasks(request, pk)
    context = {
        "roadmap": roadmap,
        "today": learner_today(learner_profile(request)),
        "phases": phases_with_milestones(tasks, tasks),
        "task_count": len(tasks),
        "finished_count": sum(1 for task in tasks if task.is_finished),
    }
    return render(request, "roadmaps/web/roadmap_print.html", context)


@login_required
@require_GET
def checklist_csv_download(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, tasks = _roadmap_and_tasks(request, pk)
    body = checklist_csv(tasks, zone=learner_profile(request).zone)
    # A byte-order mark, so spreadsheet apps read the UTF-8 titles right.
    return _download("\ufeff" + body, "text/csv; charset=utf-8", _filename(roadmap, "csv"))


@login_required
@require_GET
def checklist_markdown_download(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, tasks = _roadmap_and_tasks(request, pk)
    body = checklist_markdown(roadmap, tasks, zone=learner_profile(request).zone)
    return _download(body, "text/markdown; charset=utf-8", _filename(roadmap, "md"))


def _filename(roadmap: Roadmap, extension: str) -> str:
    return f"{roadmap.role.slug}-roadmap-{roadmap.pk}.{extension}"


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
