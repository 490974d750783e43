"""Retention: closed concerns are archived after CONCERN_ARCHIVE_AFTER_DAYS, and
`manage.py anonymise_expired` removes personal details RETENTION_YEARS after a concern closed (and
after a child's record closed), keeping what the figures need."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases import services as case_services
from cases.models import Child, ChildLog, KeyDate
from escalations import services
from escalations.models import (
    Attachment,
    Concern,
    ConcernState,
    Discussion,
    Event,
    ExternalAgencyNote,
    Outcome,
    Stage,
    SubConcern,
    Task,
)
from notifications.models import Notification
from prp.models import ProtocolCategory, RoleCode
from records import retention
from records.retention import REMOVED
from records.tasks import archive_closed_concerns
from tests.builders import allocate
from tests.factories import ChildFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)  # Wednesday 4 March 2026


def at(year, month, day) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=LONDON)


def closed_concern(iro, children, protocol, manager, on: dt.datetime, *, title: str) -> Concern:
    """A concern raised, answered and resolved on one day, with a bit of everything on it."""
    with time_machine.travel(on, tick=False):
        concern = services.concern_create_draft(
            raised_by=iro, children=children, title=title, start_level=1
        )
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=ProtocolCategory.objects.filter(protocol=protocol).first(),
            description=f"{title}: no permanence plan for Amara",
            impact_on_child="Amara does not know where she will live",
            child_views="Wants to stay with her carers",
        )
        services.discussion_add(
            concern=concern,
            by=iro,
            held_on=on.date(),
            held_with="Tom Manager",
            summary="Talked about Amara's plan",
        )
        services.attachment_add(
            concern=concern, by=iro, upload=SimpleUploadedFile("amara-letter.pdf", b"%PDF-1.4")
        )
        concern = Concern.objects.get(pk=concern.pk)
        stage = services.concern_raise(
            concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=manager
        )
        task = stage.tasks.get()
        services.task_respond(
            task=task,
            by=manager,
            lock_version=task.lock_version,
            response_option=None,
            response="We will hold a meeting about Amara",
        )
        concern = Concern.objects.get(pk=concern.pk)
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.RESOLVED,
            comments="Amara's plan agreed",
            legal_advice_sought=False,
            cafcass_considered=False,
        )
    return Concern.objects.get(pk=concern.pk)


def run(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_expired", *args, stdout=out)
    return out.getvalue()


# Archiving ---------------------------------------------------------------------------------------


@pytest.fixture
def old_and_new(gloucestershire, child, iro, team_manager):
    old = closed_concern(iro, [child], gloucestershire, team_manager, at(2025, 1, 8), title="Old")
    new = closed_concern(iro, [child], gloucestershire, team_manager, at(2025, 6, 4), title="New")
    return old, new


def test_concerns_closed_more_than_a_year_ago_are_archived(old_and_new):
    old, new = old_and_new
    assert settings.CONCERN_ARCHIVE_AFTER_DAYS == 365
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("archive_closed_concerns", stdout=out)
    assert "1 concerns closed more than 365 days ago archived." in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.archived_at == NOW and new.archived_at is None
    event = Event.objects.get(concern=old, kind=Event.Kind.ARCHIVED)
    assert event.actor is None
    # Running again changes nothing.
    with time_machine.travel(NOW, tick=False):
        assert archive_closed_concerns() == 0
    assert Event.objects.filter(kind=Event.Kind.ARCHIVED).count() == 1


def test_the_period_is_a_setting_and_the_job_is_scheduled_daily(old_and_new, settings):
    assert settings.CELERY_BEAT_SCHEDULE["archive-closed-concerns"]["task"] == (
        "prp.archive_closed_concerns"
    )
    settings.CONCERN_ARCHIVE_AFTER_DAYS = 30
    with time_machine.travel(NOW, tick=False):
        assert archive_closed_concerns() == 2


def test_a_referral_still_tracked_is_never_archived(gloucestershire, child, iro, team_manager):
    with time_machine.travel(at(2024, 1, 10), tick=False):
        concern = services.concern_create_draft(
            raised_by=iro, children=[child], title="Referred", start_level=1
        )
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=ProtocolCategory.objects.filter(protocol=gloucestershire).first(),
            description="x",
            impact_on_child="y",
        )
        concern = Concern.objects.get(pk=concern.pk)
        services.concern_raise(
            concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
        )
        concern = Concern.objects.get(pk=concern.pk)
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.REFER_CAFCASS,
            comments="To CAFCASS",
            legal_advice_sought=True,
            cafcass_considered=True,
            cafcass_consulted=UserFactory(roles=[RoleCode.REVIEWING_SERVICE_MANAGER]),
            cafcass_consulted_on=concern.opened_on,
        )
    with time_machine.travel(NOW, tick=False):
        assert archive_closed_concerns() == 0
    assert Concern.objects.get(pk=concern.pk).state == ConcernState.REFERRED


def test_archived_concerns_leave_working_lists_but_stay_on_the_childs_page(
    client, old_and_new, iro, team_manager, child
):
    old, new = old_and_new
    with time_machine.travel(NOW, tick=False):
        archive_closed_concerns()
        client.force_login(iro)
        for query in ("?scope=mine&state=any", "?scope=all&state=closed", "?state=resolved"):
            page = client.get(reverse("escalations:concern_list") + query).content.decode()
            assert new.reference in page and old.reference not in page
        # The dashboard's links count archived concerns, so the list behind them shows them.
        query = "?scope=all&state=closed&archived=include"
        page = client.get(reverse("escalations:concern_list") + query).content.decode()
        assert old.reference in page and "Including archived concerns" in page

        page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        row = page.split(old.reference, 1)[1].split("</tr>", 1)[0]
        assert 'govuk-tag--grey">Archived</strong>' in row
        assert "Archived" not in page.split(new.reference, 1)[1].split("</tr>", 1)[0]
        page = client.get(reverse("escalations:concern_detail", args=[old.pk])).content.decode()
        assert 'govuk-tag--grey">Archived</strong>' in page

        client.force_login(team_manager)
        query = reverse("escalations:task_inbox") + "?show=all"
        page = client.get(query).content.decode()
        assert new.reference in page and old.reference not in page


def test_the_dashboard_still_counts_archived_concerns(client, old_and_new, service_manager):
    from dashboards.metrics import Filters, resolved_informally

    period = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
    with time_machine.travel(NOW, tick=False):
        before = resolved_informally(service_manager, period)
        assert archive_closed_concerns() == 1
        after = resolved_informally(service_manager, period)
        client.force_login(service_manager)
        page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert before.whole == after.whole == 2
    assert "archived=include" in page


# Anonymising -------------------------------------------------------------------------------------


@pytest.fixture
def expired(gloucestershire, child, iro, team_manager):
    """A concern closed 7 years ago (past retention) and one closed 5 years ago (not)."""
    old = closed_concern(
        iro, [child], gloucestershire, team_manager, at(2019, 2, 6), title="Seven years"
    )
    recent = closed_concern(
        iro, [child], gloucestershire, team_manager, at(2021, 2, 3), title="Five years"
    )
    return old, recent


def snapshot() -> dict:
    """Every value anonymising could touch, to show a dry run changes none of them."""
    return {
        "concerns": list(Concern.objects.values_list("title", "anonymised_at", "archived_at")),
        "subs": list(SubConcern.objects.values_list("description", "impact_on_child")),
        "discussions": list(Discussion.objects.values_list("held_with", "summary")),
        "tasks": list(Task.objects.values_list("response", flat=True)),
        "stages": list(Stage.objects.values_list("outcome_comments", flat=True)),
        "events": list(Event.objects.values_list("summary", flat=True)),
        "files": list(Attachment.objects.values_list("original_name", "content_removed_at")),
        "children": list(Child.objects.values_list("first_name", "last_name", "reference")),
        "messages": list(Notification.objects.values_list("subject", "body_text")),
        "logs": list(ChildLog.objects.values_list("summary", flat=True)),
    }


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(expired):
    before = snapshot()
    out = run()
    assert "Retention: 6 years" in out
    assert "concerns closed before 4 March 2020 (1)" in out
    assert "escalations.SubConcern: 1" in out
    assert "escalations.Discussion: 1" in out
    assert "attachment files: 1" in out
    assert "audit entries: " in out
    assert "This was a dry run: nothing was changed." in out
    assert snapshot() == before


def test_apply_removes_the_free_text_of_a_concern_closed_7_years_ago(expired):
    old, _ = expired
    file = Attachment.objects.get(concern=old)
    stored = file.file.name
    assert file.file.storage.exists(stored)

    out = run("--apply")

    assert "Anonymised (rows changed):" in out
    old = Concern.objects.get(pk=old.pk)
    assert old.title == REMOVED and old.anonymised_at == NOW and old.archived_at == NOW
    sub = SubConcern.objects.get(concern=old)
    assert (sub.description, sub.impact_on_child, sub.child_views) == (REMOVED,) * 3
    discussion = Discussion.objects.get(concern=old)
    assert (discussion.held_with, discussion.summary) == (REMOVED, REMOVED)
    assert Task.objects.get(stage__concern=old).response == REMOVED
    assert Stage.objects.get(concern=old).outcome_comments == REMOVED
    # The history keeps what happened and when, in plain words.
    events = Event.objects.filter(concern=old)
    assert not events.filter(summary__contains="Amara").exists()
    assert events.filter(kind=Event.Kind.RESOLVED, summary="Resolved").exists()
    assert events.filter(kind=Event.Kind.ANONYMISED, actor=None).exists()
    # The file's content is gone; its row stays, marked.
    file.refresh_from_db()
    assert file.content_removed_at == NOW and file.original_name == REMOVED
    assert not file.file.storage.exists(stored)
    # Messages about it lose their words.
    assert not Notification.objects.filter(concern=old).exclude(subject=REMOVED).exists()
    # What the figures need stays.
    assert (old.state, old.opened_on, old.closed_on) == (
        ConcernState.RESOLVED,
        dt.date(2019, 2, 6),
        dt.date(2019, 2, 6),
    )
    assert sub.category_id is not None
    assert Stage.objects.get(concern=old).outcome == Outcome.RESOLVED
    # The child's history says what was done.
    assert ChildLog.objects.filter(
        summary=f"{old.reference}: free text and files removed under the retention schedule."
    ).exists()
    # The audit trail keeps who did what and when, but not its copies of the words.
    assert audit_entries_mentioning("Seven years") == []
    assert LogEntry.objects.filter(object_id=old.pk, object_repr=REMOVED).exists()
    assert audit_entries_mentioning("Five years")


def audit_entries_mentioning(text: str) -> list[LogEntry]:
    return [
        entry
        for entry in LogEntry.objects.all()
        if text in entry.object_repr or text in json.dumps(entry.changes or {})
    ]


def test_a_concern_closed_5_years_ago_is_kept(expired):
    _, recent = expired
    run("--apply")
    recent = Concern.objects.get(pk=recent.pk)
    assert recent.title == "Five years" and recent.anonymised_at is None
    assert SubConcern.objects.get(concern=recent).description.startswith("Five years")
    assert Attachment.objects.get(concern=recent).content_removed_at is None
    assert Notification.objects.filter(concern=recent).exclude(subject=REMOVED).exists()


def test_running_again_does_nothing_more(expired):
    run("--apply")
    after = snapshot()
    out = run("--apply")
    assert "Nothing to anonymise." in out
    assert snapshot() == after
    assert Event.objects.filter(kind=Event.Kind.ANONYMISED).count() == 1


def test_a_childs_identifiers_go_once_their_record_and_concerns_are_past_retention(
    gloucestershire, iro, team, social_worker, team_manager
):
    gone = allocate(
        ChildFactory(first_name="Gina", last_name="Gone", date_of_birth=dt.date(2005, 7, 19)),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    kept = allocate(
        ChildFactory(first_name="Kim", last_name="Kept"),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    closed_concern(iro, [gone], gloucestershire, team_manager, at(2019, 2, 6), title="Gina")
    closed_concern(iro, [kept], gloucestershire, team_manager, at(2021, 2, 3), title="Kim")
    with time_machine.travel(at(2019, 3, 1), tick=False):
        case_services.key_date_record(
            child=gone, by=iro, kind=KeyDate.Kind.LEFT_CARE, on=dt.date(2019, 3, 1), note="To Leeds"
        )
        services.external_agency_note_add(
            child=gone,
            by=iro,
            agency="Hill School",
            level="informal",
            summary="Gina's attendance",
            recorded_on=dt.date(2019, 3, 1),
        )
    # Both records closed more than 6 years ago; Kim still has a concern within retention.
    Child.objects.filter(pk__in=[gone.pk, kept.pk]).update(archived_at=at(2019, 3, 1))

    assert "children whose record closed before 4 March 2020" in run()
    run("--apply")

    gone = Child.objects.get(pk=gone.pk)
    assert (gone.full_name, gone.reference) == ("Name removed", f"REMOVED-{gone.pk}")
    assert gone.date_of_birth == dt.date(2005, 1, 1)
    assert gone.anonymised_at == NOW
    assert KeyDate.objects.get(child=gone).note == REMOVED
    assert KeyDate.objects.get(child=gone).on == dt.date(2019, 3, 1)
    note = ExternalAgencyNote.objects.get(child=gone)
    assert (note.summary, note.agency) == (REMOVED, "Hill School")
    assert gone.log.filter(summary__startswith="Record closed before 4 March 2020").exists()
    kept = Child.objects.get(pk=kept.pk)
    assert (kept.full_name, kept.anonymised_at) == ("Kim Kept", None)
    # Nor does the audit trail keep the child's name, reference or the text about them.
    assert audit_entries_mentioning("Gina") == []
    assert audit_entries_mentioning("Gone") == []
    assert audit_entries_mentioning("To Leeds") == []
    assert audit_entries_mentioning("Kept")


def test_the_retention_period_is_a_setting(expired, settings):
    settings.RETENTION_YEARS = 4
    plan = retention.plan(today=NOW.date())
    assert len(plan.concern_ids) == 2
    assert plan.cutoff == dt.date(2022, 3, 4)
