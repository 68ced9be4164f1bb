"""One roadmap as .ics: the download, and the export e-mailed by a background job."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from roadmaps.calendar import services as calendar_services
from roadmaps.calendar.tasks import send_calendar_export
from roadmaps.models import CalendarExport, Roadmap
from roadmaps.plans.sessions import study_sessions
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.roadmaps.calendar.data import (
    icalendar_events,
    parse,
    roadmap_with_tasks,
    sessions_of,
    vobject_events,
)
from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(learner):
    return roadmap_with_tasks(learner, tasks=4)


def download_url(roadmap) -> str:
    return f"/api/roadmaps/{roadmap.id}/calendar.ics"


def export_url(roadmap) -> str:
    return f"/api/roadmaps/{roadmap.id}/export/"


def attachment_of(message) -> tuple[str, bytes, str]:
    ((filename, content, mimetype),) = message.attachments
    return filename, content.encode() if isinstance(content, str) else content, mimetype


# --- Download -------------------------------------------------------------------------


def test_a_roadmap_downloads_as_an_ics_attachment_named_after_the_role(learner_client, plan):
    response = learner_client.get(download_url(plan.roadmap))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ml-engineer-roadmap.ics"'
    assert parse(response.content)["X-WR-CALNAME"] == "Roadmap: Ml Engineer"
    events, twins = icalendar_events(response.content), vobject_events(response.content)
    assert len(events) == len(twins) == plan.event_count
    for task in plan.tasks:
        (session,) = sessions_of(events, task)  # 90 minutes fit a study day
        assert twins[str(session["UID"])].dtend.value == session["DTSTART"].dt + timedelta(minutes=90)


def test_a_download_holds_only_that_roadmap(learner, learner_client, plan):
    other = roadmap_with_tasks(learner, tasks=2, role_slug="data-scientist")

    events = icalendar_events(learner_client.get(download_url(plan.roadmap)).content)

    assert all(sessions_of(events, task) for task in plan.tasks)
    assert not [task for task in other.tasks if sessions_of(events, task)]


def test_an_archived_roadmap_can_still_be_downloaded(learner, learner_client):
    archived = roadmap_with_tasks(learner, tasks=2, status=Roadmap.Status.ARCHIVED)

    response = learner_client.get(download_url(archived.roadmap))

    assert response.status_code == 200
    assert len(icalendar_events(response.content)) == archived.event_count


def test_another_learner_s_roadmap_is_not_found(plan):
    stranger = client_for(UserFactory())

    assert stranger.get(download_url(plan.roadmap)).status_code == 404
    assert stranger.get("/api/roadmaps/999999/calendar.ics").status_code == 404


def test_downloading_needs_a_login(api_client, plan):
    assert api_client.get(download_url(plan.roadmap)).status_code == 401


def test_a_client_asking_for_text_calendar_gets_the_download(learner_client, plan):
    response = learner_client.get(download_url(plan.roadmap), HTTP_ACCEPT="text/calendar")

    assert response.status_code == 200


@pytest.mark.parametrize("task_count", [1, 50])
def test_a_download_takes_eight_queries_whatever_the_number_of_tasks(
    learner, learner_client, task_count, django_assert_num_queries
):
    plan = roadmap_with_tasks(learner, tasks=task_count)

    # API token, roadmap with role and profile, tasks, skills, the study sessions' two
    # (roadmap with profile, its tasks), stored revisions, new revisions
    with django_assert_num_queries(8):
        response = learner_client.get(download_url(plan.roadmap))
    # The second time every event's revision is known: nothing is written.
    with django_assert_num_queries(7):
        again = learner_client.get(download_url(plan.roadmap))

    # The whole plan, however far it runs: every session and every marker.
    sessions = study_sessions([plan.roadmap.id], date.min, date.max)
    events = icalendar_events(response.content)
    assert len(events) == len(sessions) + plan.milestone_count + plan.phase_count
    assert all(sessions_of(events, task) for task in plan.tasks)
    assert again.content == response.content


# --- Requesting an export -------------------------------------------------------------


def test_an_export_request_is_accepted_and_queued_after_commit(
    learner, learner_client, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = learner_client.post(export_url(plan.roadmap))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    export = CalendarExport.objects.get(pk=body["id"])
    assert (export.user, export.roadmap, export.status) == (learner, plan.roadmap, "pending")
    assert len(callbacks) == 1


def test_exporting_another_learner_s_roadmap_is_not_found_and_stores_nothing(plan):
    stranger = client_for(UserFactory())

    assert stranger.post(export_url(plan.roadmap)).status_code == 404
    assert stranger.post("/api/roadmaps/999999/export/").status_code == 404
    assert not CalendarExport.objects.exists()


def test_exports_are_throttled_per_learner(learner_client, plan):
    statuses = [learner_client.post(export_url(plan.roadmap)).status_code for _ in range(11)]

    assert statuses == [202] * 10 + [429]
    assert CalendarExport.objects.count() == 10


# --- Sending (the job's work, in this process) -----------------------------------------


def request_export(learner, plan) -> CalendarExport:
    return calendar_services.export_request(user=learner, roadmap=plan.roadmap)


def test_the_export_mail_carries_the_ics_and_a_text_and_html_body(learner, plan, mailoutbox):
    export = request_export(learner, plan)

    assert calendar_services.export_send(export_id=str(export.id), now=timezone.now())

    (message,) = mailoutbox
    assert message.to == [learner.email]
    assert "Ml Engineer" in message.subject
    assert "ml-engineer-roadmap.ics" in message.body
    ((html, html_type),) = message.alternatives
    assert html_type == "text/html"
    assert "<strong>Ml Engineer</strong>" in html
    filename, content, mimetype = attachment_of(message)
    assert (filename, mimetype) == ("ml-engineer-roadmap.ics", "text/calendar")
    assert len(icalendar_events(content)) == len(vobject_events(content)) == plan.event_count
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("sent", 1)
    assert export.sent_at is not None


def test_a_second_run_of_the_same_export_sends_nothing(learner, plan, mailoutbox):
    export = request_export(learner, plan)
    send_calendar_export.apply(args=[str(export.id)])

    result = send_calendar_export.apply(args=[str(export.id)])

    assert result.get() is False
    assert len(mailoutbox) == 1
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("sent", 1)


def test_an_export_claimed_by_a_live_job_is_left_alone(learner, plan, mailoutbox):
    export = request_export(learner, plan)
    now = timezone.now()
    CalendarExport.objects.filter(pk=export.pk).update(status="sending", claimed_at=now)

    assert not calendar_services.export_send(export_id=str(export.id), now=now + timedelta(minutes=1))
    assert mailoutbox == []


def test_an_export_stuck_by_a_dead_job_is_sent_after_its_lease(learner, plan, mailoutbox):
    export = request_export(learner, plan)
    claimed = timezone.now() - calendar_services.EXPORT_SEND_LEASE - timedelta(seconds=1)
    CalendarExport.objects.filter(pk=export.pk).update(status="sending", claimed_at=claimed)

    assert calendar_services.export_send(export_id=str(export.id), now=timezone.now())
    assert len(mailoutbox) == 1


def test_an_export_of_a_deleted_roadmap_sends_nothing(learner, plan, mailoutbox):
    export = request_export(learner, plan)
    plan.roadmap.delete()

    assert send_calendar_export.apply(args=[str(export.id)]).get() is False
    assert mailoutbox == []


# --- Lost jobs: the periodic sweep ----------------------------------------------------------


def set_row(export, **fields) -> None:
    CalendarExport.objects.filter(pk=export.pk).update(**fields)


def sweep(now, django_capture_on_commit_callbacks) -> list[str]:
    queued: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        calendar_services.requeue_stalled_exports(now=now, enqueue=queued.extend)
    return queued


def test_an_export_whose_job_never_reached_the_broker_is_queued_again_once(
    learner, plan, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = request_export(learner, plan)
    set_row(lost, created_at=now - calendar_services.EXPORT_STALL - timedelta(minutes=1))
    request_export(learner, plan)  # just asked for: its job is on its way

    assert sweep(now, django_capture_on_commit_callbacks) == [str(lost.id)]
    assert sweep(now + timedelta(minutes=1), django_capture_on_commit_callbacks) == []


def test_a_requeued_export_is_mailed_once_however_many_jobs_it_has(
    learner, plan, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = request_export(learner, plan)
    set_row(lost, created_at=now - calendar_services.EXPORT_STALL - timedelta(minutes=1))
    (export_id,) = sweep(now, django_capture_on_commit_callbacks)

    send_calendar_export.apply(args=[export_id])
    send_calendar_export.apply(args=[export_id])  # the original job, turning up late

    assert len(mailoutbox) == 1
    assert CalendarExport.objects.get(pk=export_id).status == "sent"


def test_an_export_stuck_sending_past_its_lease_is_queued_again(learner, plan, django_capture_on_commit_callbacks):
    now = timezone.now()
    stuck = request_export(learner, plan)
    set_row(stuck, status="sending", claimed_at=now - calendar_services.EXPORT_SEND_LEASE - timedelta(minutes=1))

    assert sweep(now, django_capture_on_commit_callbacks) == [str(stuck.id)]
    stuck.refresh_from_db()
    assert stuck.status == "pending"


def test_exports_a_live_job_holds_or_will_retry_are_left_to_it(learner, plan, django_capture_on_commit_callbacks):
    now = timezone.now()
    long_ago = now - timedelta(hours=1)
    sending = request_export(learner, plan)
    set_row(sending, created_at=long_ago, status="sending", claimed_at=now - timedelta(minutes=1))
    waiting_for_retry = request_export(learner, plan)
    set_row(waiting_for_retry, created_at=long_ago, claimed_at=now - timedelta(minutes=5))
    sent = request_export(learner, plan)
    set_row(sent, created_at=long_ago, status="sent")

    assert sweep(now, django_capture_on_commit_callbacks) == []


def test_an_export_unsent_after_a_day_is_failed_not_sent(learner, plan, mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    stale = request_export(learner, plan)
    set_row(stale, created_at=now - calendar_services.EXPORT_EXPIRY - timedelta(minutes=1))

    assert sweep(now, django_capture_on_commit_callbacks) == []
    stale.refresh_from_db()
    assert (stale.status, stale.last_error) == ("failed", "not sent within a day")
    send_calendar_export.apply(args=[str(stale.id)])
    assert mailoutbox == []


# --- Against a real SMTP server ----------------------------------------------------------


@pytest.fixture
def smtp_settings(settings, smtp_server):
    for name, value in smtp_server.mail_settings().items():
        setattr(settings, name, value)
    return smtp_server


def test_a_refused_attempt_is_retried_and_the_mail_arrives_once(learner, plan, smtp_settings):
    smtp_settings.inbox.refuse_next = 1
    export = request_export(learner, plan)

    send_calendar_export.apply(args=[str(export.id)])

    (message,) = smtp_settings.inbox.wait_for(1)
    assert smtp_settings.inbox.refused == 1
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("sent", 2)
    (attachment,) = list(message.iter_attachments())
    assert len(vobject_events(attachment.get_content().encode())) == plan.event_count


def test_an_export_that_keeps_failing_ends_failed_after_its_retries(learner, plan, smtp_settings):
    smtp_settings.inbox.refuse_next = 100
    export = request_export(learner, plan)

    send_calendar_export.apply(args=[str(export.id)])

    export.refresh_from_db()
    assert export.status == "failed"
    assert export.attempts == send_calendar_export.max_retries + 1
    assert "451" in export.last_error
    assert smtp_settings.inbox.messages == []


class RefusingRecipients:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


def test_a_permanent_refusal_is_not_retried(learner, plan, settings):
    port = free_port()
    controller = Controller(RefusingRecipients(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        export = request_export(learner, plan)

        result = send_calendar_export.apply(args=[str(export.id)])
    finally:
        controller.stop()

    assert isinstance(result.result, calendar_services.ExportUndeliverable)
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("failed", 1)
    assert "550" in export.last_error


def test_an_unreachable_mail_server_is_retried_then_the_export_fails(learner, plan, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    export = request_export(learner, plan)

    send_calendar_export.apply(args=[str(export.id)])

    export.refresh_from_db()
    assert export.status == "failed"
    assert export.attempts == send_calendar_export.max_retries + 1
    assert "ConnectionRefusedError" in export.last_error
