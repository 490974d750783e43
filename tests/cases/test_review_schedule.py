"""Each statutory review rule with worked dates, across bank holidays, closures and month ends.

Dates were worked out by hand from the England and Wales calendar: 25 and 26 December 2025,
1 January 2026, Good Friday 3 April and Easter Monday 6 April 2026, the early May bank holiday
on 4 May 2026 and the spring bank holiday on 25 May 2026.
"""

import datetime as dt

import pytest
import time_machine

from cases import schedule, services
from cases.models import ChildStatus, KeyDate, Review, ReviewRule, RuleUnit
from prp import workdays
from tests.factories import ChildFactory, ClosureDayFactory

D = dt.date
TODAY = D(2026, 11, 23)


def key(kind, on):
    return KeyDate(kind=kind, on=on)


def held(kind, on, pk=None):
    return Review(kind=kind, held_on=on, pk=pk)


def cic(key_dates=(), reviews=(), early=(), today=TODAY, rules=None):
    return schedule.schedule_for(
        ChildStatus.CHILD_IN_CARE,
        key_dates=list(key_dates),
        reviews=list(reviews),
        early=list(early),
        rules=rules or schedule.DEFAULT_RULES,
        today=today,
    )


def cp(key_dates=(), reviews=(), early=(), rules=None):
    return schedule.schedule_for(
        ChildStatus.CHILD_PROTECTION,
        key_dates=list(key_dates),
        reviews=list(reviews),
        early=list(early),
        rules=rules or schedule.DEFAULT_RULES,
        today=TODAY,
    )


CAME_INTO_CARE = KeyDate.Kind.CAME_INTO_CARE
CIC_REVIEW = Review.Kind.CIC_REVIEW


@pytest.fixture(autouse=True)
def calendar(db):
    workdays.invalidate()


# Calendar helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 12, 31), 3, D(2026, 3, 31)),
        (D(2024, 11, 29), 3, D(2025, 2, 28)),  # no 29 February in 2025: the month's last day
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # a leap year keeps the 29th
        (D(2025, 10, 31), 6, D(2026, 4, 30)),
        (D(2025, 8, 15), 6, D(2026, 2, 15)),  # across the year end
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(start, months, expected):
    assert schedule.add_months(start, months) == expected


# Child in care ---------------------------------------------------------------------------------


def test_rule_cic_first_review_within_20_working_days_of_coming_into_care_over_christmas():
    # 1 December 2025 + 20 working days, skipping Christmas Day and Boxing Day.
    plan = cic([key(CAME_INTO_CARE, D(2025, 12, 1))])
    assert plan.next_due.on == D(2025, 12, 31)
    assert plan.next_due.rule == ReviewRule.Code.CIC_FIRST
    assert plan.next_due.reason == (
        "First review: within 20 working days of coming into care on 1 December 2025"
    )


def test_rule_cic_first_review_moves_past_the_councils_christmas_closure():
    for day in (29, 30, 31):
        ClosureDayFactory(date=D(2025, 12, day))
    workdays.invalidate()
    plan = cic([key(CAME_INTO_CARE, D(2025, 12, 1))])
    # 17 working days by 24 December; then 2, 5 and 6 January (1 January is a bank holiday).
    assert plan.next_due.on == D(2026, 1, 6)


def test_rule_cic_second_review_within_3_calendar_months_of_the_first():
    plan = cic([key(CAME_INTO_CARE, D(2025, 12, 1))], [held(CIC_REVIEW, D(2025, 12, 31))])
    assert plan.next_due.on == D(2026, 3, 31)
    assert plan.next_due.rule == ReviewRule.Code.CIC_SECOND


def test_rule_cic_second_review_at_a_month_end_takes_the_last_day_of_february():
    plan = cic([key(CAME_INTO_CARE, D(2024, 11, 1))], [held(CIC_REVIEW, D(2024, 11, 29))])
    assert plan.next_due.on == D(2025, 2, 28)


def test_rule_cic_months_deadline_on_a_bank_holiday_is_brought_forward():
    # 25 February + 3 months is the spring bank holiday, Monday 25 May 2026.
    plan = cic([key(CAME_INTO_CARE, D(2026, 1, 26))], [held(CIC_REVIEW, D(2026, 2, 25))])
    assert plan.next_due.on == D(2026, 5, 22)


def test_rule_cic_later_reviews_at_most_every_6_months():
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2025, 11, 4), 2)]
    plan = cic([key(CAME_INTO_CARE, D(2025, 5, 7))], reviews)
    # 4 May 2026 is the early May bank holiday: due the Friday before.
    assert plan.next_due.on == D(2026, 5, 1)
    assert plan.next_due.rule == ReviewRule.Code.CIC_LATER
    assert [r.held_on for r in plan.held] == [D(2025, 6, 4), D(2025, 11, 4)]


def test_rule_cic_a_new_episode_in_care_starts_the_count_again():
    old = [held(CIC_REVIEW, D(2024, 3, 1), 1), held(CIC_REVIEW, D(2024, 6, 1), 2)]
    plan = cic([key(CAME_INTO_CARE, D(2024, 2, 1)), key(CAME_INTO_CARE, D(2025, 12, 1))], old)
    assert plan.held == []
    assert plan.next_due.on == D(2025, 12, 31)


def test_rule_cic_change_of_carer_review_within_20_working_days_of_the_move():
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2025, 9, 3), 2)]
    dates = [key(CAME_INTO_CARE, D(2025, 5, 7)), key(KeyDate.Kind.CARER_CHANGE, D(2025, 12, 19))]
    plan = cic(dates, reviews)
    # 20 working days from Friday 19 December 2025, over Christmas and New Year.
    assert plan.next_due.on == D(2026, 1, 21)
    assert plan.next_due.rule == ReviewRule.Code.CIC_CARER_CHANGE
    # The six-monthly deadline is still listed, later.
    assert [d.rule for d in plan.deadlines] == [
        ReviewRule.Code.CIC_CARER_CHANGE,
        ReviewRule.Code.CIC_LATER,
    ]


def test_rule_cic_change_of_carer_is_met_by_a_review_after_the_move():
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2026, 1, 8), 2)]
    dates = [key(CAME_INTO_CARE, D(2025, 5, 7)), key(KeyDate.Kind.CARER_CHANGE, D(2025, 12, 19))]
    plan = cic(dates, reviews)
    assert plan.next_due.on == D(2026, 7, 8)
    assert plan.next_due.rule == ReviewRule.Code.CIC_LATER


def test_rule_placement_order_review_within_3_months_of_the_order():
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2025, 12, 3), 2)]
    dates = [key(CAME_INTO_CARE, D(2025, 5, 7)), key(KeyDate.Kind.PLACEMENT_ORDER, D(2026, 1, 15))]
    plan = cic(dates, reviews, today=D(2026, 2, 1))
    assert plan.next_due.on == D(2026, 4, 15)
    assert plan.next_due.rule == ReviewRule.Code.PLACEMENT_ORDER_FIRST
    assert plan.flags == []


def test_rule_placement_order_then_6_monthly():
    reviews = [
        held(CIC_REVIEW, D(2025, 6, 4), 1),
        held(CIC_REVIEW, D(2025, 12, 3), 2),
        held(CIC_REVIEW, D(2026, 4, 14), 3),
    ]
    dates = [key(CAME_INTO_CARE, D(2025, 5, 7)), key(KeyDate.Kind.PLACEMENT_ORDER, D(2026, 1, 15))]
    plan = cic(dates, reviews, today=D(2026, 5, 1))
    assert plan.next_due.on == D(2026, 10, 14)


def test_rule_placement_order_not_placed_9_months_after_the_order_is_flagged():
    dates = [key(CAME_INTO_CARE, D(2025, 5, 7)), key(KeyDate.Kind.PLACEMENT_ORDER, D(2026, 1, 15))]
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2026, 4, 14), 2)]
    assert cic(dates, reviews, today=D(2026, 10, 14)).flags == []
    flags = cic(dates, reviews, today=D(2026, 10, 15)).flags
    assert flags == [
        "Not placed 9 calendar months after the placement order of 15 January 2026: "
        "the next review must reconsider the plan."
    ]
    placed = [*dates, key(KeyDate.Kind.PLACED_FOR_ADOPTION, D(2026, 9, 1))]
    assert cic(placed, reviews, today=D(2026, 10, 15)).flags == []


def test_rule_cic_without_a_start_date_asks_for_one():
    plan = cic()
    assert plan.next_due is None
    assert plan.missing == "Record the date the child came into care."


def test_rule_early_review_after_a_significant_change_comes_first():
    reviews = [held(CIC_REVIEW, D(2025, 6, 4), 1), held(CIC_REVIEW, D(2025, 9, 3), 2)]
    early = [schedule.EarlyReview(D(2025, 10, 1), D(2025, 10, 20), "Missing from care")]
    plan = cic([key(CAME_INTO_CARE, D(2025, 5, 7))], reviews, early)
    assert plan.next_due.on == D(2025, 10, 20)
    assert plan.next_due.rule == "early_review"
    # Once a review is held after the decision, the early review is done.
    later = [*reviews, held(CIC_REVIEW, D(2025, 10, 17), 3)]
    assert cic([key(CAME_INTO_CARE, D(2025, 5, 7))], later, early).next_due.on == D(2026, 4, 17)


def test_rules_are_data_the_authority_can_change():
    rules = {**schedule.DEFAULT_RULES, ReviewRule.Code.CIC_SECOND: (91, RuleUnit.CALENDAR_DAYS)}
    plan = cic(
        [key(CAME_INTO_CARE, D(2025, 12, 1))], [held(CIC_REVIEW, D(2025, 12, 31))], rules=rules
    )
    assert plan.next_due.on == D(2026, 4, 1)  # 31 + 28 + 31 days to 31 March, then 1 more
    assert plan.next_due.reason.startswith("Second review: within 91 calendar days")


# Child protection ------------------------------------------------------------------------------


def test_rule_cp_initial_conference_within_15_working_days_of_the_strategy_discussion():
    plan = cp([key(KeyDate.Kind.STRATEGY_DISCUSSION, D(2025, 12, 19))])
    assert plan.next_due.on == D(2026, 1, 14)
    assert plan.next_due.rule == ReviewRule.Code.CP_INITIAL


def test_rule_cp_first_review_within_3_months_then_6_monthly():
    dates = [key(KeyDate.Kind.STRATEGY_DISCUSSION, D(2025, 12, 19))]
    initial = held(Review.Kind.CP_INITIAL, D(2026, 1, 14), 1)
    plan = cp(dates, [initial])
    assert plan.next_due.on == D(2026, 4, 14)
    assert plan.next_due.rule == ReviewRule.Code.CP_FIRST_REVIEW
    assert plan.plan_start == D(2026, 1, 14)
    plan = cp(dates, [initial, held(Review.Kind.CP_REVIEW, D(2026, 4, 14), 2)])
    assert plan.next_due.on == D(2026, 10, 14)
    assert plan.next_due.rule == ReviewRule.Code.CP_LATER


def test_rule_cp_a_new_plan_after_one_ended_starts_again():
    dates = [
        key(KeyDate.Kind.STRATEGY_DISCUSSION, D(2024, 1, 10)),
        key(KeyDate.Kind.CP_PLAN_ENDED, D(2024, 12, 1)),
        key(KeyDate.Kind.STRATEGY_DISCUSSION, D(2025, 12, 19)),
    ]
    old = [held(Review.Kind.CP_INITIAL, D(2024, 1, 25), 1)]
    plan = cp(dates, old)
    assert plan.held == []
    assert plan.next_due.on == D(2026, 1, 14)


def test_children_in_need_have_no_statutory_review_schedule():
    plan = schedule.schedule_for(
        ChildStatus.CHILD_IN_NEED,
        key_dates=[],
        reviews=[],
        early=[],
        rules=schedule.DEFAULT_RULES,
        today=TODAY,
    )
    assert not plan.applies and plan.next_due is None


# Through the services: stored on the child, rules from the database ---------------------------


@time_machine.travel(dt.datetime(2026, 1, 5, 10, 0), tick=False)
def test_recording_dates_and_reviews_keeps_the_childs_next_due_date(iro, child):
    services.key_date_record(child=child, by=iro, kind=CAME_INTO_CARE, on=D(2025, 12, 1))
    child.refresh_from_db()
    assert child.review_due_on == D(2025, 12, 31)
    assert child.review_due_reason.startswith("First review")
    services.review_record(child=child, by=iro, kind=CIC_REVIEW, held_on=D(2025, 12, 30))
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 3, 30)


@time_machine.travel(dt.datetime(2026, 1, 5, 10, 0), tick=False)
def test_an_authority_changing_a_rule_changes_the_dates(iro, child):
    ReviewRule.objects.filter(code=ReviewRule.Code.CIC_FIRST).update(amount=10)
    services.key_date_record(child=child, by=iro, kind=CAME_INTO_CARE, on=D(2025, 12, 1))
    child.refresh_from_db()
    assert child.review_due_on == D(2025, 12, 15)


@time_machine.travel(dt.datetime(2026, 1, 5, 10, 0), tick=False)
def test_the_default_rules_are_installed_by_the_migration(db):
    stored = {r.code: (r.amount, r.unit) for r in ReviewRule.objects.all()}
    assert stored == {str(code): rule for code, rule in schedule.DEFAULT_RULES.items()}


def test_a_child_whose_status_has_no_schedule_stores_nothing(iro, child):
    child.status = ChildStatus.CHILD_IN_NEED
    child.save()
    ChildFactory()  # another child, untouched
    services.child_refresh_schedule(child=child)
    child.refresh_from_db()
    assert child.review_due_on is None and child.qapr_due_on is None
