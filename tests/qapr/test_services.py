"""QAPR services: the grade's consequences cannot be skipped, and every transition is guarded
(the allowed path, the refused path, permission per persona, the stale instance)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases import services as case_services
from cases.models import ChildLog, KeyDate, Review
from escalations.models import ConcernState, GoodPracticeNote
from notifications.models import Kind, Notification
from prp.locking import StaleEdit
from prp.models import ProtocolCategory, RoleCode
from qapr import services
from qapr.models import Grade, QaprState, RiDecision, SaferAnswer, SectionRating
from tests.builders import filled_qapr, finalised_qapr, fresh, raise_draft
from tests.factories import UserFactory

NOW = dt.datetime(2026, 6, 10, 11, 0)
pytestmark = pytest.mark.usefixtures("gloucestershire")


def answers(**overrides):
    values = {
        "participation_rating": SectionRating.ADEQUATE,
        "participation_rationale": "Amara's views were gathered by her advocate.",
        "progress_rating": SectionRating.SOME_CONCERNS,
        "progress_rationale": "No permanence plan yet.",
        "records_rating": SectionRating.ADEQUATE,
        "records_rationale": "Case notes are up to date.",
        "social_worker_invited_on": dt.date(2026, 6, 1),
        "views_child": True,
        "views_carers": True,
        "views_summary": "Amara wants to stay with her carers.",
        "grade": Grade.GOOD,
        "grade_rationale": "Stable placement and a clear plan.",
        "impact_on_child": "Amara is settled at school.",
    }
    values.update(overrides)
    return values


def filled(iro, child, **overrides):
    return filled_qapr(iro, child, **answers(**overrides))


def category():
    return ProtocolCategory.objects.filter(protocol__is_active=True).first()


def concern_from(qapr, iro, level="formal"):
    qapr = fresh(qapr)
    return services.qapr_start_concern(
        qapr=qapr, by=iro, lock_version=qapr.lock_version, level=level, category=category()
    )


def raise_concern(concern, iro, manager):
    # The informal stage's response date is agreed with the manager.
    agreed = dt.date(2026, 6, 17) if concern.start_level == 0 else None
    return raise_draft(concern, iro, manager, agreed=agreed)


# Starting and saving ---------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_start_takes_the_open_window_and_carries_on_an_existing_draft(iro, child):
    case_services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=dt.date(2025, 12, 1)
    )
    for day in (dt.date(2025, 12, 30), dt.date(2026, 3, 27)):
        case_services.review_record(child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=day)
    qapr = services.qapr_start(child=child, by=iro)
    assert (qapr.window_start, qapr.window_end) == (dt.date(2026, 3, 27), dt.date(2026, 9, 25))
    assert qapr.variant == "child_in_care"
    assert services.qapr_start(child=child, by=iro).pk == qapr.pk
    assert ChildLog.objects.filter(child=child, summary__contains=qapr.reference).exists()


@time_machine.travel(NOW, tick=False)
def test_only_a_reviewing_officer_starts_a_qapr(social_worker, team_manager, child):
    for person in (social_worker, team_manager):
        with pytest.raises(PermissionDenied):
            services.qapr_start(child=child, by=person)


@time_machine.travel(NOW, tick=False)
def test_only_the_author_saves_a_draft_and_a_stale_form_is_refused(iro, child):
    qapr = services.qapr_start(child=child, by=iro)
    other_iro = UserFactory(roles=[RoleCode.IRO])
    with pytest.raises(PermissionDenied):
        services.qapr_save(qapr=qapr, by=other_iro, lock_version=qapr.lock_version, grade="good")
    services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, grade="good")
    with pytest.raises(StaleEdit):
        services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, grade="inadequate")
    assert fresh(qapr).grade == "good"


@time_machine.travel(NOW, tick=False)
def test_the_social_worker_cannot_be_invited_in_the_future(iro, child):
    qapr = services.qapr_start(child=child, by=iro)
    with pytest.raises(ValidationError) as error:
        services.qapr_save(
            qapr=qapr,
            by=iro,
            lock_version=qapr.lock_version,
            social_worker_invited_on=dt.date(2026, 6, 11),
        )
    assert "social_worker_invited_on" in error.value.message_dict


# Finalising needs every answer ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_finalising_needs_every_section_views_and_grade(iro, child):
    qapr = services.qapr_start(child=child, by=iro)
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert set(error.value.message_dict) == {
        "participation_rating",
        "participation_rationale",
        "progress_rating",
        "progress_rationale",
        "records_rating",
        "records_rationale",
        "social_worker_invited_on",
        "grade",
        "grade_rationale",
        "impact_on_child",
    }
    assert fresh(qapr).state == QaprState.DRAFT


@time_machine.travel(NOW, tick=False)
def test_the_cp_chair_variant_must_answer_is_the_child_safer(iro, child):
    child.status = "child_protection"
    child.save()
    qapr = filled(iro, child, grade=Grade.REQUIRES_IMPROVEMENT, ri_decision=RiDecision.NONE)
    assert qapr.is_child_protection
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert {"safer", "safer_rationale"} <= set(error.value.message_dict)
    qapr = fresh(qapr)
    services.qapr_save(
        qapr=qapr,
        by=iro,
        lock_version=qapr.lock_version,
        safer=SaferAnswer.PARTLY,
        safer_rationale="Fewer incidents, but the plan is not yet working.",
        ri_decision_reason="A concern is already being considered at the next conference.",
    )
    assert finalised_qapr(qapr, iro).state == QaprState.FINALISED


# Inadequate: a formal concern, or it cannot be finalised --------------------------------------


@time_machine.travel(NOW, tick=False)
def test_inadequate_cannot_be_finalised_without_a_raised_formal_concern(iro, child, team_manager):
    qapr = filled(iro, child, grade=Grade.INADEQUATE)
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert "An Inadequate grade needs a formal concern" in error.value.message_dict["concern"][0]

    concern = concern_from(qapr, iro, level="formal")
    assert concern.state == ConcernState.DRAFT
    assert concern.start_level == 1
    sub = concern.sub_concerns.get()
    assert sub.description == "Stable placement and a clear plan."
    assert sub.impact_on_child == "Amara is settled at school."
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert f"raise {concern.reference}" in error.value.message_dict["concern"][0]

    raise_concern(concern, iro, team_manager)
    done = finalised_qapr(qapr, iro)
    assert done.state == QaprState.FINALISED
    assert done.completed_on == dt.date(2026, 6, 10)
    assert done.concern_id == concern.pk


@time_machine.travel(NOW, tick=False)
def test_inadequate_is_not_satisfied_by_an_informal_concern(iro, child, team_manager):
    qapr = filled(iro, child, grade=Grade.INADEQUATE)
    raise_concern(concern_from(qapr, iro, level="informal"), iro, team_manager)
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert "formal concern" in error.value.message_dict["concern"][0]


@time_machine.travel(NOW, tick=False)
def test_a_second_live_concern_cannot_be_linked(iro, child):
    qapr = filled(iro, child, grade=Grade.INADEQUATE)
    concern_from(qapr, iro)
    with pytest.raises(ValidationError):
        concern_from(qapr, iro)


# Requires improvement: a recorded decision -----------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_requires_improvement_needs_a_decision(iro, child, team_manager):
    qapr = filled(iro, child, grade=Grade.REQUIRES_IMPROVEMENT)
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert set(error.value.message_dict) == {"ri_decision"}

    qapr = fresh(qapr)
    services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, ri_decision="none")
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert set(error.value.message_dict) == {"ri_decision_reason"}

    qapr = fresh(qapr)
    services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, ri_decision="formal")
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert set(error.value.message_dict) == {"concern"}

    qapr = fresh(qapr)
    services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, ri_decision="informal")
    raise_concern(concern_from(qapr, iro, level="informal"), iro, team_manager)
    assert finalised_qapr(qapr, iro).state == QaprState.FINALISED


@time_machine.travel(NOW, tick=False)
def test_requires_improvement_with_no_concern_and_a_reason_keeps_recommendations_tracked(
    iro, child, social_worker
):
    qapr = filled(
        iro,
        child,
        grade=Grade.REQUIRES_IMPROVEMENT,
        ri_decision=RiDecision.NONE,
        ri_decision_reason="The social worker has agreed a plan with dates.",
    )
    recommendation = services.recommendation_add(
        qapr=qapr,
        by=iro,
        text="Complete the permanence plan",
        owner=social_worker,
        due_on=dt.date(2026, 7, 1),
    )
    finalised_qapr(qapr, iro)
    from qapr.selectors import open_recommendations

    assert list(open_recommendations(iro)) == [recommendation]
    services.recommendation_complete(
        recommendation=recommendation,
        by=social_worker,
        lock_version=recommendation.lock_version,
        done_on=dt.date(2026, 6, 10),
        note="Plan agreed at the permanence meeting.",
    )
    assert list(open_recommendations(iro)) == []
    assert GoodPracticeNote.objects.count() == 0
    # A second "mark as done" from a page built before the first is refused, not saved over.
    with pytest.raises(StaleEdit):
        services.recommendation_complete(
            recommendation=recommendation,
            by=iro,
            lock_version=recommendation.lock_version,
            done_on=dt.date(2026, 6, 10),
        )


# Good and Outstanding: a good practice note ----------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_good_sends_the_note_to_the_social_worker_copying_the_team_manager(
    iro, child, social_worker, team_manager
):
    qapr = filled(iro, child, grade=Grade.GOOD)
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert set(error.value.message_dict) == {"good_practice_text", "good_practice_category"}

    qapr = fresh(qapr)
    services.qapr_save(
        qapr=qapr,
        by=iro,
        lock_version=qapr.lock_version,
        good_practice_category=category(),
        good_practice_text="Sam kept Amara's school place through the move.",
    )
    done = finalised_qapr(qapr, iro)
    note = GoodPracticeNote.objects.get()
    assert done.good_practice_note_id == note.pk
    assert note.recipient == social_worker
    assert list(note.copied_to.all()) == [team_manager]
    assert note.note == "Sam kept Amara's school place through the move."
    assert note.impact_on_child == "Amara is settled at school."
    assert note.author == iro and note.child == child
    sent_to = set(
        Notification.objects.filter(kind=Kind.GOOD_PRACTICE).values_list("recipient", flat=True)
    )
    assert sent_to == {social_worker.pk, team_manager.pk}


@time_machine.travel(NOW, tick=False)
def test_a_reopened_good_qapr_does_not_send_a_second_note(iro, child, team_manager):
    iro.line_manager = UserFactory(roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro.save()
    qapr = filled(
        iro,
        child,
        grade=Grade.OUTSTANDING,
        good_practice_category=category(),
        good_practice_text="Outstanding work with the family.",
    )
    finalised_qapr(qapr, iro)
    qapr = fresh(qapr)
    services.qapr_reopen(
        qapr=qapr, by=iro.line_manager, lock_version=qapr.lock_version, reason="Wrong child views"
    )
    finalised_qapr(qapr, iro)
    assert GoodPracticeNote.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_good_needs_a_social_worker_to_send_the_note_to(iro, child):
    child.social_worker = None
    child.save()
    qapr = filled(
        iro, child, good_practice_category=category(), good_practice_text="Good work by all."
    )
    with pytest.raises(ValidationError) as error:
        finalised_qapr(qapr, iro)
    assert "no social worker" in error.value.message_dict["good_practice_text"][0]


# Reopening -------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_only_the_authors_manager_reopens_and_the_window_opens_again(iro, child, social_worker):
    manager = UserFactory(roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro.line_manager = manager
    iro.save()
    qapr = filled(
        iro,
        child,
        grade=Grade.REQUIRES_IMPROVEMENT,
        ri_decision=RiDecision.NONE,
        ri_decision_reason="Being addressed.",
    )
    finalised_qapr(qapr, iro)
    qapr = fresh(qapr)
    for person in (iro, social_worker, UserFactory(roles=[RoleCode.IRO])):
        with pytest.raises(PermissionDenied):
            services.qapr_reopen(qapr=qapr, by=person, lock_version=qapr.lock_version, reason="x")
    with pytest.raises(ValidationError):
        services.qapr_reopen(qapr=qapr, by=manager, lock_version=qapr.lock_version, reason=" ")
    reopened = services.qapr_reopen(
        qapr=qapr, by=manager, lock_version=qapr.lock_version, reason="The grade needs evidence."
    )
    assert reopened.state == QaprState.DRAFT
    assert reopened.completed_on is None
    assert Notification.objects.filter(kind=Kind.QAPR_REOPENED, recipient=iro).exists()
    with pytest.raises(StaleEdit):
        services.qapr_reopen(qapr=qapr, by=manager, lock_version=qapr.lock_version, reason="again")


# Transitions on the model ----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_transitions_refuse_the_wrong_state_and_a_stale_instance(iro, child):
    qapr = filled(
        iro,
        child,
        grade=Grade.REQUIRES_IMPROVEMENT,
        ri_decision=RiDecision.NONE,
        ri_decision_reason="Being addressed.",
    )
    with pytest.raises(TransitionNotAllowed):
        fresh(qapr).reopen(by=iro, at=timezone.now(), reason="not finalised yet")
    stale = fresh(qapr)
    finalised_qapr(qapr, iro)
    with pytest.raises(TransitionNotAllowed):
        fresh(qapr).finalise(by=iro, at=timezone.now(), on=NOW.date())
    # A copy read before someone else finalised it cannot be saved over their change.
    stale.finalise(by=iro, at=timezone.now(), on=NOW.date())
    with pytest.raises(ConcurrentTransition):
        stale.save()


# Compliance kept on the child -----------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_finalising_moves_the_childs_next_qapr_due_date(iro, child):
    case_services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=dt.date(2025, 12, 1)
    )
    for day in (dt.date(2025, 12, 30), dt.date(2026, 3, 27)):
        case_services.review_record(child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=day)
    child.refresh_from_db()
    assert child.qapr_due_on == dt.date(2026, 9, 25)
    qapr = filled(
        iro,
        child,
        grade=Grade.REQUIRES_IMPROVEMENT,
        ri_decision=RiDecision.NONE,
        ri_decision_reason="Being addressed.",
    )
    finalised_qapr(qapr, iro)
    child.refresh_from_db()
    assert child.qapr_due_on is None
