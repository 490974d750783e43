"""The pathway's services, transition by transition: the allowed path, the refused path,
permission per persona and the stale instance (house style)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from escalations import rules, services
from escalations.models import Concern, ConcernState, Event, Outcome, Stage, Task, TaskState
from prp.locking import StaleEdit
from prp.models import RoleCode
from prp.presets import activate
from tests.builders import draft_concern, fresh, live_task, outcome_recorded, raised_concern
from tests.factories import PostFactory, RoleFactory, UserFactory

FRIDAY_1_DEC_2023 = dt.datetime(2023, 12, 1, 10, 0)


pytestmark = pytest.mark.usefixtures("gloucestershire")


# Drafts and raising ---------------------------------------------------------------------------


def test_a_social_worker_cannot_start_a_concern(child, social_worker):
    with pytest.raises(PermissionDenied):
        services.concern_create_draft(
            raised_by=social_worker, children=[child], title="x", start_level=0
        )


def test_a_draft_needs_a_concern_before_it_is_raised(child, iro, team_manager):
    concern = services.concern_create_draft(
        raised_by=iro, children=[child], title="Drift", start_level=1
    )
    with pytest.raises(ValidationError):
        services.concern_raise(
            concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
        )
    assert fresh(concern).state == ConcernState.DRAFT


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_raising_at_formal_1_counts_five_working_days(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    assert concern.state == ConcernState.FORMAL
    assert concern.opened_on == dt.date(2023, 12, 1)
    task = live_task(concern)
    assert (task.assignee, task.due_on) == (team_manager, dt.date(2023, 12, 8))
    kinds = list(Event.objects.filter(concern=concern).values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.DELEGATED, Event.Kind.RAISED]


@time_machine.travel(dt.datetime(2025, 12, 22, 9, 0), tick=False)
def test_deadlines_skip_christmas_bank_holidays(child, iro, team_manager):
    # Mon 22 Dec 2025 + 5 working days: 23, 24, 29, 30, 31 December (25, 26 are bank holidays).
    task = live_task(raised_concern(iro, child, team_manager))
    assert task.due_on == dt.date(2025, 12, 31)


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_an_agreed_informal_date_cannot_be_in_the_past(child, iro, team_manager):
    concern = draft_concern(iro, child, level=0)
    with pytest.raises(ValidationError) as error:
        services.concern_raise(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            delegate_to=team_manager,
            agreed_due_on=dt.date(2023, 11, 30),
        )
    assert "agreed_due_on" in error.value.error_dict
    assert fresh(concern).state == ConcernState.DRAFT


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_informal_stage_can_be_recorded_without_delegating(child, iro, team_manager):
    concern = draft_concern(iro, child, level=0)
    with pytest.raises(ValidationError) as error:
        services.concern_raise(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            delegate_to=None,
            agreed_due_on=dt.date(2023, 12, 8),
        )
    assert "agreed_answer" in error.value.error_dict
    services.concern_raise(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        delegate_to=None,
        agreed_due_on=dt.date(2023, 12, 8),
        answer=services.AgreedAnswer(
            answer="Contact restarts next week",
            agreed_with=team_manager,
            agreed_on=dt.date(2023, 12, 1),
        ),
    )
    concern = fresh(concern)
    assert concern.state == ConcernState.INFORMAL
    assert concern.current_stage.agreed_with == team_manager
    assert not Task.objects.filter(stage__concern=concern).exists()


def test_only_the_raiser_can_raise_their_draft(child, iro, team_manager):
    concern = draft_concern(iro, child)
    other_iro = UserFactory(roles=[RoleCode.IRO])
    with pytest.raises(PermissionDenied):
        services.concern_raise(
            concern=concern, by=other_iro, lock_version=concern.lock_version, delegate_to=None
        )


def test_a_stale_draft_is_refused(child, iro, team_manager):
    concern = draft_concern(iro, child)
    stale_version = concern.lock_version
    services.concern_update_draft(
        concern=concern,
        by=iro,
        lock_version=stale_version,
        title="New title",
        children=[child],
        start_level=1,
    )
    with pytest.raises(StaleEdit):
        services.concern_raise(
            concern=concern, by=iro, lock_version=stale_version, delegate_to=team_manager
        )
    assert fresh(concern).state == ConcernState.DRAFT


# Tasks ---------------------------------------------------------------------------------------


def test_only_the_assignee_can_respond(child, iro, team_manager, social_worker, head_of_service):
    task = live_task(raised_concern(iro, child, team_manager))
    for person in (iro, social_worker, head_of_service):
        with pytest.raises(PermissionDenied):
            services.task_respond(
                task=task,
                by=person,
                lock_version=task.lock_version,
                response_option=None,
                response="Not mine to answer",
            )
    assert fresh(task).state == TaskState.ACTIVE


def test_a_draft_response_is_kept_when_the_task_is_retracted(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    task = services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Half-written answer",
        actions_agreed="Book a meeting",
    )
    services.task_retract(
        task=task, by=iro, lock_version=task.lock_version, reason="absent", note="On leave"
    )
    task = fresh(task)
    assert task.state == TaskState.RETRACTED
    assert (task.response, task.actions_agreed) == ("Half-written answer", "Book a meeting")
    assert task.retract_note == "On leave"


def test_the_assignee_cannot_retract(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    with pytest.raises(PermissionDenied):
        services.task_retract(
            task=task, by=team_manager, lock_version=task.lock_version, reason="other", note="x"
        )


def test_retracting_needs_a_reason_and_a_note(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    with pytest.raises(ValidationError):
        services.task_retract(
            task=task, by=iro, lock_version=task.lock_version, reason="absent", note=" "
        )
    with pytest.raises(ValidationError):
        services.task_retract(
            task=task, by=iro, lock_version=task.lock_version, reason="bored", note="x"
        )


def test_redelegating_moves_the_task_and_keeps_the_deadline(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    first = live_task(concern)
    cover = UserFactory(full_name="Cover Manager", roles=[RoleCode.TEAM_MANAGER])
    second = services.task_redelegate(
        stage=concern.current_stage,
        by=iro,
        lock_version=concern.lock_version,
        assignee=cover,
        note="Tom is on leave",
    )
    assert fresh(first).state == TaskState.RETRACTED
    assert (second.assignee, second.due_on) == (cover, first.due_on)


def test_a_responded_task_can_be_reopened_by_the_raiser(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    task = services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="Agreed",
    )
    with pytest.raises(PermissionDenied):
        services.task_reactivate(
            task=task, by=team_manager, lock_version=task.lock_version, due_on=rules.today()
        )
    task = services.task_reactivate(
        task=task, by=iro, lock_version=task.lock_version, due_on=rules.today()
    )
    assert task.state == TaskState.ACTIVE
    assert task.response == "Agreed"  # the manager edits their answer, not a blank page


def test_a_stale_task_form_is_refused(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    stale_version = task.lock_version
    services.task_save_draft(
        task=task,
        by=team_manager,
        lock_version=stale_version,
        response_option=None,
        response="First",
    )
    with pytest.raises(StaleEdit):
        services.task_respond(
            task=task,
            by=team_manager,
            lock_version=stale_version,
            response_option=None,
            response="Second",
        )
    assert fresh(task).response == "First"


def test_two_stale_instances_cannot_both_transition(child, iro, team_manager):
    task = live_task(raised_concern(iro, child, team_manager))
    one, two = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)
    one.respond(at=one.delegated_at)
    one.save()
    two.retract(by=iro, at=two.delegated_at, reason="other", note="x")
    with pytest.raises(ConcurrentTransition):
        two.save()


def test_transitions_from_the_wrong_state_are_not_allowed(child, iro, team_manager):
    concern = draft_concern(iro, child)
    with pytest.raises(TransitionNotAllowed):
        concern.resolve(on=rules.today())
    task = live_task(raised_concern(iro, child, team_manager))
    with pytest.raises(TransitionNotAllowed):
        task.reactivate(at=task.delegated_at, due_on=task.due_on)


# Outcomes ------------------------------------------------------------------------------------


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_escalating_formal_1_goes_to_the_head_of_service_for_a_child_in_care(
    child, iro, team_manager, head_of_service
):
    concern = raised_concern(iro, child, team_manager)
    next_stage = concern.protocol.stages.get(level=2)
    assert rules.default_assignee(concern, next_stage) == head_of_service
    outcome_recorded(concern, iro, Outcome.ESCALATE_NEXT, delegate_to=head_of_service)
    concern = fresh(concern)
    assert concern.current_stage.level == 2
    assert live_task(concern).assignee == head_of_service


def test_child_protection_formal_2_goes_to_the_group_manager(
    child, iro, team_manager, head_of_service, operational_service
):
    child.status = "child_protection"
    child.save()
    group_manager = PostFactory(
        unit=operational_service,
        role=RoleFactory(code=RoleCode.GROUP_MANAGER),
        holder=UserFactory(roles=[RoleCode.GROUP_MANAGER]),
    ).holder
    concern = raised_concern(iro, child, team_manager)
    assert rules.default_assignee(concern, concern.protocol.stages.get(level=2)) == group_manager


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_bypass_straight_to_formal_3(child, iro, team_manager, assistant_director):
    concern = raised_concern(iro, child, team_manager)
    outcome_recorded(
        concern, iro, Outcome.ESCALATE_TO, target_level=3, delegate_to=assistant_director
    )
    concern = fresh(concern)
    assert concern.current_stage.level == 3
    assert list(concern.stages.values_list("level", flat=True)) == [1, 3]


def test_an_outcome_closes_a_task_still_waiting(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    task = live_task(concern)
    outcome_recorded(concern, iro, Outcome.RESOLVED)
    assert fresh(task).state == TaskState.RETRACTED
    assert fresh(concern).state == ConcernState.RESOLVED


def test_only_the_raiser_or_their_reviewing_managers_record_outcomes(
    child, iro, iro_team, team_manager
):
    concern = raised_concern(iro, child, team_manager)
    with pytest.raises(PermissionDenied):
        outcome_recorded(concern, team_manager, Outcome.RESOLVED)
    iro_manager = UserFactory(roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro_team.manager = iro_manager
    iro_team.save()
    outcome_recorded(concern, iro_manager, Outcome.RESOLVED)
    assert fresh(concern).state == ConcernState.RESOLVED


def test_an_outcome_cannot_be_dated_before_the_stage_opened(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    with pytest.raises(ValidationError):
        outcome_recorded(
            concern, iro, Outcome.RESOLVED, outcome_on=concern.opened_on - dt.timedelta(1)
        )


def test_referral_to_cafcass_stays_tracked_until_closed(child, iro, team_manager, service_manager):
    concern = raised_concern(iro, child, team_manager)
    outcome_recorded(
        concern,
        iro,
        Outcome.REFER_CAFCASS,
        cafcass_consulted=service_manager,
        cafcass_consulted_on=concern.opened_on,
    )
    concern = fresh(concern)
    assert concern.state == ConcernState.REFERRED
    services.concern_close_referral(
        concern=concern, by=iro, lock_version=concern.lock_version, outcome="resolved", comments=""
    )
    assert fresh(concern).state == ConcernState.RESOLVED


def test_a_stale_outcome_is_refused(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    stale_version = concern.lock_version
    services.action_add(
        concern=concern, by=iro, description="Visit", due_on=rules.today(), owner=team_manager
    )
    with pytest.raises(StaleEdit):
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=stale_version,
            outcome=Outcome.RESOLVED,
            comments="",
            legal_advice_sought=False,
            cafcass_considered=False,
        )


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_formal_days_add_up_across_stages(child, iro, team_manager, head_of_service):
    concern = raised_concern(iro, child, team_manager)
    with time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False):
        outcome_recorded(concern, iro, Outcome.ESCALATE_NEXT, delegate_to=head_of_service)
    with time_machine.travel(dt.datetime(2023, 12, 15, 10, 0), tick=False):
        stages = list(Stage.objects.filter(concern=concern))
        # 5 working days at formal 1 (1 → 8 Dec) and 5 at formal 2 (8 → 15 Dec).
        assert rules.formal_working_days(stages) == 10


def test_editing_the_protocol_never_moves_a_live_deadline(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    due = live_task(concern).due_on
    stage = concern.protocol.stages.get(level=1)
    stage.response_days = 20
    with pytest.raises(ValidationError):  # the version in use is frozen (issue 14 rule 15)
        stage.save()
    assert live_task(concern).due_on == due
    assert Stage.objects.get(concern=concern).due_on == due


def test_a_new_active_protocol_leaves_open_concerns_on_theirs(child, iro, team_manager, protocols):
    concern = raised_concern(iro, child, team_manager)
    activate(protocols["cumbria"])
    assert fresh(concern).protocol == protocols["gloucestershire"]
    later = services.concern_create_draft(
        raised_by=iro, children=[child], title="Later", start_level=0
    )
    assert later.protocol == protocols["cumbria"]


def test_actions_agreed_are_overdue_after_their_date(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0), tick=False):
        action = services.action_add(
            concern=concern,
            by=iro,
            description="Visit",
            due_on=dt.date(2026, 3, 3),
            owner=team_manager,
        )
        assert not action.is_overdue
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0), tick=False):
        assert action.is_overdue
        services.action_mark_done(action=action, by=team_manager, done_on=dt.date(2026, 3, 4))
        assert not fresh(action).is_overdue


def test_an_action_cannot_be_due_in_the_past(child, iro, team_manager):
    concern = raised_concern(iro, child, team_manager)
    with pytest.raises(ValidationError):
        services.action_add(
            concern=concern,
            by=iro,
            description="Visit",
            due_on=dt.date(2000, 1, 1),
            owner=team_manager,
        )


def test_concerns_are_never_deleted_only_withdrawn(child, iro):
    concern = draft_concern(iro, child)
    services.concern_withdraw_draft(concern=concern, by=iro, lock_version=concern.lock_version)
    assert Concern.objects.filter(pk=concern.pk, state=ConcernState.WITHDRAWN).exists()
