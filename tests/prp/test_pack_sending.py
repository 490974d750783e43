"""The packs that build and send themselves (issue 20 part 2): the jobs, on a frozen clock; the
emails through the outbox with the PDF attached, read back with pypdf; who gets them (a
setting administrators change); and their place in /health/."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from auditlog.models import LogEntry
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from config.celery_app import app
from dashboards import sending, tasks
from dashboards.models import PackKind, PackRecipients, PackSending
from notifications import services as outbox
from notifications.models import Attachment, Kind, Notification, Status
from prp.models import JobHeartbeat, Role, RoleCode
from tests.factories import UserFactory
from tests.prp.test_reports import (  # noqa: F401 - fixtures
    february,
    other_child,
    other_team,
    week,
)
from tests.smtp import Sink
from tests.worker import wait_for

LONDON = ZoneInfo("Europe/London")
SITE_URL = "http://127.0.0.1:8101"
AUTHORITY = "Gloucestershire County Council"


def at(year, month, day, hour=8, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def run(job, when):
    """Run the Celery task as the scheduler would at `when`, then the outbox's sender."""
    with time_machine.travel(when, tick=False):
        result = job()
        outbox.send_due()
    return result


def pdf_text(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture(autouse=True)
def council(settings):
    settings.SITE_URL = SITE_URL
    settings.AUTHORITY_NAME = AUTHORITY


@pytest.fixture
def managers(service_manager):
    """A second reviewing service manager, and one who has left (never sent anything)."""
    UserFactory(
        full_name="Rhys Second", roles=[RoleCode.REVIEWING_SERVICE_MANAGER], email="rhys@x.org"
    )
    UserFactory(full_name="Gone Away", roles=[RoleCode.REVIEWING_SERVICE_MANAGER], is_active=False)
    return service_manager


def sent_to() -> list[str]:
    return sorted(address for email in mail.outbox for address in email.to)


# The emails --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("week")
def test_mondays_clinic_pack_goes_at_8_with_the_figures_a_link_and_the_pdf(service_manager):
    # Sunday evening and Monday 07:59: not yet.
    assert run(tasks.send_clinic_packs, at(2026, 3, 15, 20)) == {}
    assert run(tasks.send_clinic_packs, at(2026, 3, 16, 7, 59)) == {}
    assert mail.outbox == []

    assert run(tasks.send_clinic_packs, at(2026, 3, 16, 8)) == {"2026-03-09": 1}
    [email] = mail.outbox
    assert email.to == [service_manager.email]
    assert email.subject == f"Weekly clinic pack: week beginning 9 March 2026 ({AUTHORITY})"
    body = email.body
    title = "Weekly clinic pack: week beginning 9 March 2026"
    assert f"{title}, for 9 March 2026 to 15 March 2026." in body
    assert "- New this week (1)" in body
    assert "- Resolved this week (1)" in body
    assert f"{SITE_URL}/reports/clinic-pack/?week=2026-03-09" in body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "<li>New this week (1)</li>" in html
    assert f'href="{SITE_URL}/reports/clinic-pack/?week=2026-03-09"' in html
    assert "Secret concern" not in body + html

    [(filename, content, content_type)] = email.attachments
    assert (filename, content_type) == ("clinic-pack-2026-03-09.pdf", "application/pdf")
    reader, text = pdf_text(content)
    assert reader.metadata.title == "Weekly clinic pack: week beginning 9 March 2026"
    assert AUTHORITY in text
    assert "9 March 2026 to 15 March 2026" in text
    assert "New one" in text and "Resolved this week" in text
    assert "Made for Sian Service" in text
    # The restricted child is in no one's pack.
    assert "Secret concern" not in text and "Rory Hidden" not in text

    row = Notification.objects.get(kind=Kind.CLINIC_PACK)
    assert row.status == Status.SENT and row.sent_at is not None
    assert row.key == f"clinic_pack:2026-03-09:{service_manager.pk}"
    assert row.url == f"{reverse('reports:clinic_pack')}?week=2026-03-09"
    sent = PackSending.objects.get()
    assert (sent.pack, sent.period_start, sent.recipients) == (
        PackKind.CLINIC_PACK,
        dt.date(2026, 3, 9),
        1,
    )
    assert JobHeartbeat.objects.get(name="clinic_pack").last_success_at == at(2026, 3, 16, 8)


@pytest.mark.usefixtures("february")
def test_the_themes_report_goes_on_the_first_working_day_after_a_weekend(service_manager):
    # 1 March 2026 is a Sunday: the report for February goes on Monday 2 March.
    assert run(tasks.send_themes_reports, at(2026, 3, 1, 9)) == {}
    assert run(tasks.send_themes_reports, at(2026, 3, 2, 8)) == {"2026-02-01": 1}
    [email] = mail.outbox
    assert email.subject == f"Monthly themes report: February 2026 ({AUTHORITY})"
    assert "for 1 February 2026 to 28 February 2026." in email.body
    assert "- Concern themes raised in the month: " in email.body
    assert f"{SITE_URL}/reports/themes/?month=2026-02" in email.body
    assert "Rory Hidden" not in email.body
    [(filename, content, content_type)] = email.attachments
    assert (filename, content_type) == ("themes-report-2026-02.pdf", "application/pdf")
    reader, text = pdf_text(content)
    assert reader.metadata.title == "Monthly themes report: February 2026"
    assert AUTHORITY in text
    assert "1 February 2026 to 28 February 2026" in text
    assert "Rory Hidden" not in text


def test_each_recipient_gets_a_pdf_of_their_own_figures(service_manager, head_of_service):
    setting = PackRecipients.objects.get(pack=PackKind.CLINIC_PACK)
    setting.people.add(head_of_service)
    run(tasks.send_clinic_packs, at(2026, 3, 16, 8))
    by_person = {email.to[0]: email for email in mail.outbox}
    assert set(by_person) == {service_manager.email, head_of_service.email}
    for person in (service_manager, head_of_service):
        [(_, content, _)] = by_person[person.email].attachments
        assert f"Made for {person.full_name}" in pdf_text(content)[1]
    assert Attachment.objects.count() == 2


# The calendar: bank holidays, missed days, running twice -----------------------------------------


@pytest.mark.parametrize(
    ("bank_holiday", "week_before"),
    [
        (dt.date(2025, 8, 25), dt.date(2025, 8, 18)),  # the summer bank holiday
        (dt.date(2025, 5, 5), dt.date(2025, 4, 28)),  # the early May bank holiday
    ],
)
def test_a_bank_holiday_monday_sends_the_clinic_pack_on_tuesday(
    managers, bank_holiday, week_before
):
    tuesday = bank_holiday + dt.timedelta(days=1)
    monday_8am = at(bank_holiday.year, bank_holiday.month, bank_holiday.day, 8)
    for hour in (8, 12, 17):
        assert run(tasks.send_clinic_packs, monday_8am.replace(hour=hour)) == {}
    assert mail.outbox == []
    assert run(tasks.send_clinic_packs, at(tuesday.year, tuesday.month, tuesday.day, 8)) == {
        week_before.isoformat(): 2
    }
    assert sent_to() == sorted(["rhys@x.org", managers.email])
    assert all("week beginning" in email.subject for email in mail.outbox)


def test_the_themes_report_after_new_years_day_goes_on_2_january(service_manager):
    # Thursday 1 January 2026 is a bank holiday: December's report goes on Friday 2 January.
    assert run(tasks.send_themes_reports, at(2026, 1, 1, 8)) == {}
    assert run(tasks.send_themes_reports, at(2026, 1, 2, 8)) == {"2025-12-01": 1}
    [email] = mail.outbox
    assert email.subject == f"Monthly themes report: December 2025 ({AUTHORITY})"
    assert "for 1 December 2025 to 31 December 2025." in email.body


def test_running_twice_or_all_day_sends_each_period_once(managers):
    for hour in (8, 8, 9, 13, 17):
        run(tasks.send_clinic_packs, at(2026, 3, 16, hour))
    # And on the days after, until the next Monday.
    for day in (17, 18, 19, 20):
        assert run(tasks.send_clinic_packs, at(2026, 3, day, 8)) == {}
    assert sent_to() == sorted(["rhys@x.org", managers.email])
    assert Notification.objects.filter(kind=Kind.CLINIC_PACK).count() == 2
    assert PackSending.objects.count() == 1
    # The next Monday sends the next week's.
    assert run(tasks.send_clinic_packs, at(2026, 3, 23, 8)) == {"2026-03-16": 2}


def test_a_run_cut_short_is_finished_by_the_next_without_sending_twice(managers):
    """The first run queued one manager's pack and died: the next queues only the other's."""
    monday = dt.date(2026, 3, 9)
    with time_machine.travel(at(2026, 3, 16, 8), tick=False):
        PackSending.objects.create(pack=PackKind.CLINIC_PACK, period_start=monday)
        with transaction.atomic():
            outbox.notify(sending.clinic_pack_message(managers, monday))
    assert run(tasks.send_clinic_packs, at(2026, 3, 16, 9)) == {"2026-03-09": 1}
    assert sent_to() == sorted(["rhys@x.org", managers.email])
    assert PackSending.objects.get().recipients == 2


def test_a_day_the_job_missed_is_caught_up_on_the_next_working_day(service_manager):
    # The worker was down all Monday: Tuesday's first run sends last week's pack.
    assert run(tasks.send_clinic_packs, at(2026, 3, 17, 10)) == {"2026-03-09": 1}
    # The themes report due on Monday 2 March, missed, goes on Tuesday 3 March.
    assert run(tasks.send_themes_reports, at(2026, 3, 3, 8)) == {"2026-02-01": 1}
    assert len(mail.outbox) == 2


def test_a_period_is_recorded_once(db):
    PackSending.objects.create(pack=PackKind.CLINIC_PACK, period_start=dt.date(2026, 3, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        PackSending.objects.create(pack=PackKind.CLINIC_PACK, period_start=dt.date(2026, 3, 9))


def test_the_beat_schedule_runs_both_packs_from_8_every_day():
    schedule = app.conf.beat_schedule
    assert schedule["clinic-pack"]["task"] == tasks.send_clinic_packs.name
    assert schedule["themes-report"]["task"] == tasks.send_themes_reports.name
    for name in ("clinic-pack", "themes-report"):
        assert schedule[name]["schedule"] == crontab(hour="8-17", minute=0)


# Who gets them -----------------------------------------------------------------------------------


def test_by_default_the_reviewing_service_managers_get_both_packs(managers, iro, head_of_service):
    for pack in sending.PACKS.values():
        setting = PackRecipients.objects.get(pack=pack.kind)
        assert [role.code for role in setting.roles.all()] == [RoleCode.REVIEWING_SERVICE_MANAGER]
        assert [person.full_name for person in sending.recipients(pack)] == [
            "Rhys Second",
            "Sian Service",
        ]


def test_with_no_setting_at_all_the_reviewing_service_managers_get_them(managers):
    PackRecipients.objects.all().delete()
    assert len(sending.recipients(sending.CLINIC_PACK)) == 2


@pytest.fixture
def admin_user(db):
    return UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True
    )


def change_page(setting):
    return reverse("admin:dashboards_packrecipients_change", args=[setting.pk])


def post_setting(client, setting, roles, people):
    setting.refresh_from_db()
    return client.post(
        change_page(setting),
        {"roles": roles, "people": [p.pk for p in people], "edit_version": setting.lock_version},
    )


def test_an_administrator_sets_who_gets_a_pack_and_the_change_is_audited(
    client, admin_user, managers, head_of_service, iro
):
    client.force_login(admin_user)
    setting = PackRecipients.objects.get(pack=PackKind.CLINIC_PACK)
    assert client.get(change_page(setting)).status_code == 200
    # The clinic pack: the IROs by role (the clinic is theirs) and the Head of Service by name.
    response = post_setting(client, setting, [RoleCode.IRO], [head_of_service])
    assert response.status_code == 302
    assert {p.full_name for p in sending.recipients(sending.CLINIC_PACK)} == {
        "Ira Reviewer",
        "Hana Head",
    }
    entries = list(LogEntry.objects.get_for_object(setting).order_by("pk"))
    assert {entry.actor for entry in entries} == {admin_user}
    m2m = [
        (name, change["operation"], change["objects"])
        for entry in entries
        for name, change in entry.changes.items()
    ]
    assert m2m == [
        ("roles", "delete", ["Reviewing Service Manager"]),
        ("roles", "add", ["Independent Reviewing Officer"]),
        ("people", "add", ["Hana Head"]),
    ]
    run(tasks.send_clinic_packs, at(2026, 3, 16, 8))
    assert sent_to() == sorted([iro.email, head_of_service.email])


def test_a_person_or_role_that_may_not_see_the_figures_is_refused(
    client, admin_user, social_worker, team_manager, iro
):
    client.force_login(admin_user)
    themes = PackRecipients.objects.get(pack=PackKind.THEMES_REPORT)
    # An IRO may see the clinic pack but not the themes report (the dashboards' figures).
    response = post_setting(client, themes, [RoleCode.SOCIAL_WORKER, RoleCode.IRO], [iro])
    assert response.status_code == 200
    page = response.content.decode()
    assert "People with these roles may not see the monthly themes report" in page
    assert "Independent Reviewing Officer, Social Worker" in page
    assert "These people may not see the monthly themes report: Ira Reviewer." in page
    themes.refresh_from_db()
    assert [role.code for role in themes.roles.all()] == [RoleCode.REVIEWING_SERVICE_MANAGER]
    # A team manager sees neither the clinic pack nor the dashboards: not even offered.
    clinic = PackRecipients.objects.get(pack=PackKind.CLINIC_PACK)
    response = post_setting(client, clinic, [RoleCode.REVIEWING_SERVICE_MANAGER], [team_manager])
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not clinic.people.exists()


def test_someone_named_who_has_since_changed_job_is_not_sent_the_pack(head_of_service):
    setting = PackRecipients.objects.get(pack=PackKind.THEMES_REPORT)
    setting.roles.clear()
    setting.people.add(head_of_service)
    assert sending.recipients(sending.THEMES_REPORT) == [head_of_service]
    head_of_service.roles.set([Role.objects.get(code=RoleCode.SOCIAL_WORKER)])
    head_of_service = type(head_of_service).objects.get(pk=head_of_service.pk)
    assert sending.recipients(sending.THEMES_REPORT) == []
    assert run(tasks.send_themes_reports, at(2026, 3, 2, 8)) == {"2026-02-01": 0}
    assert mail.outbox == []


# /health/ ----------------------------------------------------------------------------------------


@pytest.fixture
def chase_running(db):
    def beat(now):
        for name in ("chase", "send_outbox"):
            JobHeartbeat.objects.update_or_create(
                name=name, defaults={"last_success_at": now - dt.timedelta(minutes=5)}
            )

    return beat


def health_of(client, settings, now):
    settings.HEALTH_TOKEN = "token-for-tests"
    with time_machine.travel(now, tick=False):
        response = client.get("/health/", headers={"X-Health-Token": "token-for-tests"})
    return response.status_code, response.json()


def test_health_shows_each_pack_and_is_degraded_when_a_period_passed_unsent(
    client, settings, service_manager, chase_running
):
    # Monday 16 March 2026: the pack is due at 08:00; not overdue until 10:00.
    monday_ten = at(2026, 3, 16, 10)
    chase_running(monday_ten)
    PackSending.objects.create(
        pack=PackKind.THEMES_REPORT,
        period_start=dt.date(2026, 2, 1),
        finished_at=at(2026, 3, 2, 8),
        recipients=1,
    )
    code, data = health_of(client, settings, monday_ten)
    assert code == 200
    assert data["periodic"]["clinic_pack"] == {
        "last_period_sent": None,
        "last_sent_at": None,
        "due_period": "2026-03-09",
        "overdue": False,
    }
    assert data["periodic"]["themes_report"]["overdue"] is False
    assert data["periodic"]["themes_report"]["last_period_sent"] == "2026-02-01"

    chase_running(at(2026, 3, 16, 10, 1))
    code, data = health_of(client, settings, at(2026, 3, 16, 10, 1))
    assert code == 503
    assert data["status"] == "degraded"
    assert data["periodic"]["clinic_pack"]["overdue"] is True

    run(tasks.send_clinic_packs, at(2026, 3, 16, 10, 2))
    chase_running(at(2026, 3, 16, 10, 3))
    code, data = health_of(client, settings, at(2026, 3, 16, 10, 3))
    assert code == 200
    assert data["periodic"]["clinic_pack"]["last_period_sent"] == "2026-03-09"
    assert data["periodic"]["clinic_pack"]["overdue"] is False
    assert data["jobs"]["clinic_pack"]["last_success_at"] == "2026-03-16T10:02:00+00:00"


def test_health_is_not_degraded_on_a_bank_holiday_monday(
    client, settings, service_manager, chase_running
):
    run(tasks.send_clinic_packs, at(2025, 8, 18, 8))
    run(tasks.send_themes_reports, at(2025, 8, 1, 8))
    chase_running(at(2025, 8, 25, 15))
    code, data = health_of(client, settings, at(2025, 8, 25, 15))
    assert (code, data["periodic"]["clinic_pack"]["due_period"]) == (200, "2025-08-11")
    chase_running(at(2025, 8, 26, 10, 30))
    code, data = health_of(client, settings, at(2025, 8, 26, 10, 30))
    assert (code, data["periodic"]["clinic_pack"]["due_period"]) == (503, "2025-08-18")


# Through a real worker and a real mail server ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_job_and_the_pdf_goes_as_a_mime_attachment(settings, service_manager):
    """The scheduler's task on a real Celery worker, on Monday 16 March 2026 just after 08:00;
    the outbox sends through the SMTP backend to a mail server on 127.0.0.1."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    with (
        Sink() as sink,
        time_machine.travel(at(2026, 3, 16, 8, 0), tick=True),
        start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        settings.EMAIL_PORT = sink.port
        tasks.send_clinic_packs.delay()
        # The job wakes the sender when it commits; the worker sends it next.
        wait_for(lambda: sink.received == 1, seconds=60)
        wait_for(lambda: Notification.objects.filter(status=Status.SENT).exists())
    [message] = sink.messages
    assert message["To"] == service_manager.email
    subject = " ".join(message["Subject"].split())  # the server's copy has it folded
    assert subject == f"Weekly clinic pack: week beginning 9 March 2026 ({AUTHORITY})"
    assert message.get_content_type() == "multipart/mixed"
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "clinic-pack-2026-03-09.pdf"
    reader, text = pdf_text(pdf.get_payload(decode=True))
    assert reader.metadata.title == "Weekly clinic pack: week beginning 9 March 2026"
    assert AUTHORITY in text and "9 March 2026 to 15 March 2026" in text
    assert PackSending.objects.get().finished_at is not None


def test_administrators_see_a_packs_file_with_its_message_in_the_admin(
    client, admin_user, service_manager
):
    run(tasks.send_clinic_packs, at(2026, 3, 16, 8))
    row = Notification.objects.get(kind=Kind.CLINIC_PACK)
    client.force_login(admin_user)
    page = client.get(reverse("admin:notifications_notification_change", args=[row.pk]))
    assert page.status_code == 200
    assert "clinic-pack-2026-03-09.pdf (" in page.content.decode()
