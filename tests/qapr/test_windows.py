"""QAPR due windows and compliance, worked by hand (Gloucestershire's rules)."""

import datetime as dt

import pytest

from cases.models import ChildStatus
from cases.schedule import DEFAULT_RULES
from cases.windows import compliance_for

D = dt.date


def compliance(status, reviews, next_due, completed, today):
    return compliance_for(
        status,
        review_dates=reviews,
        next_review_due=next_due,
        completed=completed,
        rules=DEFAULT_RULES,
        today=today,
    )


# A child on a protection plan for 14 months: initial conference 12 January 2026, review
# conferences 9 April and 8 October 2026, the next due 8 April 2027; today 12 March 2027.
CP_REVIEWS = [D(2026, 1, 12), D(2026, 4, 9), D(2026, 10, 8)]
CP_NEXT = D(2027, 4, 8)
FOURTEEN_MONTHS_ON = D(2027, 3, 12)


def cp(completed):
    return compliance(
        ChildStatus.CHILD_PROTECTION, CP_REVIEWS, CP_NEXT, completed, FOURTEEN_MONTHS_ON
    )


def test_cp_plan_for_14_months_with_every_qapr_done_is_compliant():
    result = cp([D(2026, 2, 20), D(2026, 6, 15), D(2026, 11, 20)])
    today = FOURTEEN_MONTHS_ON
    assert [(w.start, w.end, w.status(today)) for w in result.windows] == [
        (D(2026, 1, 12), D(2026, 4, 9), "done"),
        (D(2026, 4, 9), D(2026, 10, 8), "done"),
        (D(2026, 10, 8), D(2027, 4, 8), "done"),
    ]
    assert [
        (y.number, y.start, y.end, y.required, y.done, y.status(today)) for y in result.years
    ] == [
        (1, D(2026, 1, 12), D(2027, 1, 11), 3, 3, "met"),
        (2, D(2027, 1, 12), D(2028, 1, 11), 2, 0, "in progress"),
    ]
    assert result.windows_due(today) == 3
    assert result.windows_done() == 3
    assert result.is_compliant(today)
    # Two more are needed in the second year on the plan.
    assert result.due_on == D(2028, 1, 11)
    assert result.due_reason == "2 QAPRs in year 2 on the plan: 2 more needed"


def test_cp_plan_for_14_months_with_only_two_in_the_first_year_is_not_compliant():
    result = cp([D(2026, 2, 20), D(2026, 6, 15)])
    today = FOURTEEN_MONTHS_ON
    assert [w.status(today) for w in result.windows] == ["done", "done", "due"]
    assert result.years[0].status(today) == "not met"
    assert not result.is_compliant(today)
    assert result.windows_due(today) == 2  # the open window is not yet due
    assert result.windows_done() == 2
    # The open window closes when the next conference is due.
    assert result.due_on == CP_NEXT
    assert result.due_reason == "One QAPR before the next statutory review"


def test_cp_a_window_with_no_qapr_is_missed_even_if_the_year_total_is_met():
    result = cp([D(2026, 2, 20), D(2026, 3, 20), D(2026, 11, 20)])
    today = FOURTEEN_MONTHS_ON
    assert [w.status(today) for w in result.windows] == ["done", "missed", "done"]
    assert result.years[0].status(today) == "met"
    assert not result.is_compliant(today)
    assert result.windows_due(today) == 3
    assert result.windows_done() == 2


def test_cp_the_third_first_year_qapr_is_due_by_the_end_of_the_year():
    # Nine months in: the open window runs past the first year, which still needs its third.
    result = compliance(
        ChildStatus.CHILD_PROTECTION,
        CP_REVIEWS,
        CP_NEXT,
        [D(2026, 2, 20), D(2026, 6, 15)],
        D(2026, 10, 20),
    )
    assert result.due_on == D(2027, 1, 11)
    assert result.due_reason == "3 QAPRs in year 1 on the plan: 1 more needed"


def test_cp_qapr_on_the_day_of_the_later_conference_counts_for_the_window_before_it():
    result = cp([D(2026, 4, 9), D(2026, 6, 15), D(2026, 11, 20)])
    assert [w.done for w in result.windows] == [
        [D(2026, 4, 9)],
        [D(2026, 6, 15)],
        [D(2026, 11, 20)],
    ]


def test_cp_window_past_its_end_with_no_qapr_is_overdue():
    result = compliance(
        ChildStatus.CHILD_PROTECTION,
        CP_REVIEWS[:2],
        D(2026, 10, 9),
        [D(2026, 2, 1)],
        D(2026, 10, 12),
    )
    assert [w.status(D(2026, 10, 12)) for w in result.windows] == ["done", "overdue"]
    assert result.due_on == D(2026, 10, 9)


# Child in care: reviews from the initial one; no QAPR between the initial and the 1st.
CIC_REVIEWS = [D(2025, 12, 31), D(2026, 3, 31), D(2026, 9, 30)]


def test_cic_no_qapr_is_needed_between_the_initial_and_the_first_review():
    result = compliance(
        ChildStatus.CHILD_IN_CARE, CIC_REVIEWS[:2], D(2026, 9, 30), [], D(2026, 1, 20)
    )
    assert [(w.start, w.end) for w in result.windows] == [(D(2026, 3, 31), D(2026, 9, 30))]
    result = compliance(
        ChildStatus.CHILD_IN_CARE, CIC_REVIEWS[:1], D(2026, 3, 31), [], D(2026, 1, 20)
    )
    assert result.windows == []
    assert result.due_on is None


def test_cic_one_qapr_between_each_later_pair_of_reviews():
    completed = [D(2026, 2, 15), D(2026, 6, 1)]  # the first is before the 1st review: not counted
    result = compliance(
        ChildStatus.CHILD_IN_CARE, CIC_REVIEWS, D(2027, 3, 30), completed, D(2026, 11, 23)
    )
    today = D(2026, 11, 23)
    assert [(w.start, w.end, w.status(today)) for w in result.windows] == [
        (D(2026, 3, 31), D(2026, 9, 30), "done"),
        (D(2026, 9, 30), D(2027, 3, 30), "due"),
    ]
    assert result.years == []
    assert result.due_on == D(2027, 3, 30)
    assert result.is_compliant(today)


@pytest.mark.parametrize("status", [ChildStatus.CHILD_IN_NEED, ChildStatus.CARE_LEAVER])
def test_other_children_have_no_qapr_windows(status):
    result = compliance(status, CIC_REVIEWS, None, [], D(2026, 11, 23))
    assert not result.applies and result.due_on is None
