"""Issue 14 rule 13: the review cycle's other deadlines (seed 004, "Our Children's Reviews").

Before the next review (the one the schedule says is due): invitations 2 weeks before; the
social worker consults the child at least 20 working days before; the social worker's report to
the IRO 3 working days before an initial review and 5 before later ones; the IRO visits the child
before the review and records the note of the visit within 2 working days, never more than 5.
After a review: copies of the record sent within 20 working days.

Worked by hand from the England and Wales calendar: Good Friday 3 April and Easter Monday 6
April 2026, the early May bank holiday on 4 May 2026; Christmas 25 and 26 December 2025 and
1 January 2026.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import services
from cases.models import (
    ChildStatus,
    KeyDate,
    PlannedReview,
    PlannedStep,
    Review,
    ReviewStep,
)
from notifications.models import Kind, Notification
from prp.locking import StaleEdit
from reminders.chase import chase_scan
from tests.builders import allocate
from tests.factories import ChildFactory, UserFactory

D = dt.date
LONDON = ZoneInfo("Europe/London")
P = PlannedStep.Kind


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(at(day, hour), tick=False)


def planned_for(child) -> PlannedReview:
    return PlannedReview.objects.get(child=child, closed_on__isnull=True)


def dates(planned) -> dict:
    return {s.kind: s.due_on for s in planned.steps.all()}


def owners(planned) -> dict:
    return {s.kind: s.assignee for s in planned.steps.all()}


def step(planned, kind) -> PlannedStep:
    return planned.steps.get(kind=kind)


def complete(planned_step, by, done_on, note=""):
    fresh = PlannedStep.objects.get(pk=planned_step.pk)
    return services.planned_step_complete(
        step=fresh, by=by, lock_version=fresh.lock_version, done_on=done_on, note=note
    )


def date_data(name: str, day: dt.date) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


@pytest.fixture
def later_review(child, iro):
    """Amara came into care on Monday 8 December 2025; her first review was held on Wednesday
    7 January 2026 (recorded the next day), so the second is due by Tuesday 7 April 2026 (3
    months), the Tuesday after Easter."""
    with on(D(2026, 1, 8)):
        services.key_date_record(
            child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2025, 12, 8)
        )
        services.review_record(
            child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 1, 7)
        )
    return planned_for(child)


@pytest.fixture
def initial_review(child, iro):
    """Amara came into care on Thursday 19 March 2026: her first review is due by Monday 20
    April 2026 (20 working days, not counting Good Friday and Easter Monday)."""
    with on(D(2026, 3, 20)):
        services.key_date_record(
            child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=D(2026, 3, 19)
        )
    return planned_for(child)


@pytest.fixture
def cp_child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Cara", last_name="Plan", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


# Before the review: the dates ---------------------------------------------------------------


def test_seed_004_invitations_due_two_weeks_before_the_review(later_review):
    assert later_review.due_on == D(2026, 4, 7)
    # 14 calendar days before Tuesday 7 April 2026.
    assert step(later_review, P.INVITATIONS_SENT).due_on == D(2026, 3, 24)


def test_seed_004_invitations_two_weeks_before_a_bank_holiday_come_the_working_day_before(
    initial_review,
):
    assert initial_review.due_on == D(2026, 4, 20)
    # 14 days before Monday 20 April is Easter Monday 6 April: brought forward past Good Friday
    # to Thursday 2 April 2026.
    assert step(initial_review, P.INVITATIONS_SENT).due_on == D(2026, 4, 2)


def test_seed_004_social_worker_consults_the_child_at_least_20_working_days_before(later_review):
    # Counting back from Tuesday 7 April: 2, 1 April, 31, 30, 27 … 9 March (19), 6 March (20).
    assert step(later_review, P.CHILD_CONSULTED).due_on == D(2026, 3, 6)


def test_seed_004_reports_to_the_iro_5_working_days_before_a_later_review(later_review):
    assert later_review.initial is False
    # 2 April (1), 1 April (2), 31 March (3), 30 March (4), 27 March (5): Good Friday and Easter
    # Monday are not working days.
    assert step(later_review, P.DOCUMENTS_SENT).due_on == D(2026, 3, 27)


def test_seed_004_reports_to_the_iro_3_working_days_before_an_initial_review(initial_review):
    assert initial_review.initial is True
    # Before Monday 20 April: 17, 16, 15 April.
    assert step(initial_review, P.DOCUMENTS_SENT).due_on == D(2026, 4, 15)
    # 20 working days before Monday 20 April, across Easter: the day she came into care.
    assert step(initial_review, P.CHILD_CONSULTED).due_on == D(2026, 3, 19)


def test_seed_004_the_iro_visits_the_child_before_every_review(later_review):
    # The working day before Tuesday 7 April 2026 is Thursday 2 April (Easter in between).
    assert step(later_review, P.IRO_VISIT).due_on == D(2026, 4, 2)
    # The note counts from the visit: no date until it is recorded.
    assert step(later_review, P.VISIT_NOTE).due_on is None


def test_seed_004_each_step_has_its_owner_from_the_allocations(later_review, iro, social_worker):
    assert owners(later_review) == {
        P.CHILD_CONSULTED: social_worker,
        P.INVITATIONS_SENT: iro,
        P.DOCUMENTS_SENT: social_worker,
        P.IRO_VISIT: iro,
        P.VISIT_NOTE: iro,
    }


def test_seed_004_a_new_social_worker_takes_over_the_open_steps(later_review, iro, team):
    newcomer = UserFactory(full_name="Nia Newcomer", roles=["social_worker"])
    with on(D(2026, 1, 9)):
        complete(step(later_review, P.INVITATIONS_SENT), iro, D(2026, 1, 9))
        services.child_allocate(
            child=later_review.child,
            kind="social_worker",
            start_date=D(2026, 1, 9),
            recorded_by=iro,
            worker=newcomer,
        )
    got = owners(later_review)
    assert got[P.CHILD_CONSULTED] == newcomer
    assert got[P.DOCUMENTS_SENT] == newcomer
    assert got[P.INVITATIONS_SENT] == iro


# A child protection conference has its own set ------------------------------------------------


def test_seed_004_a_child_protection_conference_has_its_own_steps_before_it(
    cp_child, iro, social_worker
):
    # Strategy discussion Monday 2 March 2026: initial conference due by Monday 23 March
    # (15 working days).
    with on(D(2026, 3, 3)):
        services.key_date_record(
            child=cp_child, by=iro, kind=KeyDate.Kind.STRATEGY_DISCUSSION, on=D(2026, 3, 2)
        )
    planned = planned_for(cp_child)
    assert (planned.kind, planned.due_on, planned.initial) == (
        Review.Kind.CP_INITIAL,
        D(2026, 3, 23),
        True,
    )
    # No consultation 20 working days before, no IRO visit (the seed sets those for children
    # in care): the invitations, and the social worker's report to the chair.
    assert dates(planned) == {P.INVITATIONS_SENT: D(2026, 3, 9), P.DOCUMENTS_SENT: D(2026, 3, 18)}
    assert owners(planned) == {P.INVITATIONS_SENT: iro, P.DOCUMENTS_SENT: social_worker}
    # Held on 23 March: the first review conference (3 months, by Tuesday 23 June 2026) has
    # the later-review reports, 5 working days before.
    with on(D(2026, 3, 24)):
        conference = services.review_record(
            child=cp_child, by=iro, kind=Review.Kind.CP_INITIAL, held_on=D(2026, 3, 23)
        )
    planned.refresh_from_db()
    assert planned.held_review == conference and planned.closed_on == D(2026, 3, 23)
    following = planned_for(cp_child)
    assert (following.kind, following.due_on, following.initial) == (
        Review.Kind.CP_REVIEW,
        D(2026, 6, 23),
        False,
    )
    assert dates(following) == {P.INVITATIONS_SENT: D(2026, 6, 9), P.DOCUMENTS_SENT: D(2026, 6, 16)}
    # After a conference: no "update the care plan", and the copies of the record.
    assert {s.kind for s in conference.steps.all()} == {
        ReviewStep.Kind.DECISIONS_CIRCULATED,
        ReviewStep.Kind.FULL_RECORD,
        ReviewStep.Kind.DECISIONS_CONSIDERED,
        ReviewStep.Kind.COPIES_SENT,
    }


# Made, moved and closed with the schedule -----------------------------------------------------


def test_seed_004_the_steps_move_when_the_review_date_moves_and_done_ones_stay(later_review, iro):
    child = later_review.child
    with on(D(2026, 1, 12)):
        complete(step(later_review, P.INVITATIONS_SENT), iro, D(2026, 1, 12))
        # A change of carer on Monday 12 January: a review within 20 working days, by Monday
        # 9 February 2026, earlier than 7 April.
        services.key_date_record(
            child=child, by=iro, kind=KeyDate.Kind.CARER_CHANGE, on=D(2026, 1, 12)
        )
    later_review.refresh_from_db()
    assert later_review == planned_for(child)
    assert later_review.due_on == D(2026, 2, 9)
    got = dates(later_review)
    assert got[P.DOCUMENTS_SENT] == D(2026, 2, 2)  # 5 working days before
    assert got[P.IRO_VISIT] == D(2026, 2, 6)
    assert got[P.CHILD_CONSULTED] == D(2026, 1, 12)  # 20 working days before
    # Done stays done, on its date.
    done = step(later_review, P.INVITATIONS_SENT)
    assert done.done_on == D(2026, 1, 12) and done.due_on == D(2026, 3, 24)


def test_seed_004_holding_the_review_closes_its_preparation_and_plans_the_next(later_review, iro):
    child = later_review.child
    with on(D(2026, 4, 8)):
        held = services.review_record(
            child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 4, 7)
        )
    later_review.refresh_from_db()
    assert later_review.held_review == held
    assert later_review.closed_on == D(2026, 4, 7)
    following = planned_for(child)
    # The third review: within 6 months of 7 April 2026, by Wednesday 7 October 2026.
    assert following.due_on == D(2026, 10, 7)
    assert following.after_review == held
    # The first review's preparation (planned when she came into care) was held on 7 January.
    first = PlannedReview.objects.get(child=child, due_on=D(2026, 1, 8))
    assert first.held_review.held_on == D(2026, 1, 7)
    assert PlannedReview.objects.filter(child=child).count() == 3


def test_seed_004_imported_reviews_plan_the_next_one(child, iro):
    with on(D(2026, 1, 8)):
        services.child_record_history(
            child=child,
            by=None,
            key_dates={(KeyDate.Kind.CAME_INTO_CARE, D(2025, 12, 8))},
            reviews={(Review.Kind.CIC_REVIEW, D(2026, 1, 7))},
        )
    planned = planned_for(child)
    assert planned.due_on == D(2026, 4, 7)
    assert step(planned, P.DOCUMENTS_SENT).due_on == D(2026, 3, 27)


def test_a_child_no_longer_in_care_has_no_review_to_prepare(later_review):
    child = later_review.child
    child.status = ChildStatus.CHILD_IN_NEED
    child.save()
    with on(D(2026, 1, 9)):
        services.child_refresh_schedule(child=child)
    later_review.refresh_from_db()
    assert later_review.closed_on == D(2026, 1, 9)
    assert later_review.closed_reason == "No longer due"
    assert not PlannedReview.objects.filter(child=child, closed_on__isnull=True).exists()


# The IRO's visit note: 2 working days, at most 5 ----------------------------------------------


def test_seed_004_iro_visit_note_due_in_2_working_days_at_most_5(later_review, iro):
    with on(D(2026, 4, 2)):
        complete(step(later_review, P.IRO_VISIT), iro, D(2026, 4, 2))
    note = step(later_review, P.VISIT_NOTE)
    # Visit on Thursday 2 April: Good Friday and Easter Monday are closed, so 7 April (1),
    # 8 April (2); at most 9 (3), 10 (4), 13 April (5).
    assert note.due_on == D(2026, 4, 8)
    assert note.latest_on == D(2026, 4, 13)
    assert not note.is_beyond_latest_on(D(2026, 4, 13))
    assert note.is_beyond_latest_on(D(2026, 4, 14))
    with on(D(2026, 4, 14)):
        complete(note, iro, D(2026, 4, 14))
    note.refresh_from_db()
    assert note.is_done and note.is_beyond_latest_on(D(2026, 4, 20))


def test_seed_004_the_visit_note_waits_for_the_visit(later_review, iro):
    with on(D(2026, 3, 2)), pytest.raises(PermissionDenied):
        complete(step(later_review, P.VISIT_NOTE), iro, D(2026, 3, 2))


def test_the_visit_note_cannot_be_before_the_visit(later_review, iro):
    with on(D(2026, 3, 3)):
        complete(step(later_review, P.IRO_VISIT), iro, D(2026, 3, 3))
        with pytest.raises(ValidationError):
            complete(step(later_review, P.VISIT_NOTE), iro, D(2026, 3, 2))


# After the review: copies of the record within 20 working days --------------------------------


def test_seed_004_copies_of_the_record_sent_within_20_working_days(child, iro):
    with on(D(2026, 4, 2)):
        review = services.review_record(
            child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 4, 2)
        )
    copies = review.steps.get(kind=ReviewStep.Kind.COPIES_SENT)
    # Held Thursday 2 April 2026: Good Friday, Easter Monday and the early May bank holiday
    # (4 May) are not counted; the 20th working day is Tuesday 5 May 2026.
    assert copies.due_on == D(2026, 5, 5)
    assert copies.assignee == iro


# Marking done: audited, with lock_version ------------------------------------------------------


def test_marking_a_step_done_is_audited_and_refuses_a_stale_form(later_review, social_worker):
    consult = step(later_review, P.CHILD_CONSULTED)
    stale_version = consult.lock_version
    with on(D(2026, 3, 2)):
        done = complete(consult, social_worker, D(2026, 3, 2), note="Talked at school")
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(PlannedStep), object_id=consult.pk
        )
        assert entries.filter(action=LogEntry.Action.UPDATE).exists()
        assert done.done_by == social_worker
        with pytest.raises(StaleEdit):
            services.planned_step_complete(
                step=consult, by=social_worker, lock_version=stale_version, done_on=D(2026, 3, 2)
            )


def test_only_the_owner_or_their_colleagues_may_mark_a_step_done(later_review, outsider):
    with on(D(2026, 3, 2)), pytest.raises(PermissionDenied):
        complete(step(later_review, P.INVITATIONS_SENT), outsider, D(2026, 3, 2))


# Chased like the other steps -------------------------------------------------------------------


def test_seed_004_an_overdue_step_before_a_review_is_chased(later_review, social_worker, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    consult = step(later_review, P.CHILD_CONSULTED)  # due Friday 6 March 2026
    with on(D(2026, 3, 5)):
        chase_scan(at(D(2026, 3, 5)))
    reminder = Notification.objects.get(kind=Kind.REVIEW_STEP_DUE, key__contains=":planned:")
    assert reminder.recipient == social_worker
    assert reminder.key == f"review_step_due:planned:{consult.pk}:2026-03-05:{social_worker.pk}"
    assert "before " in reminder.body_text and "child in care review, due by 7 April 2026" in (
        reminder.body_text
    )
    assert reminder.url == reverse("cases:planned_step_complete", args=[consult.pk])
    for day in (9, 10, 11, 12):
        with on(D(2026, 3, day)):
            chase_scan(at(D(2026, 3, day)))
    chases = Notification.objects.filter(
        kind=Kind.REVIEW_STEP_OVERDUE, key__contains=f":planned:{consult.pk}:"
    ).order_by("id")
    # 1 working day late on Monday 9 March, 3 on Wednesday 11 March.
    assert [n.key.split(":")[3] for n in chases] == ["2026-03-09", "2026-03-11"]
    assert chases[0].recipient == social_worker
    assert "It was due on 6 March 2026 and is now 1 working day late." in chases[0].body_text
    with on(D(2026, 3, 13)):
        complete(consult, social_worker, D(2026, 3, 13))
    with on(D(2026, 3, 13)):
        chase_scan(at(D(2026, 3, 13)))
    assert chases.count() == 2


def test_seed_004_a_late_visit_note_is_chased_after_the_review_and_flagged_beyond_the_maximum(
    later_review, iro, settings
):
    settings.CHASE_EVERY_WORKING_DAYS = 5
    with on(D(2026, 4, 2)):
        complete(step(later_review, P.IRO_VISIT), iro, D(2026, 4, 2))
    with on(D(2026, 4, 7), 16):
        services.review_record(
            child=later_review.child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 4, 7)
        )
    note = step(later_review, P.VISIT_NOTE)
    with on(D(2026, 4, 9)):
        chase_scan(at(D(2026, 4, 9)))  # 1 working day late
    with on(D(2026, 4, 16)):
        chase_scan(at(D(2026, 4, 16)))  # 6 working days late, past 13 April
    chases = Notification.objects.filter(
        kind=Kind.REVIEW_STEP_OVERDUE, key__contains=f":planned:{note.pk}:"
    ).order_by("id")
    assert [n.key.split(":")[3] for n in chases] == ["2026-04-09", "2026-04-16"]
    assert "after your visit to" in chases[0].body_text
    assert "on 2 April 2026" in chases[0].body_text
    assert "It must be done by 13 April 2026 at the latest." in chases[0].body_text
    assert "beyond the maximum" in chases[1].body_text


# The pages -------------------------------------------------------------------------------------


def test_seed_004_the_reviews_page_lists_the_steps_who_by_when_and_what_is_overdue(
    client, later_review, social_worker
):
    client.force_login(social_worker)
    with on(D(2026, 3, 25)):
        page = client.get(reverse("cases:child_reviews", args=[later_review.child.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Before the next review" in html
    assert "Before the child in care review due by 7 April 2026" in html
    for text in (
        "Discuss the review with the child and consult them about invitations",
        "Send the invitations",
        "Send the social worker&#x27;s report and the plan",
        "Visit the child before the review",
        "Record the note of the visit",
        "When the visit is recorded",
        "6 March 2026",
        "24 March 2026",
        "27 March 2026",
        "2 April 2026",
        social_worker.full_name,
    ):
        assert text in html, text
    # Consult (6 March) and invitations (24 March) are overdue on 25 March.
    before = html.split('id="before-the-review"')[1].split('id="reviews"')[0]
    assert before.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>') == 2
    consult = step(later_review, P.CHILD_CONSULTED)
    assert reverse("cases:planned_step_complete", args=[consult.pk]) in html


def test_seed_004_a_step_is_marked_done_through_a_govuk_form(client, later_review, social_worker):
    consult = step(later_review, P.CHILD_CONSULTED)
    url = reverse("cases:planned_step_complete", args=[consult.pk])
    client.force_login(social_worker)
    with on(D(2026, 3, 4)):
        page = client.get(url).content.decode()
        assert "When did you talk with the child?" in page
        assert "6 March 2026" in page
        error = client.post(
            url, {**date_data("done_on", D(2026, 3, 5)), "lock_version": consult.lock_version}
        )
        assert error.status_code == 200
        assert "govuk-error-summary" in error.content.decode()
        done = client.post(
            url,
            {
                **date_data("done_on", D(2026, 3, 3)),
                "note": "Talked at school",
                "lock_version": consult.lock_version,
            },
        )
        assert done.status_code == 302
        consult.refresh_from_db()
        assert consult.done_on == D(2026, 3, 3)
        assert consult.done_by == social_worker
        again = client.get(url).content.decode()
        assert "This task is done" in again
        stale = client.post(
            url, {**date_data("done_on", D(2026, 3, 3)), "lock_version": consult.lock_version - 1}
        )
        assert stale.status_code == 200
        assert "changed by someone else" in stale.content.decode()


def test_seed_004_the_reviews_due_page_lists_my_tasks_before_a_review(
    client, later_review, social_worker
):
    client.force_login(social_worker)
    with on(D(2026, 3, 9)):
        html = client.get(reverse("cases:reviews_due")).content.decode()
    start = html.index(">Tasks before a review for you</h2>")
    section = html[start : html.index(">Post-review tasks for you</h2>")]
    consult = step(later_review, P.CHILD_CONSULTED)
    assert reverse("cases:planned_step_complete", args=[consult.pk]) in section
    assert "Before the child in care review due by 7 April 2026" in section
    # Consulting the child (6 March) is overdue on 9 March; the report (27 March) is not yet.
    assert section.count("Overdue") == 1
    assert "27 March 2026" in section
    # The IRO's tasks are not the social worker's.
    assert "Send the invitations" not in section
