"""A child's reviews and quality assurance pages, the forms behind them and the reviews due list,
through real HTTP requests.

The clock is Wednesday 4 March 2026, a working day with no bank holiday for weeks either side:
20 working days after Monday 2 February 2026 is Monday 2 March 2026, and so on.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import services
from cases.models import (
    Child,
    ChildLog,
    ChildStatus,
    KeyDate,
    Review,
    ReviewStep,
    SignificantChange,
)
from notifications.models import Kind, Notification
from prp.models import RoleCode
from qapr.models import Qapr, QaprState, Variant
from tests.builders import allocate
from tests.factories import ChildFactory, UserFactory

D = dt.date
LONDON = ZoneInfo("Europe/London")
TODAY = D(2026, 3, 4)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), tick=False) as t:
        yield t


def date_data(name: str, day: dt.date) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def banners(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def reviews_url(child) -> str:
    return reverse("cases:child_reviews", args=[child.pk])


FEB_2 = D(2026, 2, 2)
MAR_2 = D(2026, 3, 2)


def came_into_care(child, by, on=FEB_2):
    return services.key_date_record(child=child, by=by, kind=KeyDate.Kind.CAME_INTO_CARE, on=on)


def hold_review(child, by, on=MAR_2, kind=Review.Kind.CIC_REVIEW):
    return services.review_record(child=child, by=by, kind=kind, held_on=on)


def step_of(review, kind) -> ReviewStep:
    return review.steps.get(kind=kind)


def assert_error_page(response, *texts):
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "<title>Error: " in page
    for text in texts:
        assert text in page


@pytest.fixture
def cp_child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Cara", last_name="Plan", status=ChildStatus.CHILD_PROTECTION),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


# The child's reviews page ------------------------------------------------------------------------


def test_without_a_key_date_the_page_asks_for_one(client, iro, child):
    client.force_login(iro)
    response = client.get(reviews_url(child))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<title>Reviews and quality assurance: {child.full_name} – " in page
    assert "Record the date the child came into care." in page
    assert "Not known" in page
    assert reverse("cases:review_new", args=[child.pk]) in page
    assert reverse("cases:key_date_new", args=[child.pk]) in page
    # The social worker and their managers tell the IRO of changes, not the IRO.
    assert reverse("cases:change_new", args=[child.pk]) not in page


def test_an_overdue_review_is_tagged_in_red(client, iro, child):
    came_into_care(child, iro, D(2026, 2, 2))
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert "2 March 2026" in page
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
    assert "First review: within 20 working days of coming into care on 2 February 2026" in page


def test_a_review_not_yet_due_says_how_many_working_days_are_left(client, iro, child):
    came_into_care(child, iro, D(2026, 3, 2))
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert "30 March 2026" in page
    assert "Due in 18 working days" in page
    # The review is not overdue. (Before it, consulting the child "at least 20 working days
    # before" fell on 2 March, the day she came into care, and is overdue: issue 14 rule 13.)
    next_review = page.split('id="next-review"')[1].split('id="before-the-review"')[0]
    assert "Overdue" not in next_review


def test_a_child_not_placed_after_a_placement_order_is_flagged(client, iro, child):
    came_into_care(child, iro, D(2025, 1, 6))
    hold_review(child, iro, D(2025, 2, 3))
    services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.PLACEMENT_ORDER, on=D(2025, 5, 1)
    )
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert "govuk-warning-text" in page
    assert "Not placed 9 calendar months after the placement order of 1 May 2025" in page


def test_a_social_worker_sees_the_page_without_the_review_button(client, social_worker, child):
    client.force_login(social_worker)
    page = client.get(reviews_url(child)).content.decode()
    assert reverse("cases:review_new", args=[child.pk]) not in page
    assert reverse("cases:change_new", args=[child.pk]) in page
    assert "Start a QAPR" not in page


def test_the_page_shows_the_history(client, iro, child):
    came_into_care(child, iro)
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert "Came into care on 2 February 2026 recorded." in page
    assert "(Ira Reviewer)" in page


def test_the_page_shows_qaprs_and_the_windows(client, iro, child, protocols):
    came_into_care(child, iro, D(2025, 6, 2))
    hold_review(child, iro, D(2025, 6, 27))
    hold_review(child, iro, D(2025, 9, 26))
    qapr = Qapr.objects.create(child=child, author=iro, variant=Variant.CHILD_IN_CARE)
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert reverse("qapr:qapr_detail", args=[qapr.pk]) in page
    assert qapr.reference in page
    assert "Draft" in page
    # The window from the second review to the next one (due 26 March 2026) is open.
    assert "26 September 2025" in page
    assert "Next QAPR due" in page
    assert reverse("qapr:qapr_start", args=[child.pk]) in page
    assert "Start a QAPR" in page


def test_a_child_protection_page_shows_the_plan_years(client, iro, cp_child, protocols):
    services.key_date_record(
        child=cp_child, by=iro, kind=KeyDate.Kind.STRATEGY_DISCUSSION, on=D(2026, 2, 16)
    )
    hold_review(cp_child, iro, D(2026, 3, 2), Review.Kind.CP_INITIAL)
    client.force_login(iro)
    page = client.get(reviews_url(cp_child)).content.decode()
    assert "QAPRs in each year on the protection plan" in page
    assert "Year 1" in page
    assert "1 March 2027" in page  # the last day of the first year
    assert "In progress" in page
    due = "First review conference: within 3 calendar months of the conference on 2 March 2026"
    assert due in page


def test_a_child_in_need_has_no_schedule(client, iro, team):
    child = allocate(
        ChildFactory(status=ChildStatus.CHILD_IN_NEED), team=team, reviewing_officer=iro
    )
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    assert "There is no statutory review schedule" in page
    assert reverse("cases:review_new", args=[child.pk]) not in page
    response = client.get(reverse("cases:review_new", args=[child.pk]))
    assert "There are no statutory reviews to record" in response.content.decode()


# Recording a review ----------------------------------------------------------------------------


def test_recording_a_review_creates_its_tasks_and_moves_the_next_date(client, iro, child):
    came_into_care(child, iro, D(2026, 2, 2))
    client.force_login(iro)
    url = reverse("cases:review_new", args=[child.pk])
    page = client.get(url).content.decode()
    assert "<title>Record a review: " in page
    # A child in care has one kind of review: nothing to choose.
    assert 'type="hidden" name="kind" value="cic_review"' in page
    response = client.post(
        url, {"kind": "cic_review", **date_data("held_on", D(2026, 3, 2)), "notes": "Went well"}
    )
    assert response.status_code == 302
    assert response.url == reviews_url(child)
    review = Review.objects.get(child=child)
    assert review.chair == iro
    assert review.notes == "Went well"
    assert review.steps.count() == 5  # with the copies of the record (issue 14 rule 13)
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 6, 2)
    assert banners(response) == [
        "Child in care review on 2 March 2026 recorded. The next review is due by 2 June 2026"
    ]
    page = client.get(reviews_url(child)).content.decode()
    for text in (
        "Circulate the review decisions",
        "Write the full review record",
        "Consider the review decisions",
        "Update the care plan",
        "9 March 2026",  # decisions circulated: 5 working days
        "23 March 2026",  # full record: 15 working days
        "16 March 2026",  # care plan: 10 working days
        "When the decisions are circulated",
        "Mark as done",
        "Tom Manager",
        "Sam Worker",
    ):
        assert text in page
    assert reverse("cases:step_complete", args=[step_of(review, "full_record").pk]) in page


def test_an_early_review_is_tagged(client, iro, child):
    came_into_care(child, iro, D(2026, 2, 2))
    client.force_login(iro)
    client.post(
        reverse("cases:review_new", args=[child.pk]),
        {"kind": "cic_review", **date_data("held_on", D(2026, 3, 2)), "early": "on"},
    )
    assert Review.objects.get().early
    page = client.get(reviews_url(child)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">Early</strong>' in page


def test_a_child_protection_review_asks_which_conference(client, iro, cp_child):
    client.force_login(iro)
    url = reverse("cases:review_new", args=[cp_child.pk])
    page = client.get(url).content.decode()
    assert "Initial child protection conference" in page
    assert "Review child protection conference" in page
    response = client.post(url, date_data("held_on", D(2026, 3, 2)))
    assert_error_page(response, "Select which review was held")
    response = client.post(url, {"kind": "cic_review", **date_data("held_on", D(2026, 3, 2))})
    assert_error_page(response, "Select which review was held")
    response = client.post(url, {"kind": "cp_initial", **date_data("held_on", D(2026, 3, 2))})
    assert response.status_code == 302
    assert Review.objects.get(child=cp_child).kind == Review.Kind.CP_INITIAL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the date the review was held"),
        (date_data("held_on", D(2026, 3, 5)), "The date it was held must be today or in the past"),
        ({"held_on_0": "31", "held_on_1": "2", "held_on_2": "2026"}, "must be a real date"),
        ({"held_on_0": "2", "held_on_1": "3"}, "The date it was held must include a year"),
        ({"held_on_0": "x", "held_on_1": "3", "held_on_2": "2026"}, "must be a real date"),
        (date_data("held_on", D(2010, 1, 4)), "after the child&#x27;s date of birth"),
        ({**date_data("held_on", D(2026, 3, 2)), "notes": "x" * 10001}, "10,000 characters"),
    ],
)
def test_a_bad_review_shows_the_error_summary(client, iro, child, data, message):
    client.force_login(iro)
    response = client.post(
        reverse("cases:review_new", args=[child.pk]), {"kind": "cic_review", **data}
    )
    assert_error_page(response, message)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (("x", "y", "z"), "The date it was held must be a real date"),
        (("x", "", "z"), "The date it was held must include a month"),
    ],
)
def test_a_date_wrong_in_every_box_has_one_message_in_the_error_summary(
    client, iro, child, boxes, message
):
    """Issue 19: GOV.UK asks for one message per field, not one per box."""
    client.force_login(iro)
    data = {f"held_on_{n}": value for n, value in enumerate(boxes)}
    response = client.post(
        reverse("cases:review_new", args=[child.pk]), {"kind": "cic_review", **data}
    )
    assert_error_page(response, message)
    page = response.content.decode()
    summary = page.split('class="govuk-list govuk-error-summary__list"')[1].split("</ul>")[0]
    assert summary.count("<li") == 1 and message in summary


def test_the_same_review_twice_is_refused(client, iro, child):
    hold_review(child, iro, D(2026, 3, 2))
    client.force_login(iro)
    response = client.post(
        reverse("cases:review_new", args=[child.pk]),
        {"kind": "cic_review", **date_data("held_on", D(2026, 3, 2))},
    )
    assert_error_page(response, "This review has already been recorded for that date.")
    assert Review.objects.count() == 1


def test_a_social_worker_may_not_record_a_review(client, social_worker, child):
    client.force_login(social_worker)
    url = reverse("cases:review_new", args=[child.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"kind": "cic_review", **date_data("held_on", D(2026, 3, 2))})
    assert response.status_code == 403
    assert not Review.objects.exists()


# Key dates ---------------------------------------------------------------------------------------


def test_recording_a_key_date_works_out_the_next_review(client, social_worker, child):
    client.force_login(social_worker)
    url = reverse("cases:key_date_new", args=[child.pk])
    page = client.get(url).content.decode()
    assert "Came into care" in page
    assert "Strategy discussion" not in page  # not for a child in care
    response = client.post(
        url, {"kind": "came_into_care", **date_data("on", D(2026, 3, 2)), "note": "Emergency"}
    )
    assert response.status_code == 302
    assert banners(response) == ["Came into care on 2 March 2026 recorded"]
    key_date = KeyDate.objects.get(child=child)
    assert key_date.note == "Emergency"
    assert key_date.recorded_by == social_worker
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 3, 30)


def test_a_child_protection_key_date_offers_the_strategy_discussion(client, iro, cp_child):
    client.force_login(iro)
    url = reverse("cases:key_date_new", args=[cp_child.pk])
    assert "Strategy discussion" in client.get(url).content.decode()
    client.post(url, {"kind": "strategy_discussion", **date_data("on", D(2026, 3, 2))})
    cp_child.refresh_from_db()
    assert cp_child.review_due_on == D(2026, 3, 23)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select what happened"),
        ({"kind": "came_into_care"}, "Enter the date it happened"),
        ({"kind": "strategy_discussion", **date_data("on", TODAY)}, "Select what happened"),
        (
            {"kind": "came_into_care", **date_data("on", D(2026, 4, 1))},
            "The date must be today or in the past",
        ),
        ({"kind": "came_into_care", **date_data("on", TODAY), "note": "x" * 301}, "300"),
        (
            {"kind": "came_into_care", **date_data("on", D(2015, 3, 13))},
            "on or after the child&#x27;s date of birth",
        ),
    ],
)
def test_a_bad_key_date_shows_the_error_summary(client, iro, child, data, message):
    client.force_login(iro)
    response = client.post(reverse("cases:key_date_new", args=[child.pk]), data)
    assert_error_page(response, message)
    assert not KeyDate.objects.exists()


# Post-review tasks ---------------------------------------------------------------------------


def test_the_iro_marks_the_full_record_as_done(client, iro, child):
    review = hold_review(child, iro)
    step = step_of(review, ReviewStep.Kind.FULL_RECORD)
    client.force_login(iro)
    url = reverse("cases:step_complete", args=[step.pk])
    page = client.get(url).content.decode()
    assert "<title>Write the full review record: " in page
    assert "Mark as done" in page
    response = client.post(url, {**date_data("done_on", TODAY), "lock_version": step.lock_version})
    assert response.status_code == 302
    assert banners(response) == ["Write the full review record: marked as done"]
    step.refresh_from_db()
    assert step.done_on == TODAY
    assert step.outcome == ReviewStep.Outcome.DONE
    assert step.done_by == iro
    page = client.get(reviews_url(child)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">Done</strong>' in page
    # A finished task shows what was done instead of the form.
    page = client.get(url).content.decode()
    assert "This task is done" in page


def test_circulating_the_decisions_starts_the_managers_five_days(client, iro, team_manager, child):
    review = hold_review(child, iro)
    circulated = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)
    client.force_login(iro)
    client.post(
        reverse("cases:step_complete", args=[circulated.pk]),
        {**date_data("done_on", TODAY), "lock_version": 0},
    )
    considered = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    assert considered.due_on == D(2026, 3, 11)
    assert Notification.objects.filter(recipient=team_manager, kind=Kind.REVIEW_DECISIONS).exists()


@pytest.fixture
def decisions(iro, child):
    """A review whose decisions have reached the team manager."""
    review = hold_review(child, iro)
    circulated = step_of(review, ReviewStep.Kind.DECISIONS_CIRCULATED)
    services.review_step_complete(step=circulated, by=iro, lock_version=0, done_on=TODAY)
    return step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)


def test_the_team_manager_agrees_the_decisions(client, team_manager, child, decisions):
    client.force_login(team_manager)
    page = client.get(reviews_url(child)).content.decode()
    assert "Record your answer" in page
    url = reverse("cases:step_complete", args=[decisions.pk])
    page = client.get(url).content.decode()
    assert "Do you agree with the review decisions?" in page
    assert "taken as agreed" in page
    response = client.post(
        url,
        {
            "outcome": "agreed",
            "note": "ignored",
            **date_data("done_on", TODAY),
            "lock_version": decisions.lock_version,
        },
    )
    assert response.status_code == 302
    assert banners(response) == ["Your answer is recorded: decisions agreed"]
    decisions.refresh_from_db()
    assert decisions.outcome == ReviewStep.Outcome.AGREED
    assert decisions.note == ""


def test_not_agreeing_needs_a_note(client, team_manager, decisions):
    client.force_login(team_manager)
    url = reverse("cases:step_complete", args=[decisions.pk])
    data = {
        "outcome": "not_agreed",
        **date_data("done_on", TODAY),
        "lock_version": decisions.lock_version,
    }
    response = client.post(url, data)
    assert_error_page(response, "Say which decisions you do not agree with, and why.")
    decisions.refresh_from_db()
    assert not decisions.is_done
    response = client.post(url, {**data, "note": "Contact should be weekly, not monthly"})
    assert response.status_code == 302
    decisions.refresh_from_db()
    assert decisions.outcome == ReviewStep.Outcome.NOT_AGREED
    assert decisions.note == "Contact should be weekly, not monthly"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select whether you agree with the review decisions"),
        ({"outcome": "done"}, "Select whether you agree with the review decisions"),
        ({"outcome": "agreed", **date_data("done_on", D(2026, 3, 5))}, "today or in the past"),
        ({"outcome": "agreed", **date_data("done_on", D(2026, 2, 27))}, "on or after the review"),
        ({"outcome": "agreed", "done_on_1": ""}, "The date it was done must include a month"),
    ],
)
def test_a_bad_answer_shows_the_error_summary(client, team_manager, decisions, data, message):
    client.force_login(team_manager)
    data.setdefault("done_on_0", "4")
    data.setdefault("done_on_1", "3")
    data.setdefault("done_on_2", "2026")
    response = client.post(
        reverse("cases:step_complete", args=[decisions.pk]),
        {**data, "lock_version": decisions.lock_version},
    )
    assert_error_page(response, message)
    decisions.refresh_from_db()
    assert not decisions.is_done


def test_a_stale_task_form_is_refused_with_the_current_version(client, iro, child):
    review = hold_review(child, iro)
    step = step_of(review, ReviewStep.Kind.FULL_RECORD)
    ReviewStep.objects.filter(pk=step.pk).update(lock_version=3)
    client.force_login(iro)
    response = client.post(
        reverse("cases:step_complete", args=[step.pk]),
        {**date_data("done_on", TODAY), "lock_version": 0},
    )
    assert_error_page(response, "This task was changed by someone else.")
    assert 'name="lock_version" value="3"' in response.content.decode()
    response = client.post(
        reverse("cases:step_complete", args=[step.pk]), date_data("done_on", TODAY)
    )
    assert_error_page(response, "The page was out of date.")


def test_a_social_worker_updates_the_care_plan_but_not_the_record(
    client, iro, social_worker, child
):
    review = hold_review(child, iro)
    client.force_login(social_worker)
    care_plan = step_of(review, ReviewStep.Kind.CARE_PLAN_UPDATED)
    full_record = step_of(review, ReviewStep.Kind.FULL_RECORD)
    assert client.get(reverse("cases:step_complete", args=[care_plan.pk])).status_code == 200
    url = reverse("cases:step_complete", args=[full_record.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {**date_data("done_on", TODAY), "lock_version": 0})
    assert response.status_code == 403
    # Before the decisions are circulated only the manager they are for may answer.
    considered = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    assert client.get(reverse("cases:step_complete", args=[considered.pk])).status_code == 403


# Significant changes -------------------------------------------------------------------------


def test_a_change_tells_the_iro_at_once(client, iro, social_worker, child):
    client.force_login(social_worker)
    url = reverse("cases:change_new", args=[child.pk])
    page = client.get(url).content.decode()
    assert "Missing from care" in page
    assert "Concerns have increased" not in page  # a child protection change
    response = client.post(
        url,
        {"kind": "missing", **date_data("occurred_on", TODAY), "details": "Missing overnight"},
    )
    assert response.status_code == 302
    assert banners(response) == ["Significant change recorded. Ira Reviewer has been told"]
    change = SignificantChange.objects.get()
    assert change.reviewing_officer == iro
    notification = Notification.objects.get(recipient=iro, kind=Kind.SIGNIFICANT_CHANGE)
    assert notification.url == reverse("cases:change_decide", args=[change.pk])
    page = client.get(reviews_url(child)).content.decode()
    assert "Awaiting decision" in page
    assert "Missing overnight" in page
    # The social worker cannot decide: no link for them.
    assert reverse("cases:change_decide", args=[change.pk]) not in page


def test_a_placement_change_starts_the_carer_change_clock(client, iro, social_worker, child):
    came_into_care(child, iro, D(2025, 6, 2))
    hold_review(child, iro, D(2026, 3, 2))
    client.force_login(social_worker)
    client.post(
        reverse("cases:change_new", args=[child.pk]),
        {
            "kind": "placement_change",
            **date_data("occurred_on", D(2026, 3, 3)),
            "details": "Moved to new foster carers",
        },
    )
    key_date = KeyDate.objects.get(child=child, kind=KeyDate.Kind.CARER_CHANGE)
    assert key_date.on == D(2026, 3, 3)
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 3, 31)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select what has changed"),
        ({"kind": "harm", **date_data("occurred_on", TODAY), "details": "x"}, "Select what has"),
        ({"kind": "missing", "details": "x"}, "Enter the date it happened"),
        ({"kind": "missing", **date_data("occurred_on", TODAY)}, "Enter what happened"),
        (
            {"kind": "missing", **date_data("occurred_on", D(2026, 3, 9)), "details": "x"},
            "The date it happened must be today or in the past",
        ),
        (
            {"kind": "missing", **date_data("occurred_on", D(1999, 1, 1)), "details": "x"},
            "on or after the child&#x27;s date of birth",
        ),
    ],
)
def test_a_bad_change_shows_the_error_summary(client, social_worker, child, data, message):
    client.force_login(social_worker)
    response = client.post(reverse("cases:change_new", args=[child.pk]), data)
    assert_error_page(response, message)
    assert not SignificantChange.objects.exists()


@pytest.fixture
def change(iro, social_worker, child):
    came_into_care(child, iro, D(2025, 6, 2))
    hold_review(child, iro, D(2026, 3, 2))
    return services.significant_change_record(
        child=child,
        by=social_worker,
        kind=SignificantChange.Kind.EXCLUSION,
        occurred_on=D(2026, 3, 3),
        details="Excluded for five days",
    )


def test_the_iro_decides_an_early_review_is_needed(client, iro, social_worker, child, change):
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 6, 2)
    client.force_login(iro)
    page = client.get(reviews_url(child)).content.decode()
    url = reverse("cases:change_decide", args=[change.pk])
    assert url in page
    page = client.get(url).content.decode()
    assert "Excluded for five days" in page
    assert "Is an early review needed?" in page
    response = client.post(
        url,
        {
            "decision": "early_review",
            **date_data("early_review_by", D(2026, 3, 20)),
            "lock_version": change.lock_version,
        },
    )
    assert response.status_code == 302
    assert banners(response) == ["Decision recorded: an early review is needed by 20 March 2026"]
    child.refresh_from_db()
    assert child.review_due_on == D(2026, 3, 20)
    assert Notification.objects.filter(
        recipient=social_worker, kind=Kind.EARLY_REVIEW_DECISION
    ).exists()
    # Decided: the page shows the decision, and a second answer changes nothing.
    page = client.get(url).content.decode()
    assert "Significant change: decided" in page
    assert "An early review is needed by 20 March 2026" in page
    client.post(url, {"decision": "no_early_review", "reason": "x", "lock_version": 1})
    change.refresh_from_db()
    assert change.decision == SignificantChange.Decision.EARLY_REVIEW


def test_no_early_review_needs_a_reason(client, iro, change):
    client.force_login(iro)
    url = reverse("cases:change_decide", args=[change.pk])
    data = {"decision": "no_early_review", "lock_version": change.lock_version}
    assert_error_page(client.post(url, data), "Say why no early review is needed.")
    # A half-typed date under the other answer does not matter.
    response = client.post(
        url, {**data, "reason": "Back at school next week", "early_review_by_0": "4"}
    )
    assert response.status_code == 302
    assert banners(response) == ["Decision recorded: no early review is needed"]
    change.refresh_from_db()
    assert change.decision_reason == "Back at school next week"
    assert change.early_review_by is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select whether an early review is needed"),
        ({"decision": "early_review"}, "Enter the date the early review is due by."),
        (
            {"decision": "early_review", **date_data("early_review_by", D(2026, 3, 3))},
            "The date must be today or in the future.",
        ),
        (
            {
                "decision": "early_review",
                "early_review_by_0": "40",
                "early_review_by_1": "3",
                "early_review_by_2": "2026",
            },
            "The early review date must be a real date",
        ),
        ({"decision": "maybe"}, "Select whether an early review is needed"),
    ],
)
def test_a_bad_decision_shows_the_error_summary(client, iro, change, data, message):
    client.force_login(iro)
    response = client.post(
        reverse("cases:change_decide", args=[change.pk]),
        {**data, "lock_version": change.lock_version},
    )
    assert_error_page(response, message)
    change.refresh_from_db()
    assert not change.is_decided


def test_only_the_reviewing_service_decides(client, team_manager, social_worker, change):
    for person in (team_manager, social_worker):
        client.force_login(person)
        url = reverse("cases:change_decide", args=[change.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"decision": "no_early_review", "reason": "x"}).status_code == 403


# Who may see what ------------------------------------------------------------------------------


def _child_urls(child) -> list[str]:
    return [
        reverse(name, args=[child.pk])
        for name in (
            "cases:child_reviews",
            "cases:review_new",
            "cases:key_date_new",
            "cases:change_new",
        )
    ]


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_outsiders_get_not_found_everywhere(client, request, iro, child, change, persona):
    review = Review.objects.get(child=child)
    client.force_login(request.getfixturevalue(persona))
    urls = [
        *_child_urls(child),
        reverse("cases:change_decide", args=[change.pk]),
        reverse("cases:step_complete", args=[review.steps.first().pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        if url != reviews_url(child):  # the reviews page takes no posts
            assert client.post(url, {}).status_code == 404, url


def test_a_restricted_child_is_not_found_unless_named(client, team_manager, iro, restricted_child):
    review = hold_review(restricted_child, iro)
    client.force_login(team_manager)
    step_url = reverse("cases:step_complete", args=[review.steps.first().pk])
    for url in [*_child_urls(restricted_child), step_url]:
        assert client.get(url).status_code == 404, url
    restricted_child.named_users.add(team_manager)
    assert client.get(reviews_url(restricted_child)).status_code == 200


def test_unknown_ids_are_not_found(client, iro):
    client.force_login(iro)
    for name in ("cases:child_reviews", "cases:change_decide", "cases:step_complete"):
        assert client.get(reverse(name, args=[999999])).status_code == 404


def test_the_reviews_page_refuses_posts(client, iro, child):
    client.force_login(iro)
    assert client.post(reviews_url(child)).status_code == 405
    assert client.post(reverse("cases:reviews_due")).status_code == 405


def test_signed_out_the_pages_send_you_to_sign_in(client, child):
    for url in [*_child_urls(child), reverse("cases:reviews_due")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# The child's page and the list ------------------------------------------------------------------


def test_the_child_page_summarises_reviews(client, iro, social_worker, child, change):
    client.force_login(iro)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Next review due" in page
    assert "2 June 2026" in page
    assert "Next QAPR due" in page
    assert "Significant changes awaiting a decision" in page
    assert reviews_url(child) in page
    assert "Reviews and quality assurance" in page


def test_the_child_list_shows_the_next_review(client, iro, child, team):
    came_into_care(child, iro, D(2026, 2, 2))
    later = allocate(ChildFactory(last_name="Later"), team=team, reviewing_officer=iro)
    came_into_care(later, iro, D(2026, 3, 2))
    client.force_login(iro)
    page = client.get(reverse("cases:child_list")).content.decode()
    assert "Next review" in page
    assert "2 March 2026" in page
    assert "30 March 2026" in page
    assert page.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>') == 1


# Reviews due -------------------------------------------------------------------------------------


def test_reviews_due_lists_my_children_overdue_first(client, iro, iro_team, team, child):
    came_into_care(child, iro, D(2026, 3, 2))
    overdue = allocate(ChildFactory(last_name="Overdue"), team=team, reviewing_officer=iro)
    came_into_care(overdue, iro, D(2026, 1, 5))
    colleague = UserFactory(full_name="Col League", roles=[RoleCode.IRO], team=iro_team)
    theirs = allocate(ChildFactory(last_name="Theirs"), team=team, reviewing_officer=colleague)
    came_into_care(theirs, colleague, D(2026, 2, 16))
    client.force_login(iro)
    page = client.get(reverse("cases:reviews_due")).content.decode()
    assert "<title>Reviews due – " in page
    assert page.index(overdue.full_name) < page.index(child.full_name)
    assert theirs.full_name not in page
    assert "Overdue" in page
    assert "First review: within 20 working days" in page
    page = client.get(reverse("cases:reviews_due"), {"show": "team"}).content.decode()
    assert theirs.full_name in page
    assert (
        page.index(overdue.full_name) < page.index(theirs.full_name) < page.index(child.full_name)
    )


def test_reviews_due_lists_tasks_and_changes_for_me(client, iro, child, change):
    client.force_login(iro)
    page = client.get(reverse("cases:reviews_due")).content.decode()
    review = Review.objects.get(child=child)
    full_record = step_of(review, ReviewStep.Kind.FULL_RECORD)
    assert "Post-review tasks for you" in page
    assert reverse("cases:step_complete", args=[full_record.pk]) in page
    # The team manager's task has no date until the decisions reach them.
    considered = step_of(review, ReviewStep.Kind.DECISIONS_CONSIDERED)
    assert reverse("cases:step_complete", args=[considered.pk]) not in page
    assert "Significant changes awaiting your decision" in page
    assert reverse("cases:change_decide", args=[change.pk]) in page


def test_a_social_worker_sees_their_tasks(client, iro, social_worker, child):
    review = hold_review(child, iro)
    client.force_login(social_worker)
    page = client.get(reverse("cases:reviews_due")).content.decode()
    care_plan = step_of(review, ReviewStep.Kind.CARE_PLAN_UPDATED)
    assert reverse("cases:step_complete", args=[care_plan.pk]) in page
    assert "No significant changes are waiting for your decision." in page


def test_the_service_manager_sees_every_team(client, iro, service_manager, child):
    came_into_care(child, iro, D(2026, 3, 2))
    client.force_login(service_manager)
    page = client.get(reverse("cases:reviews_due")).content.decode()
    assert child.full_name in page  # a manager starts from the team view


def test_an_outsider_sees_nothing_due(client, iro, outsider, child, change):
    client.force_login(outsider)
    for show in ("mine", "team"):
        page = client.get(reverse("cases:reviews_due"), {"show": show}).content.decode()
        assert child.full_name not in page
        assert "0 children" in page


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "999"}, {"show": "everyone"}])
def test_any_query_gives_a_page(client, iro, params):
    client.force_login(iro)
    assert client.get(reverse("cases:reviews_due"), params).status_code == 200


def test_reviews_due_is_paginated(client, iro, team):
    for n in range(30):
        kid = allocate(ChildFactory(last_name=f"Page{n:02d}"), team=team, reviewing_officer=iro)
        Child.objects.filter(pk=kid.pk).update(
            review_due_on=D(2026, 4, 1) + dt.timedelta(days=n), review_due_reason="Test"
        )
    client.force_login(iro)
    page = client.get(reverse("cases:reviews_due")).content.decode()
    assert "30 children" in page
    assert "Page00" in page and "Page29" not in page
    assert "?show=mine&amp;page=2" in page
    page = client.get(reverse("cases:reviews_due"), {"page": 2}).content.decode()
    assert "Page29" in page and "Page00" not in page


# Queries ---------------------------------------------------------------------------------------


def _busy_child(iro, social_worker, team, reviews: int) -> Child:
    """A child with `reviews` reviews (each with four tasks), key dates, changes, QAPRs and
    history, made directly so the numbers are exact."""
    kid = allocate(ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro)
    came_into_care(kid, iro, D(2020, 1, 6))
    for n in range(reviews):
        hold_review(kid, iro, D(2020, 2, 3) + dt.timedelta(days=60 * n))
        SignificantChange.objects.create(
            child=kid,
            kind=SignificantChange.Kind.HEALTH,
            occurred_on=D(2020, 2, 10) + dt.timedelta(days=60 * n),
            details="Seen by the GP",
            recorded_by=social_worker,
            reviewing_officer=iro,
        )
        KeyDate.objects.create(
            child=kid,
            kind=KeyDate.Kind.CARER_CHANGE,
            on=D(2020, 2, 20) + dt.timedelta(days=60 * n),
            recorded_by=social_worker,
        )
        qapr = Qapr.objects.create(child=kid, author=iro, variant=Variant.CHILD_IN_CARE)
        if n % 2:
            Qapr.objects.filter(pk=qapr.pk).update(
                state=QaprState.FINALISED,
                grade="good",
                completed_on=D(2020, 3, 2) + dt.timedelta(days=60 * n),
            )
    ChildLog.objects.bulk_create(
        ChildLog(child=kid, actor=iro, summary=f"Entry {n}") for n in range(reviews * 3)
    )
    services.child_refresh_schedule(child=kid)
    return kid


@pytest.mark.parametrize("persona", ["iro", "team_manager", "service_manager"])
def test_the_reviews_page_does_a_fixed_number_of_queries(
    client, request, iro, social_worker, team, protocols, persona, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    small, large = (
        _busy_child(iro, social_worker, team, 2),
        _busy_child(iro, social_worker, team, 12),
    )
    client.get(reviews_url(small))  # warm up: the session and the calendar
    # 20: the next review's preparation and its steps (issue 14 rule 13) are two of them.
    with django_assert_max_num_queries(20) as few:
        assert client.get(reviews_url(small)).status_code == 200
    with django_assert_max_num_queries(20) as many:
        response = client.get(reviews_url(large))
    assert response.status_code == 200
    assert len(response.context["child"].reviews.all()) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def _due_children(count, iro, social_worker, team):
    for n in range(count):
        kid = allocate(
            ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro
        )
        Child.objects.filter(pk=kid.pk).update(
            # All before today (4 March 2026), so every child on the page is overdue, whatever
            # order the factory's names sort in.
            review_due_on=D(2025, 10, 1) + dt.timedelta(days=n),
            review_due_reason="Due",
        )
        review = Review.objects.create(
            child=kid, kind=Review.Kind.CIC_REVIEW, held_on=D(2026, 2, 2), chair=iro
        )
        ReviewStep.objects.create(
            review=review, kind=ReviewStep.Kind.FULL_RECORD, assignee=iro, due_on=TODAY
        )
        ReviewStep.objects.create(
            review=review,
            kind=ReviewStep.Kind.CARE_PLAN_UPDATED,
            assignee=social_worker,
            due_on=TODAY,
        )
        SignificantChange.objects.create(
            child=kid,
            kind=SignificantChange.Kind.HEALTH,
            occurred_on=D(2026, 3, 1),
            details="x",
            recorded_by=social_worker,
            reviewing_officer=iro,
        )


@pytest.mark.parametrize(
    ("persona", "show"),
    [("iro", "mine"), ("iro", "team"), ("social_worker", "mine"), ("service_manager", "team")],
)
def test_reviews_due_does_a_fixed_number_of_queries(
    client, request, iro, social_worker, team, persona, show, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("cases:reviews_due")
    _due_children(3, iro, social_worker, team)
    client.get(url, {"show": show})
    with django_assert_max_num_queries(11) as few:
        client.get(url, {"show": show})
    _due_children(40, iro, social_worker, team)
    with django_assert_max_num_queries(11) as many:
        response = client.get(url, {"show": show})
    assert response.context["page"].paginator.count == 43
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_child_list_with_review_dates_does_a_fixed_number_of_queries(
    client, iro, social_worker, team, django_assert_max_num_queries
):
    client.force_login(iro)
    _due_children(5, iro, social_worker, team)
    client.get(reverse("cases:child_list"))
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("cases:child_list"))
    _due_children(40, iro, social_worker, team)
    with django_assert_max_num_queries(9) as many:
        page = client.get(reverse("cases:child_list")).content.decode()
    assert page.count('govuk-tag--red">Overdue') == 25
    assert len(many.captured_queries) == len(few.captured_queries)
