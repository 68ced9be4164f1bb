"""The weekly nudge in the learner's language: a French learner's arrives in French, through
a real SMTP server, from a job that has no request (and so no language of its own)."""

from __future__ import annotations

import pytest
from django.utils import translation

from roadmaps.nudges import send_nudge_batch
from tests.roadmaps.nudges import data as nudges_data
from tests.roadmaps.nudges.data import nudge_learner

pytestmark = pytest.mark.django_db

SIGN_UP = nudges_data.SIGN_UP
# Monday 9 November 2026, week 2 of roadmaps that start on Monday 2 November.
SLOT = nudges_data.SLOT


@pytest.fixture
def sent_through_smtp(smtp_server, settings, django_capture_on_commit_callbacks, time_machine):
    """Dispatch at the slot, send the batch to the real SMTP server; the messages it received."""
    from roadmaps.nudges import dispatch_due_nudges

    for name, value in smtp_server.mail_settings().items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = "https://planner.example.org"

    def send(expected: int):
        queued: list[int] = []
        time_machine.move_to(SLOT, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due_nudges(now=SLOT, enqueue=queued.extend)
        # The job's thread may have served a request in another language before.
        with translation.override("en"):
            assert send_nudge_batch(queued).sent == expected
        return {message["To"]: message for message in smtp_server.inbox.wait_for(expected)}

    return send


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_french_learner_s_nudge_is_in_french_and_an_english_learner_s_in_english(time_machine, sent_through_smtp):
    time_machine.move_to(SIGN_UP, tick=False)
    french = nudge_learner(now=SIGN_UP, name="Amélie", profile__language="fr")
    english = nudge_learner(now=SIGN_UP, name="Ada")

    received = sent_through_smtp(2)

    french_mail, english_mail = received[french.email], received[english.email]
    # Nothing done yet in week 2: behind plan.
    assert french_mail["Subject"] == "Semaine 2 : 0 % fait, en retard sur le plan"
    text, html = bodies(french_mail)
    assert "Bonjour Amélie," in text
    assert "Vous avez un peu de retard sur votre plan ML Engineer : 0 % fait" in text
    assert "Replanifier à partir d'aujourd'hui : https://planner.example.org/roadmaps/" in text
    assert "Votre tableau de bord : https://planner.example.org/dashboard/" in text
    assert "Se désabonner : " in text
    assert '<html lang="fr">' in html
    assert "désabonnez-vous</a>" in html
    assert english_mail["Subject"] == "Week 2: 0% done, behind plan"
    text, html = bodies(english_mail)
    assert "Hello Ada," in text
    assert "Unsubscribe: " in text
    assert '<html lang="en">' in html
