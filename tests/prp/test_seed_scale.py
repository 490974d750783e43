"""seed_scale: a national-scale dataset made with bulk inserts, tried here at 200 children.

The counts come out in the proportions of the full-size run, and every denormalised field the
dashboards read agrees with what the services would have stored.
"""

import datetime as dt
import io
import random

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import timezone

from cases import services as case_services
from cases.models import Allocation, Child, ChildStatus, Review, ReviewStep
from demo.scale import Sizes
from escalations.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Concern,
    ConcernChild,
    ConcernState,
    GoodPracticeNote,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from prp import workdays
from prp.models import OrgUnit, Post, RoleCode, Team, User
from qapr.models import Qapr, QaprState

pytestmark = pytest.mark.usefixtures("gloucestershire")

CHILDREN = 200


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", children=CHILDREN, seed=7, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    # A fixed day, so the same seed makes the same data whenever the tests run.
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0), tick=False):
        yield seed()


def test_counts_are_in_the_proportions_of_a_national_dataset(seeded):
    children = Child.objects.count()
    assert children == CHILDREN
    assert User.objects.count() >= Sizes.for_children(CHILDREN).users
    # About 5 concerns, 10 tasks and 2 QAPRs a child, as 500k, 1M and 200k are to 100k.
    concerns = Concern.objects.count()
    assert 3.5 * children < concerns < 6.5 * children
    assert 1.5 * concerns < Task.objects.count() < 2.5 * concerns
    assert 1.3 * children < Qapr.objects.count() < 3.2 * children
    assert SubConcern.objects.count() >= concerns
    assert GoodPracticeNote.objects.exists() and Review.objects.exists()
    assert ReviewStep.objects.count() == 4 * Review.objects.count()
    # Mostly closed, some still open, a few overdue.
    closed = Concern.objects.filter(state__in=CLOSED_STATES).count()
    assert closed > concerns / 2
    assert Concern.objects.filter(state__in=OPEN_STATES).exists()
    today = timezone.localdate()
    assert Task.objects.filter(state=TaskState.ACTIVE, due_on__lt=today).exists()
    assert Task.objects.filter(state=TaskState.RETRACTED).exists()
    assert Qapr.objects.filter(state=QaprState.FINALISED).count() > Qapr.objects.count() / 2
    grades = set(Qapr.objects.exclude(grade="").values_list("grade", flat=True))
    assert len(grades) == 4
    statuses = dict(Child.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(ChildStatus.values)
    assert statuses[ChildStatus.CHILD_IN_CARE] > statuses[ChildStatus.CHILD_IN_NEED]
    # One child in a hundred is restricted.
    assert Child.objects.filter(restricted=True).count() == CHILDREN // 100
    assert "escalations.Task" in seeded and "rows in" in seeded


def test_the_hierarchy_has_every_level_and_a_reviewing_service(seeded):
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DIRECTORATE, parent=None).count() == 1
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.GROUP).exists()
    reviewing = OrgUnit.objects.get(is_reviewing_service=True)
    assert Team.objects.filter(unit=reviewing, kind=Team.Kind.REVIEWING).exists()
    assert not Team.objects.filter(manager=None).exists()
    for role in [
        RoleCode.DIRECTOR_CHILDRENS_SERVICES,
        RoleCode.DIRECTOR,
        RoleCode.ASSISTANT_DIRECTOR,
        RoleCode.HEAD_OF_SERVICE,
        RoleCode.GROUP_MANAGER,
        RoleCode.REVIEWING_SERVICE_MANAGER,
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
    ]:
        assert Post.objects.filter(role_id=role).exists(), role
    for role in [RoleCode.IRO, RoleCode.CP_CHAIR, RoleCode.SOCIAL_WORKER, RoleCode.PERFORMANCE]:
        assert User.objects.filter(roles=role).exists(), role
    # Every child is allocated, and the current fields agree with the allocation rows.
    assert not Child.objects.filter(Q(team=None) | Q(social_worker=None)).exists()
    assert not Child.objects.filter(
        status__in=[ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION],
        reviewing_officer=None,
    ).exists()
    child = Child.objects.filter(status=ChildStatus.CHILD_IN_CARE).first()
    current = {a.kind: a for a in Allocation.objects.filter(child=child, end_date=None)}
    assert current[Allocation.Kind.TEAM].team_id == child.team_id
    assert current[Allocation.Kind.SOCIAL_WORKER].worker_id == child.social_worker_id
    assert current[Allocation.Kind.REVIEWING_OFFICER].worker_id == child.reviewing_officer_id
    assert child.social_worker.team_id == child.team_id


def test_concerns_keep_the_figures_the_services_would_have_stored(seeded):
    today = timezone.localdate()
    raised = Concern.objects.exclude(state=ConcernState.DRAFT)
    assert not raised.filter(Q(opened_on=None) | Q(team=None) | Q(current_stage=None)).exists()
    assert not raised.filter(opened_on__gt=today).exists()
    assert not raised.filter(opened_on__lt=today - dt.timedelta(days=1200)).exists()
    closed = Concern.objects.filter(state__in=CLOSED_STATES)
    assert not closed.filter(
        Q(closed_on=None) | Q(closed_level=None) | Q(formal_working_days=None)
    ).exists()
    assert not closed.filter(closed_on__gt=today).exists()
    assert not Concern.objects.filter(state__in=OPEN_STATES, closed_level__isnull=False).exists()
    primary = {
        link.concern_id: link.child
        for link in ConcernChild.objects.filter(is_primary=True).select_related("child")
    }
    assert len(primary) == Concern.objects.count()
    rng = random.Random(1)
    sample = rng.sample(list(raised.prefetch_related("stages")), 60)
    for concern in sample:
        child = primary[concern.pk]
        assert concern.team_id == child.team_id
        assert concern.child_status == child.status
        stages = sorted(concern.stages.all(), key=lambda s: (s.opened_on, s.level))
        assert concern.current_stage_id == stages[-1].pk
        assert stages[0].opened_on == concern.opened_on
        for stage in stages:
            if stage.outcome_on:
                assert stage.working_days_taken == workdays.working_days_between(
                    stage.opened_on, stage.outcome_on
                )
            else:
                assert stage is stages[-1] and stage.working_days_taken is None
        if concern.state in CLOSED_STATES:
            assert concern.closed_level == max(s.level for s in stages)
            formal = sum(s.working_days_taken for s in stages if s.level > 0)
            assert concern.formal_working_days == formal
        if concern.state in OPEN_STATES:
            assert stages[-1].outcome == ""
            assert concern.state == ("informal" if stages[-1].level == 0 else "formal")
    # Every stage's sub-concern categories belong to the active protocol.
    categories = set(SubConcern.objects.values_list("category__protocol__is_active", flat=True))
    assert categories == {True}
    # A stage has at most one live task (the database enforces it), and a closed stage none
    # still waiting.
    assert not Task.objects.filter(state=TaskState.ACTIVE, stage__outcome_on__isnull=False).exists()
    assert Stage.objects.filter(legal_advice_sought=True).exists()


def test_childrens_review_and_qapr_dates_match_the_schedule_rules(seeded):
    rng = random.Random(2)
    reviewed = list(
        Child.objects.filter(
            status__in=[ChildStatus.CHILD_IN_CARE, ChildStatus.CHILD_PROTECTION]
        ).order_by("id")
    )
    for child in rng.sample(reviewed, 40):
        plan = case_services.child_schedule(child)
        compliance = case_services.child_compliance(child, plan)
        assert child.review_due_on == (plan.next_due.on if plan.next_due else None)
        assert child.qapr_due_on == compliance.due_on
        assert child.qapr_windows_due == compliance.windows_due(timezone.localdate())
        assert child.qapr_windows_done == compliance.windows_done()
    assert Child.objects.filter(qapr_windows_done__gt=0).exists()
    assert Child.objects.filter(review_due_on__lt=timezone.localdate()).exists()
    other = Child.objects.filter(status=ChildStatus.CHILD_IN_NEED)
    assert not other.filter(review_due_on__isnull=False).exists()
    # Good and outstanding QAPRs sent their good practice note to the social worker.
    for qapr in Qapr.objects.filter(grade__in=["good", "outstanding"]).select_related(
        "child", "good_practice_note"
    )[:20]:
        assert qapr.good_practice_note.recipient_id == qapr.child.social_worker_id
        assert qapr.good_practice_note.team_id == qapr.child.team_id
    assert Qapr.objects.filter(grade="inadequate").exclude(concern=None).exists()


def test_it_refuses_a_database_with_children_unless_appending(seeded):
    with pytest.raises(CommandError, match="already has children"):
        seed()
    before = Concern.objects.count()
    out = seed(append=True, batch_size=500)
    assert Child.objects.count() == 2 * CHILDREN
    assert Concern.objects.count() > before
    assert "rows in" in out
    # Ids continue from the rows already there, and the database hands out the next ones.
    team = Team.objects.create(name="A team made after seeding", unit=OrgUnit.objects.first())
    assert team.pk > Team.objects.exclude(pk=team.pk).order_by("-pk").first().pk


def test_it_needs_an_active_protocol(db):
    from prp.models import Protocol

    Protocol.objects.update(is_active=False)
    with pytest.raises(CommandError, match="no active protocol"):
        seed()
