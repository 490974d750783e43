"""The reports: the monthly themes report, the weekly clinic pack and the IRO annual report.

Each figure is checked on a small dataset built by hand (rows written directly, with the
denormalised fields the services would have stored), where the right answer is known; then
who may see each report, what a restricted child leaves out, bad addresses and query counts.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import ChildStatus, Review, SignificantChange
from dashboards import reports
from escalations.models import (
    Concern,
    ConcernChild,
    ConcernState,
    GoodPracticeNote,
    Outcome,
    Stage,
    SubConcern,
    Task,
)
from prp import figures_cache
from prp.models import OrgUnit, ProtocolCategory, ProtocolStage, RoleCode
from qapr.models import Grade, Qapr, QaprState, Variant
from tests.builders import allocate
from tests.factories import (
    ChildFactory,
    OrgUnitFactory,
    QaprFactory,
    StageFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("gloucestershire")

# A ceiling well above what any report needs; the real test is small == large.
CEILING = 40


# Building rows by hand ---------------------------------------------------------------------------


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def categories() -> tuple[ProtocolCategory, ProtocolCategory]:
    found = list(ProtocolCategory.objects.filter(protocol__is_active=True).order_by("position"))
    return found[0], found[1]


def category_names() -> list[str]:
    """Every category of the active protocol, in its order: the themes report's columns."""
    active = ProtocolCategory.objects.filter(protocol__is_active=True)
    return list(active.order_by("position", "name").values_list("name", flat=True))


def themes_row(label: str, counts: dict[str, int]) -> list:
    """A row of the themes table: a count in every category's column (0 where none)."""
    values = [counts.get(name, 0) for name in category_names()]
    return [label, *values, sum(values)]


def make_concern(
    child,
    *,
    raised_by,
    opened: dt.date | None,
    state: str = ConcernState.FORMAL,
    start_level: int = 1,
    closed: dt.date | None = None,
    closed_level: int | None = None,
    formal_days: int | None = None,
    subs=(),
    title: str = "The plan is drifting",
    other_children=(),
) -> Concern:
    """A concern as the services would have left it. `subs`: (category, impact, created)."""
    concern = Concern.objects.create(
        protocol_id=ProtocolStage.objects.filter(protocol__is_active=True)
        .values_list("protocol_id", flat=True)
        .first(),
        raised_by=raised_by,
        title=title,
        state=state,
        start_level=start_level,
        opened_on=opened,
        closed_on=closed,
        closed_level=closed_level,
        formal_working_days=formal_days,
        team=child.team,
        child_status=child.status,
        created_at=at(opened or dt.date(2020, 1, 1)),
    )
    ConcernChild.objects.create(concern=concern, child=child, is_primary=True)
    for other in other_children:
        ConcernChild.objects.create(concern=concern, child=other)
    for category, impact, created in subs:
        SubConcern.objects.create(
            concern=concern,
            category=category,
            description="What is wrong",
            impact_on_child=impact,
            created_at=at(created),
        )
    return concern


def make_stage(
    concern,
    level: int,
    *,
    opened: dt.date,
    outcome: str = "",
    outcome_on: dt.date | None = None,
    days: int | None = None,
    legal: bool | None = None,
    cafcass: bool | None = None,
) -> Stage:
    stage = StageFactory(
        concern=concern,
        level=level,
        opened_on=opened,
        outcome=outcome,
        outcome_on=outcome_on,
        working_days_taken=days,
        legal_advice_sought=legal,
        cafcass_considered=cafcass,
    )
    Concern.objects.filter(pk=concern.pk).update(current_stage=stage)
    return stage


def make_task(stage, assignee, *, due: dt.date, delegated: dt.date) -> Task:
    return TaskFactory(stage=stage, assignee=assignee, delegated_at=at(delegated), due_on=due)


def make_note(author, recipient, *, created: dt.date, child=None, team=None, direction=None):
    return GoodPracticeNote.objects.create(
        direction=direction or GoodPracticeNote.Direction.TO_PRACTITIONER,
        author=author,
        recipient=recipient,
        child=child,
        category=categories()[0],
        note=f"Good work noticed on {created}",
        impact_on_child="The child felt heard",
        team=team,
        created_at=at(created),
    )


@pytest.fixture
def other_team(directorate):
    """A team in another service: outside the Head of Service's span."""
    service = OrgUnitFactory(name="Safeguarding", kind=OrgUnit.Kind.SERVICE, parent=directorate)
    return TeamFactory(name="Child Protection East", unit=service)


@pytest.fixture
def other_child(other_team, iro):
    return allocate(
        ChildFactory(first_name="Bea", last_name="Lane", status=ChildStatus.CHILD_PROTECTION),
        team=other_team,
        reviewing_officer=iro,
    )


def get(client, user, name, params=None):
    client.force_login(user)
    return client.get(reverse(name), params or {})


# 1. The monthly themes report -----------------------------------------------------------------


@pytest.fixture
def february(iro, child, other_child, restricted_child):
    """Concerns raised in February 2026 (and around it) with known sub-concerns."""
    a, b = categories()
    feb = dt.date(2026, 2, 1)
    first = make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 2, 3),
        subs=[
            (a, "Waiting for a decision", dt.date(2026, 2, 3)),
            (b, "Amara Okafor has waited months; amara is upset. Okafor family", feb),
        ],
    )
    SubConcern.objects.create(
        concern=first,
        category=a,
        description="Removed",
        impact_on_child="An archived statement",
        created_at=at(dt.date(2026, 2, 25)),
        archived_at=at(dt.date(2026, 2, 26)),
    )
    make_concern(
        other_child,
        raised_by=iro,
        opened=dt.date(2026, 2, 10),
        subs=[
            (a, "Second oldest in East", dt.date(2026, 2, 10)),
            (a, "Newer in East", dt.date(2026, 2, 10)),
        ],
    )
    make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 2, 20),
        subs=[(a, "The newest statement", dt.date(2026, 2, 20))],
    )
    make_concern(
        restricted_child,
        raised_by=iro,
        opened=dt.date(2026, 2, 21),
        subs=[(a, "Rory's secret statement", dt.date(2026, 2, 21))],
    )
    make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 1, 30),
        subs=[(b, "Raised in January", dt.date(2026, 1, 30))],
    )
    make_concern(child, raised_by=iro, opened=None, state=ConcernState.DRAFT, subs=[(b, "d", feb)])


@time_machine.travel(dt.datetime(2026, 3, 11, 10, 0), tick=False)
def test_themes_counts_sub_concerns_by_team_and_category_for_the_month(
    february, service_manager, team, other_team
):
    report = reports.themes_report(service_manager, dt.date(2026, 2, 1))
    a, b = categories()
    assert report.teams.headers == ["Team", *category_names(), "Total"]
    assert report.teams.rows == [
        themes_row("Child Protection East", {a.name: 2}),
        themes_row("Children in Care North", {a.name: 2, b.name: 1}),
    ]
    assert report.teams.total == themes_row("Total", {a.name: 4, b.name: 1})
    assert report.total == 5


@time_machine.travel(dt.datetime(2026, 3, 11, 10, 0), tick=False)
def test_themes_examples_are_the_newest_three_per_category_without_names(february, service_manager):
    report = reports.themes_report(service_manager, dt.date(2026, 2, 1))
    a, b = categories()
    assert [row[0] for row in report.examples.rows] == [a.name, a.name, a.name, b.name]
    assert [row[2] for row in report.examples.rows] == [
        "The newest statement",
        "Newer in East",
        "Second oldest in East",
        "[the child] has waited months; [the child] is upset. [surname] family",
    ]
    everything = str(report.teams.rows) + str(report.examples.rows)
    assert "Amara" not in everything and "Okafor" not in everything
    assert "Rory" not in everything and "archived" not in everything


@time_machine.travel(dt.datetime(2026, 3, 11, 10, 0), tick=False)
def test_themes_for_a_manager_count_only_their_span(february, head_of_service):
    report = reports.themes_report(head_of_service, dt.date(2026, 2, 1))
    # The concern about the child in the other service is not in the Head of Service's span.
    a, b = categories()
    assert report.teams.rows == [themes_row("Children in Care North", {a.name: 2, b.name: 1})]
    assert report.teams.total == themes_row("Total", {a.name: 2, b.name: 1})
    assert "East" not in str(report.examples.rows)


@time_machine.travel(dt.datetime(2026, 3, 11, 10, 0), tick=False)
def test_themes_columns_are_every_category_of_the_protocol_in_the_same_order_each_month(
    february, service_manager
):
    # February has concerns in two categories; January in one; December in none.
    months = [dt.date(2026, 2, 1), dt.date(2026, 1, 1), dt.date(2025, 12, 1)]
    headers = [reports.themes_report(service_manager, month).teams.headers for month in months]
    assert headers[0] == ["Team", *category_names(), "Total"]
    assert headers[1] == headers[0] and headers[2] == headers[0]
    assert len(category_names()) > 2


@time_machine.travel(dt.datetime(2026, 3, 11, 10, 0), tick=False)
def test_the_themes_page_defaults_to_last_month_and_offers_downloads(
    client, february, service_manager
):
    response = get(client, service_manager, "reports:themes")
    assert response.status_code == 200
    page = response.content.decode()
    assert "February 2026" in page
    assert "Children in Care North" in page
    assert "The newest statement" in page
    assert "table=teams&amp;format=csv" in page
    assert "table=examples&amp;format=xlsx" in page
    assert "Rory" not in page and "secret" not in page


def test_without_names_replaces_names_as_whole_words_only():
    text = "Amarachi is not Amara; AMARA Okafor's plan"
    assert reports.without_names(text, [("Amara", "Okafor")]) == (
        "Amarachi is not [the child]; [the child]'s plan"
    )


# 2. The weekly clinic pack --------------------------------------------------------------------

WEDNESDAY = dt.datetime(2026, 3, 11, 10, 0)
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture
def week(iro, child, other_child, restricted_child, team_manager, social_worker, service_manager):
    """Concerns around the week of Monday 9 March 2026."""
    new = make_concern(child, raised_by=iro, opened=MONDAY, title="New one")
    make_task(
        make_stage(new, 1, opened=MONDAY), team_manager, due=dt.date(2026, 3, 16), delegated=MONDAY
    )
    old = make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 2, 2),
        state=ConcernState.INFORMAL,
        start_level=0,
        title="Old and late",
    )
    make_task(
        make_stage(old, 0, opened=dt.date(2026, 2, 2)),
        team_manager,
        due=dt.date(2026, 3, 2),
        delegated=dt.date(2026, 2, 2),
    )
    resolved = make_concern(
        other_child,
        raised_by=iro,
        opened=dt.date(2026, 2, 16),
        state=ConcernState.RESOLVED,
        closed=dt.date(2026, 3, 10),
        closed_level=1,
        title="Resolved this week",
    )
    make_stage(
        resolved,
        1,
        opened=dt.date(2026, 2, 16),
        outcome=Outcome.RESOLVED,
        outcome_on=dt.date(2026, 3, 10),
        days=16,
    )
    make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 2, 9),
        state=ConcernState.RESOLVED,
        closed=dt.date(2026, 3, 3),
        closed_level=1,
        title="Resolved last week",
    )
    make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 1, 5),
        state=ConcernState.REFERRED,
        title="With CAFCASS",
    )
    make_concern(
        child,
        raised_by=iro,
        opened=dt.date(2026, 1, 12),
        state=ConcernState.WITHDRAWN,
        closed=dt.date(2026, 3, 4),
        title="Withdrawn",
    )
    hidden = make_concern(
        restricted_child, raised_by=iro, opened=dt.date(2026, 3, 10), title="Secret concern"
    )
    make_task(
        make_stage(hidden, 1, opened=dt.date(2026, 2, 2)),
        team_manager,
        due=dt.date(2026, 3, 2),
        delegated=dt.date(2026, 2, 2),
    )
    make_note(iro, social_worker, created=dt.date(2026, 3, 10), child=child)
    make_note(iro, social_worker, created=dt.date(2026, 3, 6), child=child)
    make_note(iro, social_worker, created=dt.date(2026, 3, 10), child=restricted_child)


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_pack_lists_new_open_overdue_resolved_and_good_practice(week, iro):
    pack = reports.clinic_pack(iro, MONDAY)
    tables = {table.key: table for table in pack.tables}
    assert [row[1] for row in tables["new"].rows] == ["New one"]
    assert [row[1] for row in tables["open"].rows] == ["With CAFCASS", "Old and late", "New one"]
    assert tables["open"].rows[1][5] == 27  # 2 February to 11 March 2026, in working days
    overdue = tables["overdue"].rows
    assert len(overdue) == 1
    assert overdue[0][3:] == ["Tom Manager", dt.date(2026, 3, 2), 7]
    assert [row[1] for row in tables["resolved"].rows] == ["Resolved this week"]
    assert len(tables["good_practice"].rows) == 1
    assert tables["good_practice"].rows[0][4] == "Amara Okafor"
    assert pack.as_at == dt.date(2026, 3, 11)


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_past_weeks_pack_shows_open_and_overdue_as_they_stood_at_its_end(week, iro):
    pack = reports.clinic_pack(iro, dt.date(2026, 3, 2))
    tables = {table.key: table for table in pack.tables}
    assert pack.as_at == dt.date(2026, 3, 8)
    assert [row[1] for row in tables["open"].rows] == [
        "With CAFCASS",
        "Old and late",
        "Resolved this week",
    ]
    assert [row[1] for row in tables["resolved"].rows] == ["Resolved last week"]
    assert tables["overdue"].rows[0][5] == 4  # due Monday 2 March, still waiting on Sunday 8th
    assert tables["new"].rows == []
    assert len(tables["good_practice"].rows) == 1


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_pack_page_is_printable_and_leaves_out_restricted_children(client, week, iro):
    response = get(client, iro, "reports:clinic_pack")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Week beginning 9 March 2026" in page
    for caption in (
        "New this week (1)",
        "Open at the end of the week (3)",
        "Overdue responses (1)",
        "Resolved this week (1)",
        "Good practice this week (1)",
    ):
        assert caption in page
    assert 'media="print"' in page and "css/print.css" in page
    assert "Secret concern" not in page and "Rory" not in page and "Hidden" not in page


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_limited_pack_keeps_the_oldest_rows_and_says_how_many_there_are(week, iro):
    tables = {table.key: table for table in reports.clinic_pack(iro, MONDAY, limit=2).tables}
    opened = tables["open"]
    assert [row[1] for row in opened.rows] == ["With CAFCASS", "Old and late"]
    assert opened.total_rows == 3
    assert opened.caption == "Open at the end of the week (3)"
    assert tables["new"].total_rows is None  # one row: nothing left out


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_pack_page_caps_long_tables_but_the_download_has_every_row(
    client, week, iro, monkeypatch
):
    monkeypatch.setattr(reports, "PACK_ROWS_SHOWN", 2)
    page = get(client, iro, "reports:clinic_pack").content.decode()
    assert "Showing the first 2 of 3. Download the table to see them all." in page
    download = get(client, iro, "reports:clinic_pack", {"table": "open", "format": "csv"})
    lines = download.content.decode().strip().splitlines()
    assert len(lines) == 1 + 3  # the heading and every open concern


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_service_wide_pack_lists_what_the_visibility_rule_allows(week, service_manager):
    from escalations.selectors import concern_queryset

    by_rule = (
        concern_queryset(service_manager)
        .exclude(state=ConcernState.DRAFT)
        .filter(about_restricted_child=False)
    )
    assert set(reports.pack_concerns(service_manager).values_list("pk", flat=True)) == set(
        by_rule.values_list("pk", flat=True)
    )
    titles = [row[1] for row in _pack_table(service_manager, "open").rows]
    assert "Secret concern" not in titles and "Old and late" in titles


def _pack_table(user, key):
    return next(table for table in reports.clinic_pack(user, MONDAY).tables if table.key == key)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("iro", 200),
        ("service_manager", 200),
        ("head_of_service", 200),
        ("social_worker", 403),
        ("team_manager", 403),
        ("outsider", 403),
    ],
)
def test_who_may_open_the_clinic_pack(client, request, persona, status):
    response = get(client, request.getfixturevalue(persona), "reports:clinic_pack")
    assert response.status_code == status


# 3. The IRO annual report ---------------------------------------------------------------------

JUNE_2025 = dt.datetime(2025, 6, 10, 10, 0)


@pytest.fixture
def year_2024(iro, child, other_child, restricted_child, social_worker, team):
    """April 2024 to March 2025, with rows just outside it on both sides."""
    a, b = categories()
    d = dt.date
    one = make_concern(
        child,
        raised_by=iro,
        opened=d(2024, 5, 1),
        state=ConcernState.RESOLVED,
        start_level=0,
        closed=d(2024, 5, 20),
        closed_level=0,
        subs=[(a, "x", d(2024, 5, 1))],
    )
    make_stage(
        one, 0, opened=d(2024, 5, 1), outcome=Outcome.RESOLVED, outcome_on=d(2024, 5, 20), days=13
    )
    two = make_concern(
        child,
        raised_by=iro,
        opened=d(2024, 6, 3),
        state=ConcernState.RESOLVED,
        closed=d(2024, 7, 15),
        closed_level=2,
        formal_days=18,
        subs=[(a, "x", d(2024, 6, 3)), (b, "y", d(2024, 6, 3)), (a, "again", d(2024, 6, 3))],
    )
    make_stage(
        two,
        1,
        opened=d(2024, 6, 3),
        outcome=Outcome.ESCALATE_NEXT,
        outcome_on=d(2024, 6, 10),
        days=5,
        legal=True,
        cafcass=False,
    )
    make_stage(
        two,
        2,
        opened=d(2024, 6, 10),
        outcome=Outcome.RESOLVED,
        outcome_on=d(2024, 7, 15),
        days=13,
        legal=False,
        cafcass=False,
    )
    three = make_concern(
        other_child,
        raised_by=iro,
        opened=d(2024, 9, 2),
        state=ConcernState.RESOLVED,
        closed=d(2024, 11, 1),
        closed_level=1,
        formal_days=25,
        subs=[(b, "y", d(2024, 9, 2))],
    )
    make_stage(
        three,
        1,
        opened=d(2024, 9, 2),
        outcome=Outcome.RESOLVED,
        outcome_on=d(2024, 11, 1),
        days=25,
        cafcass=True,
    )
    four = make_concern(
        child,
        raised_by=iro,
        opened=d(2024, 10, 1),
        state=ConcernState.REFERRED,
        start_level=0,
        subs=[(a, "x", d(2024, 10, 1))],
    )
    make_stage(
        four,
        0,
        opened=d(2024, 10, 1),
        outcome=Outcome.ESCALATE_NEXT,
        outcome_on=d(2024, 10, 8),
        days=5,
    )
    make_stage(
        four,
        1,
        opened=d(2024, 10, 8),
        outcome=Outcome.REFER_CAFCASS,
        outcome_on=d(2024, 10, 15),
        days=5,
        legal=True,
        cafcass=True,
    )
    five = make_concern(
        child,
        raised_by=iro,
        opened=d(2025, 2, 3),
        state=ConcernState.WITHDRAWN,
        closed=d(2025, 2, 10),
        subs=[(a, "x", d(2025, 2, 3))],
    )
    make_stage(
        five, 1, opened=d(2025, 2, 3), outcome=Outcome.WITHDRAWN, outcome_on=d(2025, 2, 10), days=5
    )
    six = make_concern(
        child,
        raised_by=iro,
        opened=d(2024, 3, 20),
        state=ConcernState.RESOLVED,
        closed=d(2024, 4, 10),
        closed_level=1,
        formal_days=15,
        subs=[(b, "y", d(2024, 3, 20))],
    )
    make_stage(
        six, 1, opened=d(2024, 3, 20), outcome=Outcome.RESOLVED, outcome_on=d(2024, 4, 10), days=15
    )
    seven = make_concern(child, raised_by=iro, opened=d(2025, 4, 2), subs=[(a, "x", d(2025, 4, 2))])
    make_stage(seven, 1, opened=d(2025, 4, 2))
    hidden = make_concern(
        restricted_child,
        raised_by=iro,
        opened=d(2024, 5, 5),
        state=ConcernState.RESOLVED,
        closed=d(2024, 5, 10),
        closed_level=1,
        formal_days=4,
        subs=[(a, "secret", d(2024, 5, 5))],
    )
    make_stage(
        hidden,
        1,
        opened=d(2024, 5, 5),
        outcome=Outcome.REFER_CAFCASS,
        outcome_on=d(2024, 5, 10),
        days=4,
        legal=True,
        cafcass=True,
    )
    make_stage(hidden, 2, opened=d(2024, 5, 10))
    make_concern(child, raised_by=iro, opened=None, state=ConcernState.DRAFT)

    make_note(iro, social_worker, created=d(2024, 7, 1), child=child, team=team)
    make_note(
        social_worker,
        iro,
        created=d(2025, 3, 31),
        direction=GoodPracticeNote.Direction.TO_REVIEWER,
        team=team,
    )
    make_note(iro, social_worker, created=d(2024, 7, 1), child=restricted_child, team=team)
    make_note(iro, social_worker, created=d(2025, 4, 5), child=child, team=team)

    def qapr(subject, grade, completed, state=QaprState.FINALISED):
        QaprFactory(child=subject, author=iro, state=state, grade=grade, completed_on=completed)

    qapr(child, Grade.GOOD, d(2024, 8, 1))
    qapr(other_child, Grade.GOOD, d(2024, 9, 1))
    qapr(child, Grade.INADEQUATE, d(2025, 1, 15))
    qapr(child, "", None, state=QaprState.DRAFT)
    qapr(restricted_child, Grade.OUTSTANDING, d(2024, 8, 1))
    qapr(child, Grade.OUTSTANDING, d(2025, 5, 1))

    for subject, kind, held in (
        (child, Review.Kind.CIC_REVIEW, d(2024, 6, 1)),
        (child, Review.Kind.CIC_REVIEW, d(2024, 12, 1)),
        (other_child, Review.Kind.CP_REVIEW, d(2024, 9, 9)),
        (restricted_child, Review.Kind.CIC_REVIEW, d(2024, 6, 1)),
        (child, Review.Kind.CIC_REVIEW, d(2025, 4, 10)),
    ):
        Review.objects.create(child=subject, kind=kind, held_on=held, chair=iro)
    type(child).objects.filter(pk=child.pk).update(review_due_on=d(2025, 3, 1))
    type(child).objects.filter(pk=other_child.pk).update(review_due_on=d(2025, 5, 1))
    type(child).objects.filter(pk=restricted_child.pk).update(review_due_on=d(2025, 1, 1))

    for subject, kind, occurred in (
        (child, SignificantChange.Kind.MISSING, d(2024, 7, 1)),
        (child, SignificantChange.Kind.PLACEMENT_CHANGE, d(2024, 8, 1)),
        (child, SignificantChange.Kind.MISSING, d(2024, 9, 1)),
        (restricted_child, SignificantChange.Kind.MISSING, d(2024, 9, 1)),
        (child, SignificantChange.Kind.MISSING, d(2024, 3, 31)),
    ):
        SignificantChange.objects.create(
            child=subject, kind=kind, occurred_on=occurred, details="x", recorded_by=iro
        )


def _tables(report) -> dict[str, reports.Table]:
    return {table.key: table for table in report.tables}


@time_machine.travel(JUNE_2025, tick=False)
def test_annual_figures_for_the_whole_authority(year_2024, service_manager):
    report = reports.annual_report(service_manager, 2024)
    assert (report.start, report.end) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    tables = _tables(report)
    labels = reports.stage_labels()
    a, b = categories()
    assert tables["raised_by_stage"].rows == [[labels[0], 2], [labels[1], 3]]
    assert tables["raised_by_stage"].total == ["Total", 5]
    assert tables["raised_by_category"].rows == [[a.name, 4], [b.name, 2]]
    closed = tables["closed"].rows
    assert [row[1:] for row in closed] == [[4, None], [1, 25.0], [3, None], [2, 66.7], [1, None]]
    assert tables["median_days"].rows == [
        [labels[0], 2, 9.0],
        [labels[1], 5, 5.0],
        [labels[2], 1, 13.0],
    ]
    assert tables["escalations"].rows == [[labels[1], 1], [labels[2], 1]]
    assert [row[1] for row in tables["cafcass_legal"].rows] == [1, 2, 2]
    assert tables["good_practice"].rows == [
        [GoodPracticeNote.Direction.TO_PRACTITIONER.label, 1],
        [GoodPracticeNote.Direction.TO_REVIEWER.label, 1],
    ]
    assert tables["qaprs"].rows == [
        ["Outstanding", 0],
        ["Good", 2],
        ["Requires improvement", 0],
        ["Inadequate", 1],
    ]
    reviews = tables["reviews"].rows
    assert [row[1] for row in reviews] == [2, 0, 1, 3, 1]
    assert "31 March 2025" in reviews[-1][0]
    assert tables["significant_changes"].rows == [
        [SignificantChange.Kind.PLACEMENT_CHANGE.label, 1],
        [SignificantChange.Kind.MISSING.label, 2],
    ]


@time_machine.travel(JUNE_2025, tick=False)
def test_a_cafcass_referral_considered_counts_once_per_stage(year_2024, service_manager):
    # Concern three considered a referral and concern four made one: two stages considered it.
    rows = _tables(reports.annual_report(service_manager, 2024))["cafcass_legal"].rows
    assert rows[1] == ["A referral to CAFCASS was considered", 2]


@time_machine.travel(JUNE_2025, tick=False)
def test_annual_figures_for_a_manager_count_only_their_span(year_2024, head_of_service):
    tables = _tables(reports.annual_report(head_of_service, 2024))
    labels = reports.stage_labels()
    # Concern three (about the child in the other service) and its QAPR and review drop out.
    assert tables["raised_by_stage"].total == ["Total", 4]
    assert tables["median_days"].rows[1] == [labels[1], 4, 5.0]
    assert tables["qaprs"].rows[1] == ["Good", 1]
    assert [row[1] for row in tables["reviews"].rows] == [2, 0, 0, 2, 1]


@time_machine.travel(JUNE_2025, tick=False)
def test_the_annual_page_says_what_a_reporting_year_is_and_downloads(
    client, year_2024, service_manager
):
    response = get(client, service_manager, "reports:annual")
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 April 2024 to 31 March 2025" in page
    assert "from 1 April to 31 March" in page
    assert "is not recorded" in page
    assert "?year=2024&amp;format=csv" in page


DECEMBER_2026 = dt.datetime(2026, 12, 3, 10, 0)


@time_machine.travel(DECEMBER_2026, tick=False)
def test_the_annual_page_opens_on_the_latest_year_with_concerns_when_the_last_is_empty(
    client, iro, child, service_manager
):
    # Nothing raised from April 2025 to March 2026 (a service new to the system, or the demo):
    # the page opens on the year so far, not on an empty report.
    make_concern(child, raised_by=iro, opened=dt.date(2026, 5, 11))

    page = get(client, service_manager, "reports:annual").content.decode()

    assert "1 April 2026 to 31 March 2027" in page
    assert '<option value="2026" selected>' in page


@time_machine.travel(DECEMBER_2026, tick=False)
def test_the_annual_page_opens_on_the_last_complete_year_when_it_has_concerns(
    client, iro, child, service_manager
):
    make_concern(child, raised_by=iro, opened=dt.date(2025, 9, 1))
    make_concern(child, raised_by=iro, opened=dt.date(2026, 5, 11))

    page = get(client, service_manager, "reports:annual").content.decode()

    assert "1 April 2025 to 31 March 2026" in page
    assert '<option value="2025" selected>' in page


@time_machine.travel(DECEMBER_2026, tick=False)
def test_the_annual_page_opens_on_the_last_complete_year_with_no_concerns_at_all(
    client, service_manager
):
    page = get(client, service_manager, "reports:annual").content.decode()

    assert '<option value="2025" selected>' in page


# Who may see the reports, and bad addresses ---------------------------------------------------


@pytest.mark.parametrize("name", ["reports:themes", "reports:annual"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("service_manager", 200),
        ("head_of_service", 200),
        ("assistant_director", 200),
        ("social_worker", 403),
        ("team_manager", 403),
        ("iro", 403),
        ("outsider", 403),
    ],
)
def test_only_dashboard_viewers_see_the_reports(client, request, name, persona, status):
    assert get(client, request.getfixturevalue(persona), name).status_code == status


def test_a_reviewing_team_manager_sees_the_reports(client, iro_team):
    manager = UserFactory(roles=[RoleCode.REVIEWING_TEAM_MANAGER], team=iro_team)
    assert get(client, manager, "reports:themes").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("reports:annual"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("reports:themes", {"month": "2026-13"}, "Select a month from the list"),
        ("reports:themes", {"month": "rubbish", "format": "csv"}, "Select a month from the list"),
        ("reports:themes", {"month": "1999-01"}, "Select a month from the list"),
        ("reports:clinic_pack", {"week": "2026-03-10"}, "Select a week from the list"),
        ("reports:clinic_pack", {"week": "2026-02-30"}, "Select a week from the list"),
        ("reports:annual", {"year": "20x4"}, "Select a reporting year from the list"),
        ("reports:annual", {"year": "99999999999999999999"}, "Select a reporting year"),
    ],
)
@time_machine.travel(WEDNESDAY, tick=False)
def test_a_bad_period_shows_the_error_summary(client, service_manager, name, params, message):
    response = get(client, service_manager, name, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert "<title>Error: " in page
    assert response["Content-Type"].startswith("text/html")


@time_machine.travel(WEDNESDAY, tick=False)
def test_an_unknown_table_is_not_found(client, service_manager):
    response = get(client, service_manager, "reports:themes", {"table": "nope", "format": "csv"})
    assert response.status_code == 404


@time_machine.travel(WEDNESDAY, tick=False)
def test_an_unknown_format_shows_the_page(client, service_manager):
    response = get(client, service_manager, "reports:annual", {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# Query counts: the same at two data sizes -----------------------------------------------------


def _grow(size, *, iro, team_manager, children, start_day: dt.date, notes_to, start=0):
    """`size` concerns in every state, with stages, tasks, sub-concerns and notes, around
    `start_day`, spread over the children."""
    a, b = categories()
    for number in range(start, start + size):
        day = start_day + dt.timedelta(days=number % 5)
        subject = children[number % len(children)]
        state = [ConcernState.FORMAL, ConcernState.RESOLVED, ConcernState.INFORMAL][number % 3]
        closed = day + dt.timedelta(days=1) if state == ConcernState.RESOLVED else None
        concern = make_concern(
            subject,
            raised_by=iro,
            opened=day,
            state=state,
            closed=closed,
            closed_level=1 if closed else None,
            formal_days=number % 30 if closed else None,
            subs=[(a, f"Impact {number}", day), (b, f"Other {number}", day)],
        )
        stage = make_stage(
            concern,
            1,
            opened=day,
            outcome=Outcome.RESOLVED if closed else "",
            outcome_on=closed,
            days=number % 7 if closed else None,
            legal=bool(number % 2),
        )
        if not closed:
            make_task(stage, team_manager, due=day - dt.timedelta(days=3), delegated=day)
        make_note(iro, notes_to, created=day, child=subject)
        Review.objects.create(
            child=subject,
            kind=Review.Kind.CIC_REVIEW,
            held_on=day - dt.timedelta(days=number),
            chair=iro,
        )
        Qapr.objects.create(
            child=subject,
            author=iro,
            variant=Variant.CHILD_IN_CARE,
            state=QaprState.FINALISED,
            grade=Grade.GOOD,
            completed_on=day,
        )
        SignificantChange.objects.create(
            child=subject,
            kind=SignificantChange.Kind.MISSING,
            occurred_on=day,
            details="x",
            recorded_by=iro,
        )


@pytest.fixture
def many_children(team, social_worker, iro, child, other_child):
    more = [
        allocate(ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro)
        for _ in range(3)
    ]
    return [child, other_child, *more]


def _count(client, name, params, assert_max) -> tuple[int, bytes]:
    """The queries of the page worked out afresh (its stored figures forgotten first)."""
    figures_cache.changed()
    with assert_max(CEILING) as queries:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content


@pytest.mark.parametrize(
    ("name", "params", "day", "viewer"),
    [
        ("reports:themes", {"month": "2026-02"}, dt.date(2026, 2, 9), "service_manager"),
        ("reports:themes", {"month": "2026-02"}, dt.date(2026, 2, 9), "head_of_service"),
        (
            "reports:themes",
            {"month": "2026-02", "table": "examples", "format": "csv"},
            dt.date(2026, 2, 9),
            "service_manager",
        ),
        ("reports:clinic_pack", {}, MONDAY, "iro"),
        ("reports:clinic_pack", {}, MONDAY, "head_of_service"),
        ("reports:clinic_pack", {"table": "open", "format": "xlsx"}, MONDAY, "iro"),
        ("reports:annual", {"year": "2025"}, dt.date(2025, 10, 6), "service_manager"),
        ("reports:annual", {"year": "2025"}, dt.date(2025, 10, 6), "head_of_service"),
        (
            "reports:annual",
            {"year": "2025", "format": "csv"},
            dt.date(2025, 10, 6),
            "service_manager",
        ),
    ],
)
@time_machine.travel(WEDNESDAY, tick=False)
def test_reports_do_the_same_queries_at_two_data_sizes(
    client,
    request,
    many_children,
    iro,
    team_manager,
    social_worker,
    name,
    params,
    day,
    viewer,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(viewer)
    _grow(
        5,
        iro=iro,
        team_manager=team_manager,
        children=many_children,
        start_day=day,
        notes_to=social_worker,
    )
    client.force_login(user)
    client.get(reverse(name), params)  # warm the session and the calendar
    small, small_body = _count(client, name, params, django_assert_max_num_queries)
    _grow(
        40,
        iro=iro,
        team_manager=team_manager,
        children=many_children,
        start_day=day,
        notes_to=social_worker,
        start=5,
    )
    large, large_body = _count(client, name, params, django_assert_max_num_queries)
    assert large == small
    assert large_body != small_body  # the figures did change
    # Opened again with nothing changed: the stored figures, in fewer queries still.
    with django_assert_max_num_queries(large):
        assert client.get(reverse(name), params).status_code == 200
