"""Messages about reviews, the work after them, significant changes, QAPRs and their
recommendations: each on the right working day to the right person, never twice, held for the
next working morning when the scan runs at night or at a weekend, never about a restricted child
to someone who may not see them; and every message names the child and its dates in full."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from cases import services as case_services
from cases.models import Child, ChildLog, ChildStatus, KeyDate, Review, ReviewStep
from notifications.models import DIGESTIBLE, Kind, Notification
from notifications.services import render
from prp import workdays
from qapr import services as qapr_services
from qapr.models import Grade, Qapr, Recommendation, RiDecision, SectionRating, Variant
from reminders.chase import chase_scan
from reminders.review_chase import is_chase_day
from tests.builders import allocate, fresh
from tests.factories import ChildFactory, UserFactory

LONDON = ZoneInfo("Europe/London")

NEW_KINDS = [
    Kind.SIGNIFICANT_CHANGE,
    Kind.EARLY_REVIEW_DECISION,
    Kind.REVIEW_DECISIONS,
    Kind.AGREED_BY_SILENCE,
    Kind.REVIEW_STEP_DUE,
    Kind.REVIEW_STEP_OVERDUE,
    Kind.REVIEW_DUE,
    Kind.QAPR_DUE,
    Kind.QAPR_REOPENED,
    Kind.RECOMMENDATION_OVERDUE,
]


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def sent(kind, **filters):
    """(recipient, key day) of the messages of a kind, oldest first."""
    rows = Notification.objects.filter(kind=kind, **filters).order_by("id")
    return [(n.recipient.full_name, n.key.split(":")[3]) for n in rows]


def only(kind, **filters):
    return Notification.objects.get(kind=kind, **filters)


def step_of(review, kind):
    return review.steps.get(kind=kind)


def record_review(child, by, held_on, kind=Review.Kind.CIC_REVIEW):
    with time_machine.travel(at(held_on.year, held_on.month, held_on.day, 16), tick=False):
        return case_services.review_record(child=child, by=by, kind=kind, held_on=held_on)


def complete(step, by, done_on, outcome=ReviewStep.Outcome.DONE, note=""):
    step = fresh(step)
    with time_machine.travel(at(done_on.year, done_on.month, done_on.day, 7), tick=False):
        return case_services.review_step_complete(
            step=step,
            by=by,
            lock_version=step.lock_version,
            done_on=done_on,
            outcome=outcome,
            note=note,
        )


def prepare(child, on: dt.date) -> None:
    """Everything before the child's next review done on `on` (issue 14 rule 13), so only the
    messages a test is about are queued. The visit first: its note waits for it."""
    from cases.models import PlannedStep

    open_steps = PlannedStep.objects.filter(
        planned__child=child, planned__closed_on__isnull=True, done_on__isnull=True
    ).order_by("kind")
    visit_first = sorted(open_steps, key=lambda s: s.kind != PlannedStep.Kind.IRO_VISIT)
    with time_machine.travel(at(on.year, on.month, on.day, 7), tick=False):
        for planned_step in visit_first:
            planned_step = fresh(planned_step)
            case_services.planned_step_complete(
                step=planned_step,
                by=planned_step.assignee,
                lock_version=planned_step.lock_version,
                done_on=on,
            )


@pytest.fixture
def review(child, iro):
    """A child in care review of Amara's held on Monday 3 November 2025."""
    return record_review(child, iro, dt.date(2025, 11, 3))


# Work after a review ---------------------------------------------------------------------------


def test_the_steps_after_a_review_have_the_dates_the_rules_give(review, iro, social_worker):
    dates = {s.kind: (s.assignee, s.due_on) for s in review.steps.all()}
    assert dates == {
        ReviewStep.Kind.DECISIONS_CIRCULATED: (iro, dt.date(2025, 11, 10)),
        ReviewStep.Kind.FULL_RECORD: (iro, dt.date(2025, 11, 24)),
        ReviewStep.Kind.DECISIONS_CONSIDERED: (review.child.team.manager, None),
        ReviewStep.Kind.CARE_PLAN_UPDATED: (social_worker, dt.date(2025, 11, 17)),
        # Issue 14 rule 13 (seed 004): copies of the record within 20 working days.
        ReviewStep.Kind.COPIES_SENT: (iro, dt.date(2025, 12, 1)),
    }


@pytest.mark.parametrize("kind", [Review.Kind.CP_INITIAL, Review.Kind.CP_REVIEW])
def test_seed_004_a_child_protection_conference_has_its_own_steps_no_care_plan(child, iro, kind):
    conference = record_review(child, iro, dt.date(2025, 11, 3), kind=kind)
    assert {s.kind for s in conference.steps.all()} == {
        ReviewStep.Kind.DECISIONS_CIRCULATED,
        ReviewStep.Kind.FULL_RECORD,
        ReviewStep.Kind.DECISIONS_CONSIDERED,
        ReviewStep.Kind.COPIES_SENT,
    }


def test_a_step_is_reminded_the_working_day_before_and_on_the_day(review, iro):
    circulate = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)
    assert chase_scan(at(2025, 11, 6, 10)) == {}  # Thursday: two working days before
    assert chase_scan(at(2025, 11, 7, 10)) == {Kind.REVIEW_STEP_DUE: 1}
    reminder = only(Kind.REVIEW_STEP_DUE)
    assert reminder.recipient == iro
    assert reminder.child == review.child
    assert reminder.key == f"review_step_due:step:{circulate.pk}:2025-11-07:{iro.pk}"
    assert reminder.send_after == at(2025, 11, 7, 10)
    assert reminder.subject == (
        "Amara Okafor: circulate the review decisions (due on 10 November 2025)"
    )
    assert (
        "This is a reminder to circulate the review decisions after Amara Okafor's child in "
        "care review on 3 November 2025. It is due on 10 November 2025." in reminder.body_text
    )
    assert "you will be reminded every 2 working days" in reminder.body_text
    assert reminder.url == f"/children/review-steps/{circulate.pk}/"
    assert chase_scan(at(2025, 11, 7, 16)) == {}
    assert chase_scan(at(2025, 11, 10, 9)) == {Kind.REVIEW_STEP_DUE: 1}
    today = Notification.objects.filter(kind=Kind.REVIEW_STEP_DUE).latest("id")
    assert today.subject == (
        "Amara Okafor: circulate the review decisions (due today, 10 November 2025)"
    )
    assert today.body_text.startswith("Dear Ira Reviewer,\n\nToday, 10 November 2025, is the day")


def test_an_overdue_step_is_chased_every_n_working_days_until_done(review, iro, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    circulate = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)  # due Monday 10 November
    for day in range(11, 25):  # every day for two weeks, weekends included
        if day == 19:
            complete(circulate, iro, dt.date(2025, 11, 19))  # done on Wednesday 19 at 07:00
        chase_scan(at(2025, 11, day, 10))
    chases = Notification.objects.filter(
        kind=Kind.REVIEW_STEP_OVERDUE, key__contains=f":step:{circulate.pk}:"
    ).order_by("id")
    assert [(n.recipient, n.key.split(":")[3]) for n in chases] == [
        (iro, "2025-11-11"),  # Tuesday: 1 working day late
        (iro, "2025-11-13"),  # Thursday: 3
        (iro, "2025-11-17"),  # Monday: 5 (a weekend run works for Monday, and queues it once)
    ]
    assert [n.subject.split(" and is ")[1] for n in chases] == [
        "1 working day late",
        "3 working days late",
        "5 working days late",
    ]
    assert chases[0].subject == (
        'Amara Okafor: "Circulate the review decisions" was due on 10 November 2025 and is 1 '
        "working day late"
    )
    assert "It was due on 10 November 2025 and is now 3 working days late." in (chases[1].body_text)


def test_the_chase_day_counts_working_days_from_the_due_date(db, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 3
    due = dt.date(2025, 12, 23)  # Tuesday before Christmas
    chase_days = [
        day
        for day in (due + dt.timedelta(days=n) for n in range(1, 20))
        if workdays.is_working_day(day) and is_chase_day(due, day)
    ]
    # Working days after 23 December 2025: 24, 29 (Christmas and Boxing Day are closed), 30,
    # 31, 2 January (New Year's Day is closed), 5, 6, 7, 8, 9: chased on the 1st, 4th, 7th and
    # 10th.
    assert chase_days == [
        dt.date(2025, 12, 24),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 6),
        dt.date(2026, 1, 9),
    ]


def test_a_weekend_run_queues_for_monday_morning_and_monday_adds_nothing(review, iro):
    # Saturday 8 November works for Monday 10, the day the decisions are due to be circulated.
    assert chase_scan(at(2025, 11, 8, 10)) == {Kind.REVIEW_STEP_DUE: 1}
    note = only(Kind.REVIEW_STEP_DUE)
    assert note.send_after == at(2025, 11, 10, 8)
    assert "due today, 10 November 2025" in note.subject
    assert chase_scan(at(2025, 11, 9, 23)) == {}
    assert chase_scan(at(2025, 11, 10, 7)) == {}
    assert chase_scan(at(2025, 11, 10, 11)) == {}
    assert Notification.objects.filter(kind=Kind.REVIEW_STEP_DUE).count() == 1


# Review decisions: consider them in time, or they are taken as agreed ---------------------------


def test_decisions_not_considered_in_time_are_taken_as_agreed(review, iro, team_manager):
    circulate = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)
    consider = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    complete(circulate, iro, dt.date(2025, 11, 10))
    consider = fresh(consider)
    assert consider.due_on == dt.date(2025, 11, 17)  # 5 working days from receiving them
    decisions = only(Kind.REVIEW_DECISIONS)
    assert decisions.recipient == team_manager
    assert decisions.subject == "Amara Okafor: consider the review decisions by 17 November 2025"
    assert (
        "Consider the decisions from Amara Okafor's review of 3 November 2025 by 17 November "
        "2025. If you do not reply by then, they will be taken as agreed." in decisions.body_text
    )

    # The working day before, and on the day, the team manager is reminded.
    chase_scan(at(2025, 11, 14, 10))
    chase_scan(at(2025, 11, 17, 10))
    assert sent(Kind.REVIEW_STEP_DUE, recipient=team_manager) == [
        ("Tom Manager", "2025-11-14"),
        ("Tom Manager", "2025-11-17"),
    ]
    reminder = Notification.objects.filter(recipient=team_manager, kind=Kind.REVIEW_STEP_DUE)[0]
    assert "if you do not reply by 17 November 2025, the decisions will be taken as agreed" in (
        reminder.body_text
    )
    assert fresh(consider).done_on is None

    # The night after the deadline the silence is taken as agreement, for Tuesday morning.
    counts = chase_scan(at(2025, 11, 17, 20))
    assert counts[Kind.AGREED_BY_SILENCE] == 2
    consider = fresh(consider)
    assert consider.done_on == dt.date(2025, 11, 17)
    assert consider.outcome == ReviewStep.Outcome.AGREED_BY_SILENCE
    assert consider.note == "No reply by 17 November 2025: taken as agreed."
    assert ChildLog.objects.filter(
        child=review.child, actor=None, summary__contains="taken as agreed"
    ).exists()
    agreed = {n.recipient: n for n in Notification.objects.filter(kind=Kind.AGREED_BY_SILENCE)}
    assert set(agreed) == {team_manager, iro}  # the team manager and the chair
    assert {n.send_after for n in agreed.values()} == {at(2025, 11, 18, 8)}
    assert agreed[team_manager].subject == (
        "Amara Okafor: the decisions from the review of 3 November 2025 have been taken as agreed"
    )
    assert agreed[team_manager].body_text.startswith(
        "Dear Tom Manager,\n\nYou did not record whether you agree with the decisions from Amara "
        "Okafor's review of 3 November 2025 by 17 November 2025."
    )
    assert "Tom Manager did not record whether they agree" in agreed[iro].body_text
    # Agreed decisions are never chased as overdue, and the morning run adds nothing.
    assert not Notification.objects.filter(
        kind=Kind.REVIEW_STEP_OVERDUE, key__contains=f":step:{consider.pk}:"
    ).exists()
    assert chase_scan(at(2025, 11, 18, 9)).get(Kind.AGREED_BY_SILENCE) is None
    assert Notification.objects.filter(kind=Kind.AGREED_BY_SILENCE).count() == 2


def test_decisions_considered_in_time_are_not_taken_as_agreed(review, iro, team_manager):
    complete(step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED), iro, dt.date(2025, 11, 10))
    consider = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    complete(
        consider,
        team_manager,
        dt.date(2025, 11, 14),
        ReviewStep.Outcome.NOT_AGREED,
        note="The contact plan needs to change.",
    )
    chase_scan(at(2025, 11, 18, 10))
    assert fresh(consider).outcome == ReviewStep.Outcome.NOT_AGREED
    assert not Notification.objects.filter(kind=Kind.AGREED_BY_SILENCE).exists()


# Reviews and QAPRs coming due ------------------------------------------------------------------


@pytest.fixture
def came_into_care(child, iro):
    """Amara came into care on Monday 3 November 2025: her first review is due within 20 working
    days, by Monday 1 December."""
    with time_machine.travel(at(2025, 11, 3, 12), tick=False):
        case_services.key_date_record(
            child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=dt.date(2025, 11, 3)
        )
    child.refresh_from_db()
    assert child.review_due_on == dt.date(2025, 12, 1)
    prepare(child, dt.date(2025, 11, 3))
    return child


def test_the_reviewing_officer_hears_10_working_days_before_a_review_is_due(came_into_care, iro):
    assert chase_scan(at(2025, 11, 14, 10)) == {}  # 11 working days before
    assert chase_scan(at(2025, 11, 17, 10)) == {Kind.REVIEW_DUE: 1}
    heads_up = only(Kind.REVIEW_DUE)
    assert heads_up.recipient == iro
    assert heads_up.key == f"review_due:child:{came_into_care.pk}:2025-11-17:{iro.pk}:2025-12-01"
    assert heads_up.subject == (
        "Amara Okafor: the next child in care review is due by 1 December 2025"
    )
    assert "Amara Okafor's next child in care review is due by 1 December 2025, in 10 working" in (
        heads_up.body_text
    )
    assert (
        "Why it is due: First review: within 20 working days of coming into care on "
        "3 November 2025" in heads_up.body_text
    )
    assert heads_up.url == f"/children/{came_into_care.pk}/reviews/"
    assert chase_scan(at(2025, 11, 17, 15)) == {}
    for day in (18, 19, 20, 21, 24, 25, 26, 27, 28):
        assert chase_scan(at(2025, 11, day, 10)) == {}
    assert chase_scan(at(2025, 12, 1, 10)) == {}  # the day it is due: not late yet


def test_an_overdue_review_is_chased_every_n_working_days(came_into_care, iro, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    for day in range(1, 10):
        chase_scan(at(2025, 12, day, 10))
    assert sent(Kind.REVIEW_DUE) == [
        ("Ira Reviewer", "2025-12-02"),  # 1 working day late
        ("Ira Reviewer", "2025-12-04"),  # 3
        ("Ira Reviewer", "2025-12-08"),  # 5 (a weekend run works for Monday)
    ]
    last = Notification.objects.filter(kind=Kind.REVIEW_DUE).latest("id")
    assert last.subject == (
        "Amara Okafor: the child in care review is overdue, it was due by 1 December 2025"
    )
    assert "It is now 5 working days late." in last.body_text


def test_a_review_is_not_chased_once_it_is_held(came_into_care, iro):
    record_review(came_into_care, iro, dt.date(2025, 12, 1))
    assert chase_scan(at(2025, 12, 2, 10)).get(Kind.REVIEW_DUE) is None


@pytest.mark.parametrize(
    "change", [{"status": ChildStatus.CHILD_IN_NEED}, {"archived_at": at(2025, 11, 10)}]
)
def test_no_review_messages_for_a_child_not_in_care_or_archived(came_into_care, change):
    Child.objects.filter(pk=came_into_care.pk).update(**change)
    assert chase_scan(at(2025, 11, 17, 10)) == {}


@pytest.fixture
def cp_child(team, social_worker, iro):
    """Leo is on a protection plan: his initial conference was on Monday 3 November 2025, so
    his first review conference, and a QAPR, are due by Tuesday 3 February 2026."""
    leo = allocate(
        ChildFactory(first_name="Leo", last_name="Brown", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )
    review = record_review(leo, iro, dt.date(2025, 11, 3), kind=Review.Kind.CP_INITIAL)
    # Everything after the conference was done in time (so only the due dates are messaged).
    complete(step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED), iro, dt.date(2025, 11, 5))
    for kind, outcome in (
        (ReviewStep.Kind.DECISIONS_CONSIDERED, ReviewStep.Outcome.AGREED),
        (ReviewStep.Kind.FULL_RECORD, ReviewStep.Outcome.DONE),
        (ReviewStep.Kind.COPIES_SENT, ReviewStep.Outcome.DONE),
    ):  # a conference has no care plan step (seed 004)
        step = step_of(review, kind)
        complete(step, step.assignee, dt.date(2025, 11, 6), outcome)
    leo.refresh_from_db()
    assert (leo.review_due_on, leo.qapr_due_on) == (dt.date(2026, 2, 3), dt.date(2026, 2, 3))
    prepare(leo, dt.date(2025, 11, 6))
    return leo


def test_the_reviewing_officer_hears_before_a_conference_and_a_qapr_are_due(cp_child, iro):
    # Tuesday 20 January 2026 is 10 working days before 3 February.
    assert workdays.add_working_days(dt.date(2026, 1, 20), 10) == dt.date(2026, 2, 3)
    assert chase_scan(at(2026, 1, 20, 10)) == {Kind.REVIEW_DUE: 1, Kind.QAPR_DUE: 1}
    conference = only(Kind.REVIEW_DUE)
    assert conference.subject == (
        "Leo Brown: the next child protection conference is due by 3 February 2026"
    )
    qapr_due = only(Kind.QAPR_DUE)
    assert qapr_due.recipient == iro
    assert qapr_due.subject == "Leo Brown: a QAPR is due by 3 February 2026"
    assert (
        "A quality assurance progress review (QAPR) for Leo Brown is due by 3 February 2026, in "
        "10 working days." in qapr_due.body_text
    )
    assert "start the QAPR in" in qapr_due.body_text
    assert qapr_due.url == "/qapr/"
    assert chase_scan(at(2026, 1, 20, 17)) == {}


def test_an_overdue_qapr_names_the_draft_and_links_to_it(cp_child, iro, settings):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    with time_machine.travel(at(2026, 2, 2, 12), tick=False):
        draft = qapr_services.qapr_start(child=cp_child, by=iro)
    record_review(cp_child, iro, dt.date(2026, 2, 3), kind=Review.Kind.CP_REVIEW)
    cp_child.refresh_from_db()
    # The conference was held, but the QAPR for the window before it was not finalised.
    Child.objects.filter(pk=cp_child.pk).update(qapr_due_on=dt.date(2026, 2, 3))
    for day in (4, 5, 6):
        chase_scan(at(2026, 2, day, 10))
    assert sent(Kind.QAPR_DUE) == [("Ira Reviewer", "2026-02-04"), ("Ira Reviewer", "2026-02-06")]
    late = Notification.objects.filter(kind=Kind.QAPR_DUE).latest("id")
    assert late.subject == "Leo Brown: a QAPR is overdue, it was due by 3 February 2026"
    assert "finish the draft QAPR already started and finalise it as soon as you can" in (
        late.body_text
    )
    assert late.url == f"/qapr/{draft.pk}/"


# QAPR recommendations --------------------------------------------------------------------------


def finalised_qapr_with(child, author, owner, due_on):
    """A Requires improvement QAPR finalised on Monday 10 November 2025, with one
    recommendation for `owner`."""
    with time_machine.travel(at(2025, 11, 10, 11), tick=False):
        qapr = qapr_services.qapr_start(child=child, by=author)
        qapr = qapr_services.qapr_save(
            qapr=qapr,
            by=author,
            lock_version=qapr.lock_version,
            participation_rating=SectionRating.ADEQUATE,
            participation_rationale="Views gathered by an advocate.",
            progress_rating=SectionRating.SOME_CONCERNS,
            progress_rationale="No permanence plan yet.",
            records_rating=SectionRating.ADEQUATE,
            records_rationale="Case notes are up to date.",
            social_worker_invited_on=dt.date(2025, 11, 3),
            views_child=True,
            views_summary="Wants to stay with her carers.",
            grade=Grade.REQUIRES_IMPROVEMENT,
            grade_rationale="Drift in permanence planning.",
            impact_on_child="Uncertainty about where she will live.",
            ri_decision=RiDecision.NONE,
            ri_decision_reason="A plan with dates has been agreed.",
        )
        recommendation = qapr_services.recommendation_add(
            qapr=qapr, by=author, text="Complete the permanence plan", owner=owner, due_on=due_on
        )
        qapr = fresh(qapr)
        qapr_services.qapr_finalise(qapr=qapr, by=author, lock_version=qapr.lock_version)
    return recommendation


@pytest.mark.usefixtures("gloucestershire")
def test_an_overdue_recommendation_chases_its_owner_and_the_author(
    child, iro, social_worker, settings
):
    settings.CHASE_EVERY_WORKING_DAYS = 2
    recommendation = finalised_qapr_with(child, iro, social_worker, dt.date(2025, 11, 12))
    assert chase_scan(at(2025, 11, 12, 10)) == {}  # due today: not late
    assert chase_scan(at(2025, 11, 13, 10)) == {Kind.RECOMMENDATION_OVERDUE: 2}
    to = {n.recipient: n for n in Notification.objects.filter(kind=Kind.RECOMMENDATION_OVERDUE)}
    assert set(to) == {social_worker, iro}
    assert to[social_worker].key == (
        f"recommendation_overdue:rec:{recommendation.pk}:2025-11-13:{social_worker.pk}"
    )
    assert to[social_worker].subject == (
        "Amara Okafor: a QAPR recommendation for you was due by 12 November 2025 and is 1 "
        "working day late"
    )
    assert (
        "A recommendation for you from Ira Reviewer's QAPR for Amara Okafor "
        f"({recommendation.qapr.reference}) was due by 12 November 2025"
    ) in to[social_worker].body_text
    assert "If you cannot do it, tell Ira Reviewer." in to[social_worker].body_text
    assert to[iro].subject == (
        "Amara Okafor: a recommendation from your QAPR was due by 12 November 2025 and is 1 "
        "working day late"
    )
    assert "A recommendation for Sam Worker from your QAPR for Amara Okafor" in to[iro].body_text
    assert to[iro].url == f"/qapr/{recommendation.qapr_id}/"
    assert chase_scan(at(2025, 11, 13, 16)) == {}
    assert chase_scan(at(2025, 11, 14, 10)) == {}  # 2 working days late: not a chase day
    assert chase_scan(at(2025, 11, 17, 10)) == {Kind.RECOMMENDATION_OVERDUE: 2}  # 3
    with time_machine.travel(at(2025, 11, 18, 9), tick=False):
        recommendation = fresh(recommendation)
        qapr_services.recommendation_complete(
            recommendation=recommendation,
            by=social_worker,
            lock_version=recommendation.lock_version,
            done_on=dt.date(2025, 11, 18),
        )
    assert chase_scan(at(2025, 11, 19, 10)) == {}  # 5, but done


@pytest.mark.usefixtures("gloucestershire")
def test_recommendations_of_a_draft_or_archived_ones_are_not_chased(child, iro, social_worker):
    recommendation = finalised_qapr_with(child, iro, social_worker, dt.date(2025, 11, 12))
    Recommendation.objects.filter(pk=recommendation.pk).update(archived_at=at(2025, 11, 12))
    assert chase_scan(at(2025, 11, 13, 10)) == {}
    with time_machine.travel(at(2025, 11, 10, 12), tick=False):
        # A child the owner works with: a recommendation goes only to someone who sees them.
        draft = qapr_services.qapr_start(
            child=allocate(ChildFactory(), social_worker=social_worker), by=iro
        )
        qapr_services.recommendation_add(
            qapr=draft, by=iro, text="Visit", owner=social_worker, due_on=dt.date(2025, 11, 12)
        )
    assert chase_scan(at(2025, 11, 13, 11)) == {}


# Restricted children ---------------------------------------------------------------------------


@pytest.mark.usefixtures("gloucestershire")
def test_nothing_about_a_restricted_child_goes_to_someone_who_may_not_see_them(
    restricted_child, iro, team_manager
):
    # Given while the team manager was named on Rory's record, then taken off it.
    restricted_child.named_users.add(team_manager)
    recommendation = finalised_qapr_with(restricted_child, iro, team_manager, dt.date(2025, 11, 12))
    restricted_child.named_users.remove(team_manager)
    assert chase_scan(at(2025, 11, 13, 10)) == {Kind.RECOMMENDATION_OVERDUE: 1}
    assert only(Kind.RECOMMENDATION_OVERDUE).recipient == iro  # allocated; the owner is not

    review = record_review(restricted_child, iro, dt.date(2025, 11, 17))
    complete(step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED), iro, dt.date(2025, 11, 17))
    consider = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    assert (consider.assignee, consider.due_on) == (team_manager, dt.date(2025, 11, 24))
    chase_scan(at(2025, 11, 21, 10))  # the working day before
    assert not Notification.objects.filter(recipient=team_manager, kind=Kind.REVIEW_STEP_DUE)
    # Once named on Rory's record, the team manager may see him, and is told.
    restricted_child.named_users.add(team_manager)
    chase_scan(at(2025, 11, 24, 10))
    assert sent(Kind.REVIEW_STEP_DUE, recipient=team_manager) == [("Tom Manager", "2025-11-24")]
    assert recommendation.qapr.child == restricted_child


# Digests ----------------------------------------------------------------------------------------


def test_reminders_and_chases_go_in_the_digest_and_news_does_not():
    assert {
        Kind.REVIEW_STEP_DUE,
        Kind.REVIEW_STEP_OVERDUE,
        Kind.REVIEW_DUE,
        Kind.QAPR_DUE,
        Kind.RECOMMENDATION_OVERDUE,
    } <= DIGESTIBLE
    assert (
        not {
            Kind.SIGNIFICANT_CHANGE,
            Kind.EARLY_REVIEW_DECISION,
            Kind.REVIEW_DECISIONS,
            Kind.AGREED_BY_SILENCE,
            Kind.QAPR_REOPENED,
        }
        & DIGESTIBLE
    )


def test_a_digest_reader_gets_a_review_reminder_in_the_digest(review, iro):
    from reminders.digests import send_daily_digests

    iro.wants_daily_digest = True
    iro.save()
    chase_scan(at(2025, 11, 7, 7))
    assert only(Kind.REVIEW_STEP_DUE).by_digest
    assert send_daily_digests(at(2025, 11, 7, 8, 5)) == 1
    digest = only(Kind.DIGEST)
    assert "Amara Okafor: circulate the review decisions (due on 10 November 2025)" in (
        digest.body_text
    )


# The scan's cost does not grow with the data ---------------------------------------------------


def test_the_review_scan_does_not_grow_its_queries_with_the_rows(
    team, social_worker, iro, settings
):
    def batch(count, held_on):
        children = [
            allocate(
                ChildFactory(restricted=n == 0),
                team=team,
                social_worker=social_worker,
                reviewing_officer=iro,
            )
            for n in range(count)
        ]
        for child in children:
            record_review(child, iro, held_on)
        return children

    settings.CHASE_EVERY_WORKING_DAYS = 1

    def scan_queries(count, held_on, scan_at):
        batch(count, held_on)
        workdays.calendar()
        with CaptureQueriesContext(connection) as context:
            counts = chase_scan(scan_at)
        assert counts[Kind.REVIEW_STEP_OVERDUE] == count  # decisions to circulate, 1 day late
        assert counts[Kind.REVIEW_STEP_DUE] == count  # the care plan, due tomorrow
        return len(context.captured_queries)

    # Held on Monday 3 November: circulate by Monday 10, care plan by Monday 17; scanned on
    # Friday 14. Then held on Monday 1 December and scanned on Friday 12.
    small = scan_queries(2, dt.date(2025, 11, 3), at(2025, 11, 14, 10))
    ReviewStep.objects.update(done_on=dt.date(2025, 11, 14), outcome=ReviewStep.Outcome.DONE)
    large = scan_queries(7, dt.date(2025, 12, 1), at(2025, 12, 12, 10))
    assert large == small


# Every message reads well ------------------------------------------------------------------------


@pytest.fixture
def people():
    return {
        "iro": UserFactory.build(pk=101, full_name="Ira Reviewer"),
        "manager": UserFactory.build(pk=102, full_name="Tom Manager"),
        "worker": UserFactory.build(pk=103, full_name="Sam Worker"),
    }


def message_contexts(people):
    """A context for each new kind (and each of its variants), from unsaved objects."""
    iro, manager, worker = people["iro"], people["manager"], people["worker"]
    child = ChildFactory.build(
        pk=7, first_name="Amara", last_name="O'Neil", status=ChildStatus.CHILD_IN_CARE
    )
    cp_child = ChildFactory.build(
        pk=8, first_name="Leo", last_name="Brown", status=ChildStatus.CHILD_PROTECTION
    )
    review = Review(
        pk=1, child=child, kind=Review.Kind.CIC_REVIEW, held_on=dt.date(2023, 11, 27), chair=iro
    )
    step = ReviewStep(
        pk=2,
        review=review,
        kind=ReviewStep.Kind.DECISIONS_CONSIDERED,
        assignee=manager,
        due_on=dt.date(2023, 12, 8),
    )
    record = ReviewStep(
        pk=3,
        review=review,
        kind=ReviewStep.Kind.FULL_RECORD,
        assignee=iro,
        due_on=dt.date(2023, 12, 8),
    )
    change = SignificantChangeBuild(child, worker, iro)
    no_early = SignificantChangeBuild(
        cp_child, worker, iro, decision="no_early_review", reason="The plan still works."
    )
    qapr = Qapr(
        pk=12,
        child=child,
        author=iro,
        variant=Variant.CHILD_IN_CARE,
        reopened_by=manager,
        reopen_reason="The grade does not match the evidence.",
        finalised_at=at(2023, 12, 1, 15),
        reopened_at=at(2023, 12, 4, 23, 30),  # in London; 4 December (not 5) in every timezone
    )
    recommendation = Recommendation(
        pk=4, qapr=qapr, text="Complete the plan", owner=worker, due_on=dt.date(2023, 12, 8)
    )
    due = {"due_on": dt.date(2023, 12, 8), "days_left": 10, "chase_every": 2, "days_late": 3}
    return [
        ("significant_change", Kind.SIGNIFICANT_CHANGE, iro, {"change": change, "child": child}),
        ("early_review", Kind.EARLY_REVIEW_DECISION, worker, {"change": change, "child": child}),
        (
            "no_early_review",
            Kind.EARLY_REVIEW_DECISION,
            worker,
            {"change": no_early, "child": cp_child},
        ),
        (
            "review_decisions",
            Kind.REVIEW_DECISIONS,
            manager,
            {"step": step, "review": review, "child": child},
        ),
        *(
            (
                f"agreed_by_silence_to_{who.full_name}",
                Kind.AGREED_BY_SILENCE,
                who,
                {"step": step, "review": review, "child": child},
            )
            for who in (manager, iro)
        ),
        *(
            (
                f"step_due_{kind_step.kind}_today_{today}",
                Kind.REVIEW_STEP_DUE,
                kind_step.assignee,
                {"step": kind_step, "review": review, "child": child, "due_today": today, **due},
            )
            for kind_step in (step, record)
            for today in (True, False)
        ),
        (
            "step_overdue",
            Kind.REVIEW_STEP_OVERDUE,
            iro,
            {"step": record, "review": review, "child": child, **due},
        ),
        *(
            (
                f"{kind}_{who.full_name}_overdue_{overdue}",
                kind,
                iro,
                {
                    "child": who,
                    "overdue": overdue,
                    "meeting": "child protection conference"
                    if who.status == ChildStatus.CHILD_PROTECTION
                    else "child in care review",
                    "reason": "First review: within 20 working days of coming into care",
                    "has_draft": overdue,
                    **due,
                },
            )
            for kind in (Kind.REVIEW_DUE, Kind.QAPR_DUE)
            for who in (child, cp_child)
            for overdue in (True, False)
        ),
        ("qapr_reopened", Kind.QAPR_REOPENED, iro, {"qapr": qapr, "child": child}),
        *(
            (
                f"recommendation_to_{who.full_name}",
                Kind.RECOMMENDATION_OVERDUE,
                who,
                {"recommendation": recommendation, "qapr": qapr, "child": child, **due},
            )
            for who in (worker, iro)
        ),
    ]


def SignificantChangeBuild(child, recorded_by, officer, decision="early_review", reason=""):
    from cases.models import SignificantChange

    early = decision == "early_review"
    return SignificantChange(
        pk=5,
        child=child,
        kind=SignificantChange.Kind.MISSING,
        occurred_on=dt.date(2023, 12, 4),
        details="Missing overnight; found safe.",
        recorded_by=recorded_by,
        reviewing_officer=officer,
        decision=decision,
        early_review_by=dt.date(2023, 12, 18) if early else None,
        decision_reason=reason,
        decided_by=officer,
        decided_on=dt.date(2023, 12, 5),
    )


def test_every_new_kind_has_a_context_here(people):
    assert {kind for _, kind, _, _ in message_contexts(people)} == set(NEW_KINDS)


LONG_DATE = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September"
    r"|October|November|December) \d{4}\b"
)


def test_every_message_names_the_child_and_its_dates_in_full(people):
    for name, kind, recipient, context in message_contexts(people):
        child = context["child"]
        subject, text, html = render(
            kind,
            {
                **context,
                "recipient": recipient,
                "url": "https://example.org/x/",
                "service_name": "Resolve a concern",
                "authority_name": "Demo County Council",
            },
        )
        for part, rendered in (("subject", subject), ("text", text)):
            assert child.full_name in rendered, (name, part, rendered)
            assert LONG_DATE.search(rendered), (name, part, rendered)
        assert html.count(escape(child.full_name)) >= 1, (name, html)
        assert LONG_DATE.search(html), (name, html)
        assert "What happens next" in text, (name, text)
        assert f"Dear {recipient.full_name}," in text, (name, text)
        # No placeholder left empty: nothing like "by ." or "the  review".
        assert not re.search(r"\s[.,]|  |\(\)|None", subject + text), (name, subject + text)
        assert "&amp;#x27;" not in html and "&#x27;" not in text, name


# Dealt with before it went out -----------------------------------------------------------------


def test_a_chase_queued_at_night_for_a_step_done_before_morning_is_not_sent(review, iro):
    from notifications.models import Status
    from notifications.services import send_due

    circulate = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)  # due Monday 10 November
    chase_scan(at(2025, 11, 10, 22))  # Monday night: queues Tuesday's chase for 08:00
    chase = only(Kind.REVIEW_STEP_OVERDUE)
    assert chase.status == Status.PENDING
    complete(circulate, iro, dt.date(2025, 11, 11))  # done at 07:00 on Tuesday
    with time_machine.travel(at(2025, 11, 11, 8, 5), tick=False):
        send_due()
    assert fresh(chase).status == Status.NOT_NEEDED


def test_a_review_due_message_is_not_sent_once_the_date_has_moved(came_into_care, iro):
    from notifications.models import Status
    from notifications.services import send_due

    child = came_into_care
    child.refresh_from_db()
    heads_up = workdays.add_working_days(child.review_due_on, -10)
    chase_scan(at(heads_up.year, heads_up.month, heads_up.day, 6))  # queued for 08:00
    message = only(Kind.REVIEW_DUE)
    # The review is held early that morning, so the date in the message is no longer true.
    record_review(child, iro, heads_up)
    with time_machine.travel(at(heads_up.year, heads_up.month, heads_up.day, 17), tick=False):
        send_due()
    assert fresh(message).status == Status.NOT_NEEDED


def test_review_decisions_are_not_sent_to_a_manager_who_may_not_see_a_restricted_child(
    restricted_child, iro, team_manager
):
    review = record_review(restricted_child, iro, dt.date(2025, 11, 17))
    complete(step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED), iro, dt.date(2025, 11, 17))
    assert not Notification.objects.filter(kind=Kind.REVIEW_DECISIONS)
    chase_scan(at(2025, 11, 25, 10))  # no reply by 24 November: taken as agreed
    assert [n.recipient for n in Notification.objects.filter(kind=Kind.AGREED_BY_SILENCE)] == [iro]
