"""What a nudge says: progress as of the slot's local date, and the mail built from it.

Everything is computed from the window stored on the delivery row (its local
date and roadmap), so a retried send writes the same mail. No query here:
callers pass the tasks they loaded for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import languages
from roadmaps.milestones.states import finished_between
from roadmaps.models import NudgeDelivery, Task
from roadmaps.nudges.loading import TaskRow
from roadmaps.nudges.unsubscribe import unsubscribe_url
from roadmaps.plans import planning

# Longer lists end with "and N more": a nudge is read in seconds.
LIST_LIMIT = 6
STATES = ("ahead", "on_track", "behind", "finished")
# A task as a nudge reads it: the sender's plain record, or a model instance (previews, tests).
NudgeTask = Task | TaskRow


@dataclass(frozen=True)
class TaskList:
    shown: list[NudgeTask]
    more: int


def short_list(tasks: Sequence[NudgeTask]) -> TaskList:
    return TaskList(shown=list(tasks[:LIST_LIMIT]), more=max(0, len(tasks) - LIST_LIMIT))


def nudge_state(progress, tasks: Sequence[NudgeTask]) -> str:
    if tasks and all(task.is_finished for task in tasks):
        return "finished"
    return progress.status


def roadmap_week(roadmap, day: date) -> int:
    """1 in the roadmap's first week, 2 in the next, ...; 1 before it starts."""
    return max(1, (day - roadmap.start_date).days // 7 + 1)


def nudge_context(delivery: NudgeDelivery, tasks: Sequence[NudgeTask]) -> dict:
    """Expects the delivery with user, profile and roadmap (role, track) loaded."""
    roadmap, zone, today = delivery.roadmap, delivery.user.profile.zone, delivery.local_date
    tasks = list(tasks)
    progress = planning.progress_of(roadmap, tasks, today=today, zone=zone)
    week_ago = today - timedelta(days=7)
    finished_last_week = [
        task
        for task in tasks
        if task.is_finished and task.completed_at and week_ago <= task.completed_at.astimezone(zone).date() < today
    ]
    # Everything the plan has the learner working on this week, including a task
    # that starts now and is due later; overdue tasks have their own list.
    week_end = today + timedelta(days=7)
    planned_this_week = sorted(
        (t for t in tasks if not t.is_finished and t.start_date < week_end and t.due_date >= today),
        key=lambda task: (task.start_date, task.sequence),
    )
    overdue = [tasks[index] for index in progress.overdue_task_indexes]
    return {
        "name": delivery.user.get_short_name(),
        "roadmap": roadmap,
        "state": nudge_state(progress, tasks),
        "week": roadmap_week(roadmap, today),
        "today": today,
        "percent": f"{progress.percent_complete:g}",
        "expected_percent": f"{progress.expected_percent:g}",
        "hours_done": round(progress.minutes_done / 60, 1),
        "hours_total": round(progress.minutes_total / 60, 1),
        "streak_weeks": progress.streak_weeks,
        "projected_end_date": progress.projected_end_date,
        "finished_last_week": short_list(finished_last_week),
        "milestones_last_week": finished_between(
            tasks, first_day=week_ago, last_day=today - timedelta(days=1), zone=zone
        ),
        "planned_this_week": short_list(planned_this_week),
        "overdue": short_list(sorted(overdue, key=lambda task: (task.due_date, task.sequence))),
        **links(delivery),
    }


def links(delivery: NudgeDelivery) -> dict[str, str]:
    site, roadmap_id = settings.SITE_URL, delivery.roadmap_id
    return {
        "dashboard_url": site + reverse("dashboard"),
        "roadmap_url": site + reverse("roadmap-page", args=[roadmap_id]),
        # The roadmap's dashboard holds the "re-plan from today" button.
        "replan_url": site + reverse("roadmap-dashboard", args=[roadmap_id]),
        "settings_url": site + reverse("settings"),
        "unsubscribe_url": unsubscribe_url(delivery.user_id),
    }


def nudge_message(delivery: NudgeDelivery, tasks: Sequence[NudgeTask], *, connection=None) -> EmailMultiAlternatives:
    """The nudge as a text mail with an HTML alternative and one-click unsubscribe headers."""
    context = nudge_context(delivery, tasks)
    # In the recipient's language (the profile is loaded with the delivery); a job has no request.
    with languages.override_for(delivery.user):
        subject = " ".join(render_to_string("roadmaps/email/nudge_subject.txt", context).split())
        body = render_to_string("roadmaps/email/nudge.txt", context)
        html = render_to_string("roadmaps/email/nudge.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[delivery.user.email],
        connection=connection,
        headers={
            # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the URL.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # One id per learner and week: in the rare case a mail is sent again
            # (see delivery.claim), mail clients can recognise the duplicate.
            "Message-ID": message_id(delivery),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(delivery: NudgeDelivery) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<nudge.{delivery.user_id}.{delivery.week_start:%Y%m%d}@{host}>"
