"""A roadmap to take away: a CSV and a Markdown checklist of every task, in plan order.

Pure formatting over rows already loaded (the roadmap and its tasks): no query
here. Phases and milestones come from ``summaries.phases_with_milestones``, so
the files group tasks exactly as the roadmap page and the printable page do.

- CSV: one row per task, with plain ISO dates and decimal hours so a
  spreadsheet sorts and sums them. A cell that starts like a formula
  (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading apostrophe, so opening
  the file never runs anything.
- Markdown: a GitHub-style task list (``- [ ]`` / ``- [x]``) under phase and
  milestone headings; characters Markdown would read as markup are escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from roadmaps.plans.summaries import phases_with_milestones

CSV_COLUMNS = [
    "phase",
    "milestone",
    "task",
    "kind",
    "start_date",
    "due_date",
    "hours",
    "status",
    "finished_on",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def checklist_csv(tasks: Sequence, *, zone) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for phase in phases_with_milestones(tasks, tasks):
        for milestone in phase.milestones:
            for task in milestone.tasks:
                writer.writerow(
                    [
                        _cell(f"{phase.order}. {phase.title}"),
                        _cell(milestone.title),
                        _cell(task.title),
                        task.kind,
                        task.start_date.isoformat(),
                        task.due_date.isoformat(),
                        f"{task.estimated_minutes / 60:g}",
                        task.status,
                        _finished_on(task, zone),
                    ]
                )
    return out.getvalue()


def checklist_markdown(roadmap, tasks: Sequence, *, zone) -> str:
    lines = [
        f"# {_md(roadmap.role.name)} roadmap",
        "",
        f"{_md(roadmap.track.name)}: {_day(roadmap.start_date)} to {_day(roadmap.end_date)}, "
        f"{roadmap.weekly_hours} h a week.",
    ]
    for phase in phases_with_milestones(tasks, tasks):
        lines += ["", f"## Phase {phase.order}: {_md(phase.title)}", ""]
        lines.append(f"{_day(phase.start_date)} to {_day(phase.end_date)}, {phase.hours:g} h.")
        for milestone in phase.milestones:
            lines += ["", f"### {_md(milestone.title)}", ""]
            lines += [_task_line(task, zone) for task in milestone.tasks]
    return "\n".join(lines) + "\n"


def _task_line(task, zone) -> str:
    box = "x" if task.is_finished else " "
    when = _day(task.due_date)
    if task.start_date != task.due_date:
        when = f"{_day(task.start_date)} to {when}"
    extra = f", {task.get_status_display().lower()}" if task.status == "skipped" else ""
    return f"- [{box}] {_md(task.title)} ({when}, {task.estimated_minutes / 60:g} h{extra})"


def _finished_on(task, zone) -> str:
    return task.completed_at.astimezone(zone).date().isoformat() if task.completed_at else ""


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _md(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _day(day) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"
