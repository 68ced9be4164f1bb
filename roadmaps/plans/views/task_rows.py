"""The roadmap page's task rows, written here rather than in the template: a plan holds hundreds.

A 514-task plan through the template engine took about four times the budget
(30 ms) in variable lookups and tag nodes; these f-strings write the same HTML
in a few milliseconds. Every value from the database or a message is escaped;
the words are translated once a request. The markup is kept small (about 240
bytes a row) so the whole plan stays within 150 KB: one form a milestone holds
the CSRF token, each button sends ``<action>=<task id>`` (see ``TaskActionForm``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

PART = re.compile(r"^\(part (\d+) of (\d+)\)$", re.IGNORECASE)


def task_label(title: str, milestone_title: str, part_words: str = "") -> str:
    """A task's title without its milestone's, which the page shows just above it.

    "" when it only repeats it; "Part 2" for the planner's "<milestone> (part 2 of 5)" (the
    milestone's heading says how many tasks it has); the rest after "<milestone>: " (or a dash);
    any other title whole.
    """
    if title == milestone_title:
        return ""
    if not milestone_title or not title.startswith(milestone_title):
        return title
    rest = title[len(milestone_title) :].strip()
    part = PART.match(rest)
    if part:
        return (part_words or gettext("Part %(part)s")) % {"part": part[1]}
    for separator in (":", "–", "—", "-"):
        if rest.startswith(separator) and rest[1:].strip():
            return rest[1:].strip()
    return title


class RowWriter:
    """Writes the rows of one request; dates and hours are formatted once each."""

    def __init__(self) -> None:
        self.months = {number: str(name).title() for number, name in MONTHS_3.items()}
        self.weekdays = {number: str(name) for number, name in WEEKDAYS_ABBR.items()}
        self.words = {
            "done": escape(gettext("Done")),
            "undo": escape(gettext("Undo")),
            "more": escape(gettext("More")),
            "start": escape(gettext("Start")),
            "skip": escape(gettext("Skip")),
            "overdue": escape(gettext("Overdue")),
            "in_progress": escape(gettext("In progress")),
            "skipped": escape(gettext("Skipped")),
            "finished": gettext("finished %(day)s"),
        }
        self.part_words = gettext("Part %(part)s")
        self._hours: dict[int, str] = {}

    def day(self, value: date) -> str:
        """Like the date filter's "D j M" ("Tue 24 Jul"), without its per-call format lookups."""
        return f"{self.weekdays[value.weekday()]} {value.day} {self.months[value.month]}"

    def span(self, start: date, due: date) -> str:
        if start == due:
            return self.day(start)
        if (start.year, start.month) == (due.year, due.month):
            return f"{start.day}–{due.day} {self.months[due.month]}"
        return f"{start.day} {self.months[start.month]} – {due.day} {self.months[due.month]}"

    def hours(self, minutes: int) -> str:
        if minutes not in self._hours:
            value = round(minutes / 60, 1)
            self._hours[minutes] = f"{value:g}"
        return self._hours[minutes]

    def rows(self, tasks: Iterable, *, title_id: str, usual_minutes: int | None) -> SafeString:
        """One ``<li>`` a task.

        The anchor ``task-<id>`` is the task's label (so the buttons can point at it for their
        description), or the row when the label would only repeat the milestone's title: then
        the buttons point at that title (``title_id``). Hours show where a task's differ from
        ``usual_minutes``, which the milestone's heading states once.
        """
        words = self.words
        out = []
        for task in tasks:
            tid = task.id
            label = task.label
            # Unquoted attribute values (ids, names, numbers): valid HTML, and about 20 bytes a row fewer.
            if label:
                described, row_id, title = f"task-{tid}", "", f"<b id=task-{tid}>{escape(label)}</b> "
            else:
                described, row_id, title = title_id, f" id=task-{tid}", ""
            status = task.status
            classes = "" if status == "todo" else status
            extra = "" if task.estimated_minutes == usual_minutes else f" · {self.hours(task.estimated_minutes)}\u00a0h"
            if status == "done":
                finished = words["finished"] % {"day": self.day(task.completed_at.date())} if task.completed_at else ""
                extra += f' <span class="badge badge-done">{words["done"]}</span> {escape(finished)}'
            elif status != "todo":
                extra += f' <span class="badge badge-{status}">{words[status]}</span>'
            if task.overdue:
                classes += " overdue"
                extra += f' <span class="badge badge-overdue">{words["overdue"]}</span>'
            if status in ("done", "skipped"):
                buttons = f"<button name=undo value={tid} aria-describedby={described}>{words['undo']}</button>"
            else:
                start = f"<button name=start value={tid}>{words['start']}</button>" if status == "todo" else ""
                buttons = (
                    f"<button name=done value={tid} aria-describedby={described}>{words['done']}</button>"
                    f"<details><summary>{words['more']}</summary>{start}"
                    f"<button name=skip value={tid}>{words['skip']}</button></details>"
                )
            note = f'<span class="note">{escape(task.note)}</span>' if task.note else ""
            flash = "".join(
                f'<p class="flash message message-{message.level_tag}" role="status" tabindex="-1" data-flash>'
                f"{escape(message)}</p>"
                for message in task.flash
            )
            cls = f' class="{classes.strip()}"' if classes else ""
            # <i> (text offset from the title, styled upright) and no </li> (optional in HTML): 13 bytes a row.
            when = self.span(task.start_date, task.due_date)
            out.append(f"<li{row_id}{cls}>{title}<i>{when}{extra}</i>{note}{buttons}{flash}")
        return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped or a number
