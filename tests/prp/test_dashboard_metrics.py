"""Each dashboard figure computed on a small hand-built authority where the right answer is known.

The data is made directly (not through the services) with the denormalised fields the services
would keep set explicitly, so each number below can be checked by hand against the table in
`world`'s docstring. Time is frozen on Wednesday 15 January 2025; the default period is then
1 February 2024 to 15 January 2025.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from cases.models import ChildStatus
from dashboards import metrics
from escalations.models import (
    Concern,
    ConcernChild,
    ConcernState,
    GoodPracticeNote,
    Outcome,
    Stage,
    SubConcern,
    TaskState,
)
from prp.models import OrgUnit, ProtocolCategory, RoleCode, Team
from qapr.models import Grade, Qapr, QaprState, Variant
from tests.builders import allocate
from tests.factories import (
    ChildFactory,
    OrgUnitFactory,
    StageFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

TODAY = dt.date(2025, 1, 15)
NOW = dt.datetime(2025, 1, 15, 10, 0)
D = dt.date


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# Building blocks -------------------------------------------------------------------------------


def make_concern(
    *,
    raiser,
    child,
    state,
    stages,
    categories=(),
    archived_categories=(),
    closed_on=None,
    closed_level=None,
    formal_days=None,
    title="A concern",
):
    """A concern as the services leave it: its stages (level, opened_on, outcome, outcome_on,
    working days taken, legal advice sought), the last one current, and the dashboard fields."""
    protocol = child_protocol()
    concern = Concern.objects.create(
        protocol=protocol,
        raised_by=raiser,
        title=title,
        state=state,
        start_level=stages[0]["level"] if stages else 0,
        opened_on=stages[0]["opened_on"] if stages else None,
        closed_on=closed_on,
        team=child.team,
        child_status=child.status,
        closed_level=closed_level,
        formal_working_days=formal_days,
    )
    ConcernChild.objects.create(concern=concern, child=child, is_primary=True)
    for name in categories:
        SubConcern.objects.create(
            concern=concern, category=category(name), description="d", impact_on_child="i"
        )
    for name in archived_categories:
        SubConcern.objects.create(
            concern=concern,
            category=category(name),
            description="d",
            impact_on_child="i",
            archived_at=timezone.now(),
        )
    stage = None
    for spec in stages:
        stage = StageFactory(
            concern=concern,
            protocol_stage=protocol.stages.get(level=spec["level"]),
            level=spec["level"],
            raised_by=raiser,
            opened_on=spec["opened_on"],
            outcome=spec.get("outcome", ""),
            outcome_on=spec.get("outcome_on"),
            working_days_taken=spec.get("days"),
            legal_advice_sought=spec.get("legal"),
        )
    Concern.objects.filter(pk=concern.pk).update(current_stage=stage)
    concern.refresh_from_db()
    return concern


def waiting(concern, assignee, due_on, *, state=TaskState.ACTIVE):
    """A task at the concern's current stage, waiting for `assignee` since it was delegated."""
    return TaskFactory(
        stage=concern.current_stage,
        assignee=assignee,
        delegated_by=concern.raised_by,
        due_on=due_on,
        state=state,
    )


def child_protocol():
    from escalations.rules import active_protocol

    return active_protocol()


def category(name):
    return ProtocolCategory.objects.get(protocol=child_protocol(), name=name)


def at(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def stage(level, opened_on, outcome="", outcome_on=None, days=None, legal=None):
    return {
        "level": level,
        "opened_on": opened_on,
        "outcome": outcome,
        "outcome_on": outcome_on,
        "days": days,
        "legal": legal,
    }


@pytest.fixture
def world(
    gloucestershire,
    directorate,
    team,
    iro,
    iro_team,
    child,
    restricted_child,
    team_manager,
    head_of_service,
    social_worker,
):
    """Two services, each with one team and one child; a restricted child in the first team.

    | concern | team | state     | current stage | opened     | closed / level / formal days |
    | C1      | A    | informal  | 0             | 6 Jan 25   | task due 13 Jan 25 (overdue) |
    | C2      | A    | formal    | 1             | 2 Dec 24   | task due 9 Dec 24 (overdue)  |
    | C3      | B    | formal    | 2             | 1 Nov 24   | L1 5 days, legal advice      |
    | C4      | B    | referred  | 1             | 1 Oct 24   | L1 10 days, CAFCASS          |
    | C5      | A    | resolved  | 0             | 2 Sep 24   | 9 Sep 24 / 0 / 0, L0 5 days  |
    | C6      | A    | resolved  | 2             | 3 Jun 24   | 1 Jul 24 / 2 / 20, 5 + 15    |
    | C7      | B    | withdrawn | 1             | 1 Mar 24   | 5 Apr 24 / 1 / 25, legal     |
    | C8      | A    | resolved  | 1             | 1 Dec 23   | 15 Feb 24 / 1 / 12           |
    | C9      | A    | resolved  | 0             | 1 May 23   | 1 Jun 23 (before the period) |
    | C12     | A    | resolved  | 0             | 1 Aug 24   | 13 Aug 24 / 0 / 0, L0 8 days |
    | C13     | B    | informal  | 0             | 2 Jan 25   | task due 9 Jan 25 (overdue)  |
    | R       | A    | formal    | 1             | restricted child: never counted |
    | draft   | A    | draft     | -             | never counted                   |
    """
    service_b = OrgUnitFactory(name="Safeguarding", kind=OrgUnit.Kind.SERVICE, parent=directorate)
    team_b = TeamFactory(name="Child Protection East", unit=service_b)
    cp_team = TeamFactory(name="CP Chair Team", unit=iro_team.unit, kind=Team.Kind.REVIEWING)
    chair = UserFactory(full_name="Cara Chair", roles=[RoleCode.CP_CHAIR], team=cp_team)
    child_b = allocate(
        ChildFactory(first_name="Bea", status=ChildStatus.CHILD_PROTECTION),
        team=team_b,
        reviewing_officer=chair,
    )
    informal, resolved = ConcernState.INFORMAL, ConcernState.RESOLVED
    c = SimpleNamespace()
    c.c1 = make_concern(
        raiser=iro,
        child=child,
        state=informal,
        stages=[stage(0, D(2025, 1, 6))],
        categories=["Safeguarding"],
    )
    waiting(c.c1, team_manager, D(2025, 1, 13))
    c.c2 = make_concern(
        raiser=iro,
        child=child,
        state=ConcernState.FORMAL,
        stages=[stage(1, D(2024, 12, 2))],
        categories=["Drift and delay", "Process"],
        archived_categories=["Safeguarding"],
    )
    waiting(c.c2, team_manager, D(2024, 12, 9))
    c.c3 = make_concern(
        raiser=chair,
        child=child_b,
        state=ConcernState.FORMAL,
        stages=[
            stage(1, D(2024, 11, 1), Outcome.ESCALATE_NEXT, D(2024, 11, 8), 5, legal=True),
            stage(2, D(2024, 11, 8)),
        ],
        categories=["Safeguarding"],
    )
    waiting(c.c3, head_of_service, D(2025, 2, 3))
    c.c4 = make_concern(
        raiser=chair,
        child=child_b,
        state=ConcernState.REFERRED,
        stages=[stage(1, D(2024, 10, 1), Outcome.REFER_CAFCASS, D(2024, 10, 15), 10)],
        categories=["Drift and delay"],
    )
    c.c5 = make_concern(
        raiser=iro,
        child=child,
        state=resolved,
        stages=[stage(0, D(2024, 9, 2), Outcome.RESOLVED, D(2024, 9, 9), 5)],
        closed_on=D(2024, 9, 9),
        closed_level=0,
        formal_days=0,
    )
    c.c6 = make_concern(
        raiser=iro,
        child=child,
        state=resolved,
        stages=[
            stage(1, D(2024, 6, 3), Outcome.ESCALATE_NEXT, D(2024, 6, 10), 5),
            stage(2, D(2024, 6, 10), Outcome.RESOLVED, D(2024, 7, 1), 15),
        ],
        closed_on=D(2024, 7, 1),
        closed_level=2,
        formal_days=20,
    )
    c.c7 = make_concern(
        raiser=chair,
        child=child_b,
        state=ConcernState.WITHDRAWN,
        stages=[stage(1, D(2024, 3, 1), Outcome.WITHDRAWN, D(2024, 4, 5), 25, legal=True)],
        closed_on=D(2024, 4, 5),
        closed_level=1,
        formal_days=25,
    )
    c.c8 = make_concern(
        raiser=iro,
        child=child,
        state=resolved,
        stages=[stage(1, D(2023, 12, 1), Outcome.RESOLVED, D(2024, 2, 15), 12)],
        closed_on=D(2024, 2, 15),
        closed_level=1,
        formal_days=12,
    )
    c.c9 = make_concern(
        raiser=iro,
        child=child,
        state=resolved,
        stages=[stage(0, D(2023, 5, 1), Outcome.RESOLVED, D(2023, 6, 1), 22, legal=True)],
        closed_on=D(2023, 6, 1),
        closed_level=0,
        formal_days=0,
    )
    c.c12 = make_concern(
        raiser=iro,
        child=child,
        state=resolved,
        stages=[stage(0, D(2024, 8, 1), Outcome.RESOLVED, D(2024, 8, 13), 8)],
        closed_on=D(2024, 8, 13),
        closed_level=0,
        formal_days=0,
    )
    c.c13 = make_concern(
        raiser=chair,
        child=child_b,
        state=informal,
        stages=[stage(0, D(2025, 1, 2))],
        categories=["Safeguarding"],
    )
    waiting(c.c13, head_of_service, D(2025, 1, 9))
    # Never counted: a restricted child's concern (overdue, referred-like figures) and a draft.
    c.restricted = make_concern(
        raiser=iro,
        child=restricted_child,
        state=ConcernState.FORMAL,
        stages=[stage(1, D(2024, 12, 2), Outcome.REFER_CAFCASS, D(2024, 12, 3), 1, legal=True)],
        categories=["Safeguarding"],
    )
    Stage.objects.create(
        concern=c.restricted,
        protocol_stage=child_protocol().stages.get(level=2),
        level=2,
        raised_by=iro,
        opened_on=D(2024, 12, 3),
    )
    restricted_stage = Stage.objects.filter(concern=c.restricted, level=2).get()
    Concern.objects.filter(pk=c.restricted.pk).update(current_stage=restricted_stage)
    c.restricted.refresh_from_db()
    waiting(c.restricted, team_manager, D(2024, 12, 10))
    c.draft = make_concern(raiser=iro, child=child, state=ConcernState.DRAFT, stages=[])

    # Reviews and QAPRs: counts kept on the child.
    type(child).objects.filter(pk=child.pk).update(
        review_due_on=D(2025, 1, 14),
        qapr_due_on=D(2025, 1, 10),
        qapr_windows_due=4,
        qapr_windows_done=3,
    )
    type(child).objects.filter(pk=child_b.pk).update(
        review_due_on=D(2025, 2, 1),
        qapr_due_on=D(2025, 3, 1),
        qapr_windows_due=2,
        qapr_windows_done=2,
    )
    type(child).objects.filter(pk=restricted_child.pk).update(
        review_due_on=D(2024, 12, 1),
        qapr_due_on=D(2024, 12, 1),
        qapr_windows_due=5,
        qapr_windows_done=0,
    )
    for who, grade, on, state in (
        (child, Grade.GOOD, D(2024, 6, 1), QaprState.FINALISED),
        (child_b, Grade.INADEQUATE, D(2024, 11, 1), QaprState.FINALISED),
        (child, Grade.GOOD, D(2023, 12, 1), QaprState.FINALISED),  # before the period
        (restricted_child, Grade.OUTSTANDING, D(2024, 6, 1), QaprState.FINALISED),
        (child, "", None, QaprState.DRAFT),
    ):
        Qapr.objects.create(
            child=who,
            author=iro,
            variant=Variant.CHILD_IN_CARE,
            state=state,
            grade=grade,
            completed_on=on,
        )
    for direction, note_team, note_child, day in (
        (GoodPracticeNote.Direction.TO_PRACTITIONER, team, child, D(2024, 10, 1)),
        (GoodPracticeNote.Direction.TO_REVIEWER, team_b, child_b, D(2024, 12, 1)),
        (GoodPracticeNote.Direction.TO_PRACTITIONER, team, restricted_child, D(2024, 10, 2)),
        (GoodPracticeNote.Direction.TO_PRACTITIONER, team, child, D(2023, 12, 1)),
    ):
        GoodPracticeNote.objects.create(
            direction=direction,
            author=iro,
            recipient=social_worker,
            child=note_child,
            category=category("Process"),
            note="n",
            impact_on_child="i",
            team=note_team,
            created_at=at(day),
        )
    return SimpleNamespace(
        concerns=c,
        team_a=team,
        team_b=team_b,
        service_a=team.unit,
        service_b=service_b,
        child_b=child_b,
        chair=chair,
        cp_team=cp_team,
    )


@pytest.fixture
def whole(service_manager):
    """The reviewing service manager: the whole authority."""
    return service_manager


def everything(**chosen):
    return metrics.Filters.default(TODAY, **chosen)


pytestmark = pytest.mark.usefixtures("frozen")


# The filters ---------------------------------------------------------------------------------


def test_the_default_period_is_the_last_twelve_months():
    assert metrics.default_period(TODAY) == (D(2024, 2, 1), TODAY)
    assert metrics.default_period(D(2024, 12, 31)) == (D(2024, 1, 1), D(2024, 12, 31))


# Where concerns are waiting ------------------------------------------------------------------


def test_open_concerns_by_stage_show_every_stage_then_those_with_cafcass(world, whole):
    rows = metrics.open_by_stage(whole, everything())
    assert [(r.level, r.label, r.count) for r in rows] == [
        (0, "Informal", 2),  # C1, C13
        (1, "Formal stage 1", 1),  # C2
        (2, "Formal stage 2", 1),  # C3
        (3, "Formal stage 3", 0),
        (4, "Formal stage 4", 0),
        (None, "Referred to CAFCASS", 1),  # C4
    ]


def test_open_concerns_at_one_stage(world, whole):
    rows = metrics.open_by_stage(whole, everything(level=1))
    assert [(r.level, r.count) for r in rows] == [(1, 1)]


def test_open_concerns_by_category_count_each_concern_once_per_live_category(world, whole):
    rows = metrics.open_by_category(whole, everything())
    # C2's archived Safeguarding sub-concern does not count; C4 (with CAFCASS) does.
    assert [(r.name, r.count) for r in rows] == [
        ("Safeguarding", 3),  # C1, C3, C13
        ("Drift and delay", 2),  # C2, C4
        ("Process", 1),  # C2
    ]


def test_overdue_responses_and_the_people_they_wait_for(world, whole, team_manager):
    overdue = metrics.overdue_tasks(whole, everything(), TODAY)
    assert overdue.count == 3  # C1, C2, C13 (the restricted child's is left out)
    people = [(p.name, p.count, p.oldest_due_on, p.working_days_late) for p in overdue.people]
    assert people == [
        # 9 December 2024 to 15 January 2025: 24 working days, Christmas and New Year's Day out.
        ("Tom Manager", 2, D(2024, 12, 9), 24),
        # Friday 10, Monday 13, Tuesday 14 and Wednesday 15 January.
        ("Hana Head", 1, D(2025, 1, 9), 4),
    ]
    assert overdue.people[0].team == "Children in Care North"


def test_only_twenty_people_are_listed(world, whole, team_manager):
    for n in range(21):
        person = UserFactory(full_name=f"Late Person {n:02d}")
        concern = make_concern(
            raiser=whole,
            child=world.child_b,
            state=ConcernState.INFORMAL,
            stages=[stage(0, D(2025, 1, 2))],
        )
        waiting(concern, person, D(2025, 1, 3))
    overdue = metrics.overdue_tasks(whole, everything(), TODAY)
    assert overdue.count == 24
    assert len(overdue.people) == 20
    assert overdue.people[0].name == "Tom Manager"  # two overdue


# How long it takes ---------------------------------------------------------------------------


def test_median_and_ninetieth_percentile_of_working_days_per_stage(world, whole):
    rows = metrics.resolution_times(whole, everything())
    assert [(r.level, r.label, r.count, r.median, r.p90) for r in rows] == [
        # 5 and 8 (C5, C12; C9 was decided before the period): the median is their mean.
        (0, "Informal", 2, 6.5, 8),
        # 5, 5, 10, 12, 25 (C3, C6, C4, C8, C7): the middle one; nearest rank ceil(4.5) = 5th.
        (1, "Formal stage 1", 5, 10, 25),
        (2, "Formal stage 2", 1, 15, 15),  # C6
    ]


def test_times_at_one_stage_and_in_a_shorter_period(world, whole):
    rows = metrics.resolution_times(whole, everything(level=1))
    assert [(r.level, r.count) for r in rows] == [(1, 5)]
    short = metrics.Filters(date_from=D(2024, 10, 1), date_to=TODAY)
    rows = metrics.resolution_times(whole, short)
    # Level 1: C4 (10, 15 October) and C3 (5, 8 November).
    assert [(r.level, r.count, r.median, r.p90) for r in rows] == [(1, 2, 7.5, 10)]


def test_share_of_closed_formal_concerns_done_within_twenty_working_days(world, whole):
    share = metrics.formal_within_target(whole, everything())
    # Closed in the period after a formal stage: C6 (20), C7 (25, withdrawn), C8 (12).
    assert (share.part, share.whole, share.percent) == (2, 3, 67)


def test_the_target_can_be_set_by_the_authority(world, whole, settings):
    settings.DASHBOARD_FORMAL_TARGET_DAYS = 15
    share = metrics.formal_within_target(whole, everything())
    assert (share.part, share.whole) == (1, 3)  # only C8


def test_share_resolved_at_the_informal_stage(world, whole):
    share = metrics.resolved_informally(whole, everything())
    # Resolved in the period: C5 and C12 informally, C6 and C8 after formal stages.
    assert (share.part, share.whole, share.percent) == (2, 4, 50)


def test_a_share_of_nothing_has_no_percentage():
    assert metrics.Share(part=0, whole=0).percent is None


# Over time -----------------------------------------------------------------------------------


def test_monthly_trend_of_raised_and_resolved(world, whole):
    trend = metrics.monthly_trend(whole, everything())
    assert [m.month for m in trend] == [metrics.add_months(D(2024, 2, 1), n) for n in range(12)]
    raised = {m.month: m.raised for m in trend if m.raised}
    resolved = {m.month: m.resolved for m in trend if m.resolved}
    assert raised == {
        D(2024, 3, 1): 1,  # C7
        D(2024, 6, 1): 1,  # C6
        D(2024, 8, 1): 1,  # C12
        D(2024, 9, 1): 1,  # C5
        D(2024, 10, 1): 1,  # C4
        D(2024, 11, 1): 1,  # C3
        D(2024, 12, 1): 1,  # C2
        D(2025, 1, 1): 2,  # C1, C13
    }
    # C7 was withdrawn, not resolved.
    assert resolved == {D(2024, 2, 1): 1, D(2024, 7, 1): 1, D(2024, 8, 1): 1, D(2024, 9, 1): 1}
    assert trend[0].last_day == D(2024, 2, 29)


# Across the authority ------------------------------------------------------------------------


def test_by_team_and_by_service(world, whole):
    teams = {r.name: (r.open, r.overdue, r.raised) for r in metrics.by_team(whole, everything())}
    assert teams == {
        # Open C1, C2 (both overdue); raised in the period C1, C2, C5, C6, C12.
        "Children in Care North": (2, 2, 5),
        # Open C3, C4 (with CAFCASS), C13 (overdue); raised C3, C4, C7, C13.
        "Child Protection East": (3, 1, 4),
    }
    services = {
        r.id: (r.open, r.overdue, r.raised) for r in metrics.by_service(whole, everything())
    }
    assert services == {world.service_a.pk: (2, 2, 5), world.service_b.pk: (3, 1, 4)}


def test_filters_narrow_every_concern_figure(world, whole):
    chosen = everything(team_id=world.team_b.pk)
    assert [r.count for r in metrics.open_by_stage(whole, chosen)] == [1, 0, 1, 0, 0, 1]
    assert metrics.overdue_tasks(whole, chosen, TODAY).count == 1
    chosen = everything(service_id=world.service_a.pk)
    assert metrics.resolved_informally(whole, chosen).whole == 4
    chosen = everything(child_status=ChildStatus.CHILD_PROTECTION)
    assert metrics.formal_within_target(whole, chosen).whole == 1  # C7
    chosen = everything(category_id=category("Safeguarding").pk)
    assert [(r.name, r.count) for r in metrics.open_by_category(whole, chosen)] == [
        ("Safeguarding", 3)
    ]
    assert sum(r.count for r in metrics.open_by_stage(whole, chosen)) == 3


# Good practice, QAPRs, reviews and decisions ---------------------------------------------------


def test_good_practice_notes_in_the_period_by_direction(world, whole):
    notes = metrics.good_practice(whole, everything())
    assert notes.count == 2  # the restricted child's and the one before the period left out
    assert [(r.key, r.count) for r in notes.by_direction] == [
        ("to_practitioner", 1),
        ("to_reviewer", 1),
    ]


def test_qapr_compliance_and_overdue(world, whole):
    qapr = metrics.qapr_compliance(whole, everything(), TODAY)
    # Windows 4 + 2 due, 3 + 2 done; the restricted child's 5 and 0 left out.
    assert (qapr.windows_due, qapr.windows_done, qapr.overdue) == (6, 5, 1)
    assert qapr.share.percent == 83


def test_grades_of_qaprs_finalised_in_the_period(world, whole):
    grades = {r.key: r.count for r in metrics.qapr_grades(whole, everything())}
    assert grades == {
        Grade.OUTSTANDING: 0,  # the restricted child's is left out
        Grade.GOOD: 1,  # the one before the period is left out
        Grade.REQUIRES_IMPROVEMENT: 0,
        Grade.INADEQUATE: 1,
    }


def test_cafcass_referrals_and_legal_advice_in_the_period(world, whole):
    made = metrics.decisions(whole, everything())
    # CAFCASS: C4. Legal advice: C3 and C7 (C9's was before the period).
    assert (made.referred_to_cafcass, made.legal_advice_sought) == (1, 2)
    made = metrics.decisions(whole, everything(level=2))
    assert (made.referred_to_cafcass, made.legal_advice_sought) == (0, 0)


def test_statutory_reviews_overdue(world, whole):
    assert metrics.reviews_overdue(whole, everything(), TODAY) == 1
    assert metrics.reviews_overdue(whole, everything(team_id=world.team_b.pk), TODAY) == 0


# Who sees what ---------------------------------------------------------------------------------


@pytest.fixture
def reviewing_team_manager(world, iro_team):
    manager = UserFactory(full_name="Rita Lead", roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro_team.manager = manager
    iro_team.save()
    manager.team = iro_team
    manager.save()
    return manager


def test_a_team_manager_counts_only_their_span(world, reviewing_team_manager):
    """The IRO team's manager counts the concerns the team's IROs raised (team A's), not the CP
    Chairs' (team B's), and the children the team's IROs review."""
    person = reviewing_team_manager
    dash = metrics.dashboard(person, everything(), TODAY)
    assert [r.count for r in dash.open_by_stage] == [1, 1, 0, 0, 0, 0]
    assert dash.overdue_tasks.count == 2
    assert (dash.resolved_informally.part, dash.resolved_informally.whole) == (2, 4)
    assert [r.name for r in dash.by_team] == ["Children in Care North"]
    assert (dash.qapr_compliance.windows_due, dash.qapr_compliance.windows_done) == (4, 3)
    assert dash.reviews_overdue == 1
    assert {r.key: r.count for r in dash.qapr_grades}[Grade.INADEQUATE] == 0
    assert dash.good_practice.count == 0  # the notes are filed to the operational teams


def test_a_head_of_service_counts_their_service(world, head_of_service):
    dash = metrics.dashboard(head_of_service, everything(), TODAY)
    assert dash.open_total == 2
    assert [r.name for r in dash.by_service] == ["Children in Care"]
    assert dash.good_practice.count == 1
    assert dash.decisions.legal_advice_sought == 0


def test_the_whole_authority_for_the_reviewing_service_and_performance(world, whole):
    performance = UserFactory(roles=[RoleCode.PERFORMANCE])
    for person in (whole, performance):
        dash = metrics.dashboard(person, everything(), TODAY)
        assert dash.open_total == 5
        assert dash.overdue_tasks.count == 3


def test_people_without_a_dashboard_role_count_nothing(world, social_worker, outsider):
    for person in (social_worker, outsider):
        dash = metrics.dashboard(person, everything(), TODAY)
        assert dash.open_total == 0
        assert dash.overdue_tasks.count == 0
        assert dash.qapr_compliance.windows_due == 0
        assert dash.good_practice.count == 0


def test_each_figure_takes_a_fixed_number_of_queries(world, whole, django_assert_max_num_queries):
    expected = {
        "open_by_stage": 2,
        "open_by_category": 1,
        "overdue_tasks": 2,
        "past_formal_limit": 1,
        "resolution_times": 3,
        "formal_within_target": 1,
        "resolved_informally": 1,
        "monthly_trend": 2,
        "by_team": 1,
        "by_service": 1,
        "good_practice": 1,
        "qapr_compliance": 1,
        "qapr_grades": 1,
        "decisions": 1,
        "reviews_overdue": 1,
    }
    assert set(expected) == set(metrics.FIGURES)
    whole.role_codes  # noqa: B018 - the roles are loaded once per request, before any figure
    metrics.span_team_ids(whole)
    for name, queries in expected.items():
        with django_assert_max_num_queries(queries + 1):  # + the working-day calendar
            metrics.figure(name, whole, everything(), TODAY)
