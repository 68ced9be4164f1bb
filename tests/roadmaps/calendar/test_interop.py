"""Real calendar programs import a real feed without a single complaint.

Debian's khal (Python, icalendar-based) and calcurse (C, its own parser) are
installed by ``.ci/system-deps``; each imports a feed with done, skipped and
open tasks, a long folded note, and text that needs escaping (commas,
semicolons, backslashes, non-ASCII), into a throwaway home, and any output on
stderr, any "warning" or any skipped item fails the test. The icalendar and
vobject parsers are exercised by the other feed tests.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from roadmaps.calendar import services as calendar_services
from roadmaps.plans import services
from tests.roadmaps.calendar.data import icalendar_events, path_of, roadmap_with_tasks

pytestmark = pytest.mark.django_db

KHAL_CONFIG = """\
[calendars]
[[roadmap]]
path = {calendar_dir}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[sqlite]
path = {home}/khal.db
"""


@pytest.fixture
def feed_file(learner, tmp_path) -> tuple[Path, int]:
    plan = roadmap_with_tasks(learner, tasks=8)
    plan.tasks[0].note = "Read chapters 3; 4, and the appendix \\ then résumé the ideas: naïve Bayes, ℓ1 " * 3
    plan.tasks[0].save()
    services.task_mark(task=plan.tasks[0], status="done", now=plan.tasks[0].updated_at)
    services.task_mark(task=plan.tasks[1], status="skipped", now=plan.tasks[1].updated_at)
    feed = calendar_services.feed_get_or_create(user=learner)
    body = Client().get(path_of(calendar_services.feed_urls(feed)["feed_url"])).content
    path = tmp_path / "feed.ics"
    path.write_bytes(body)
    return path, len(icalendar_events(body))


def run_isolated(command: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
    }
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_khal_imports_every_event_without_a_warning(feed_file, tmp_path):
    path, event_count = feed_file
    home, calendar_dir = tmp_path / "khal-home", tmp_path / "khal-calendar"
    home.mkdir()
    calendar_dir.mkdir()
    config = home / "khal.conf"
    config.write_text(KHAL_CONFIG.format(calendar_dir=calendar_dir, home=home))

    imported = run_isolated(["khal", "-c", str(config), "import", "--batch", "-a", "roadmap", str(path)], home)

    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""
    assert "warning" not in imported.stdout.lower()
    assert len(list(calendar_dir.glob("*.ics"))) == event_count


def test_calcurse_imports_every_event_and_skips_none(feed_file, tmp_path):
    path, event_count = feed_file
    data_dir = tmp_path / "calcurse"
    data_dir.mkdir()

    imported = run_isolated(["calcurse", "-D", str(data_dir), "-i", str(path)], tmp_path)

    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""
    assert "warning" not in imported.stdout.lower()
    report = re.search(r"(\d+) apps / (\d+) events / (\d+) todos / (\d+) skipped", imported.stdout)
    assert report is not None, imported.stdout
    assert int(report[1]) + int(report[2]) == event_count
    assert int(report[4]) == 0
