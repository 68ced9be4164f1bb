"""``manage.py send_nudges``: the cron users' way to run the weekly nudges."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from roadmaps.models import NudgeDelivery
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import mail_counts, nudge_learner, utc

# Real commits, as when cron runs the command: sends are queued once a batch has committed.
pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = nudges_data.SIGN_UP
SLOT = nudges_data.SLOT


def send_nudges() -> str:
    out = StringIO()
    call_command("send_nudges", stdout=out)
    return out.getvalue()


def test_the_command_sends_the_due_nudges_and_prints_how_many(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)
    first, second = nudge_learner(now=SIGN_UP), nudge_learner(now=SIGN_UP)
    nudge_learner(now=SIGN_UP, weekday=2)  # due on Tuesday
    time_machine.move_to(SLOT, tick=False)

    output = send_nudges()

    assert output.splitlines()[0] == "Sent 2 nudges."
    assert mail_counts() == {first.email: 1, second.email: 1}
    assert NudgeDelivery.objects.filter(status=NudgeDelivery.Status.SENT).count() == 2


def test_the_command_run_again_sends_nothing_more(time_machine):
    time_machine.move_to(SIGN_UP, tick=False)
    nudge_learner(now=SIGN_UP)
    time_machine.move_to(SLOT, tick=False)
    send_nudges()

    assert send_nudges().splitlines()[0] == "Sent 0 nudges."
    assert len(mail_counts()) == 1


def test_the_command_says_when_a_slot_was_missed_by_more_than_the_grace_period(time_machine, settings):
    settings.NUDGE_GRACE_HOURS = 24
    time_machine.move_to(SIGN_UP, tick=False)
    nudge_learner(now=SIGN_UP)
    time_machine.move_to(utc(2026, 11, 10, 9), tick=False)

    output = send_nudges()

    assert output.splitlines() == [
        "Sent 0 nudges.",
        "1 skipped (missed by more than the grace period).",
    ]
    assert mail_counts() == {}
