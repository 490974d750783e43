"""The demo's reviews, significant changes and QAPRs: what the demo IRO and CP Chair see when
they sign in, made through the real services, on any day the demo is loaded."""

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cases import schedule, services
from cases.models import (
    Child,
    ChildLog,
    ChildStatus,
    KeyDate,
    Review,
    ReviewStep,
    SignificantChange,
)
from escalations.models import Concern
from notifications.models import Notification
from prp.models import User
from qapr.models import Grade, Qapr, QaprState, Recommendation, RiDecision
from qapr.selectors import open_recommendations
from qapr.services import concern_level

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# Just after the demo's reference date, and long after it (a new year, past the closure days).
DAYS = [
    dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON),
    dt.datetime(2028, 1, 4, 9, 0, tzinfo=LONDON),
]
COUNTED = [Review, ReviewStep, KeyDate, SignificantChange, Qapr, Recommendation, ChildLog]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in [*COUNTED, Notification, Concern]}


def person(email: str) -> User:
    return User.objects.get(email=email)


def reviewed_children():
    return Child.objects.filter(
        status__in=[ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION]
    ).order_by("id")


@pytest.fixture(scope="module", params=DAYS, ids=lambda day: day.date().isoformat())
def loaded(request, django_db_setup, django_db_blocker):
    """The demo loaded once for all the tests here on each day (it takes a few seconds), in a
    transaction rolled back afterwards, like a TestCase's class-level data."""
    with django_db_blocker.unblock(), time_machine.travel(request.param), transaction.atomic():
        output = seed()
        yield output, timezone.localdate()
        transaction.set_rollback(True)


def test_the_demo_iro_has_reviews_qaprs_changes_and_recommendations_to_see(loaded):
    output, today = loaded
    assert "demo reviews" in output
    iro = person("iro@demo.example.org")
    theirs = Child.objects.filter(reviewing_officer=iro)
    soon = today + dt.timedelta(days=28)

    assert theirs.filter(review_due_on__lt=today).exists()  # a review overdue
    assert theirs.filter(review_due_on__gte=today, review_due_on__lte=soon).exists()
    assert theirs.filter(review_due_on__gt=soon).exists()  # and one well in hand
    assert theirs.filter(qapr_due_on__lt=today).exists()  # a QAPR overdue
    assert SignificantChange.objects.filter(reviewing_officer=iro, decision="").exists()
    early = SignificantChange.objects.get(
        reviewing_officer=iro, decision=SignificantChange.Decision.EARLY_REVIEW
    )
    assert early.early_review_by >= today
    assert early.child.review_due_reason.startswith("Early review decided")
    recommendations = list(open_recommendations(iro))
    assert any(r.due_on < today for r in recommendations)
    assert any(r.due_on >= today for r in recommendations)
    assert Qapr.objects.filter(author=iro, state=QaprState.DRAFT).exists()
    assert ReviewStep.objects.filter(
        review__child__reviewing_officer=iro, done_on__isnull=True, due_on__lt=today
    ).exists()


def test_the_demo_cp_chair_has_an_inadequate_qapr_with_its_formal_concern(loaded):
    _output, today = loaded
    chair = person("cp.chair@demo.example.org")

    inadequate = Qapr.objects.get(grade=Grade.INADEQUATE)
    assert inadequate.author == chair
    assert inadequate.state == QaprState.FINALISED
    assert concern_level(inadequate.concern) == "formal"
    assert inadequate.concern.opened_on == inadequate.completed_on < today
    assert SignificantChange.objects.filter(reviewing_officer=chair, decision="").exists()
    assert Qapr.objects.filter(author=chair, state=QaprState.DRAFT).exists()
    assert Child.objects.filter(
        reviewing_officer=chair,
        review_due_on__gte=today,
        review_due_on__lte=today + dt.timedelta(days=28),
    ).exists()


def test_qaprs_have_a_spread_of_grades_each_finalised_as_its_grade_requires(loaded):
    finalised = Qapr.objects.filter(state=QaprState.FINALISED)

    assert set(finalised.values_list("grade", flat=True)) == set(Grade.values)
    for qapr in finalised:
        assert qapr.window_start < timezone.localdate(qapr.created_at) <= qapr.completed_on
        if qapr.grade in (Grade.GOOD, Grade.OUTSTANDING):
            assert qapr.good_practice_note.recipient == qapr.child.social_worker
            assert qapr.good_practice_note.created_at.date() == qapr.completed_on
        if qapr.grade == Grade.REQUIRES_IMPROVEMENT:
            assert qapr.ri_decision == RiDecision.NONE and qapr.ri_decision_reason
            assert qapr.recommendations.exists()
    # Some children never had one in a window now closed, or are late with the current one.
    assert Child.objects.filter(qapr_due_on__lt=timezone.localdate()).count() >= 1


def test_reviews_follow_the_rules_and_the_work_after_them_is_a_mix(loaded):
    _output, today = loaded
    rules = schedule.load_rules()
    for child in reviewed_children().prefetch_related("key_dates", "reviews"):
        held = sorted(child.reviews.all(), key=lambda r: r.held_on)
        for i, review in enumerate(held):
            before = schedule.schedule_for(
                child.status,
                key_dates=[k for k in child.key_dates.all() if k.on < review.held_on],
                reviews=held[:i],
                early=[],
                rules=rules,
                today=review.held_on,
            )
            assert before.next_due is not None, child
            assert review.held_on <= before.next_due.on, (child, review)

    outcomes = set(ReviewStep.objects.values_list("outcome", flat=True))
    assert {"done", "agreed", "agreed_by_silence", ""} <= outcomes
    assert ReviewStep.objects.filter(done_on__isnull=True, due_on__gte=today).exists()
    silent = ReviewStep.objects.filter(outcome=ReviewStep.Outcome.AGREED_BY_SILENCE)
    assert all(step.done_on == step.due_on for step in silent)
    # One child on a placement order has waited more than 9 months to be placed.
    flagged = [c for c in reviewed_children() if services.child_schedule(c).flags]
    assert len(flagged) == 1
    assert flagged[0].legal_status == "placement_order"


def test_everything_happened_by_today_and_the_stored_due_dates_are_right(loaded):
    _output, today = loaded
    now = timezone.now()
    assert not Review.objects.filter(held_on__gt=today).exists()
    assert not KeyDate.objects.filter(on__gt=today).exists()
    assert not ReviewStep.objects.filter(done_on__gt=today).exists()
    assert not SignificantChange.objects.filter(occurred_on__gt=today).exists()
    assert not Qapr.objects.filter(completed_on__gt=today).exists()
    assert not ChildLog.objects.filter(at__gt=now).exists()
    # The history says when each review was held, not when the demo was loaded.
    for review in Review.objects.select_related("child"):
        line = ChildLog.objects.get(child=review.child, summary=f"{review} recorded.")
        assert timezone.localdate(line.at) == review.held_on
    # Old messages were sent at the time; nothing waits to go out about last year.
    assert not Notification.objects.filter(
        status="pending", created_at__lt=now - dt.timedelta(days=2)
    ).exists()
    for child in reviewed_children():
        stored = (child.review_due_on, child.qapr_due_on)
        plan = services.child_refresh_schedule(child=child)
        child.refresh_from_db()
        assert stored == (child.review_due_on, child.qapr_due_on)
        assert plan.applies and not plan.missing


def test_seeding_again_adds_nothing(loaded):
    before = counts()

    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        output = seed()

    assert "Demo data already loaded" in output
    assert "demo reviews" not in output
    assert counts() == before
