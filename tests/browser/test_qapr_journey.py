"""An IRO writes a quality assurance progress review (QAPR), grades it Requires improvement, is
told what that grade obliges, records the decision and a recommendation, and finalises it.

Screenshots: docs/screenshots/qapr-requires-improvement/.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Child
from qapr.models import Grade, Qapr, QaprState, Recommendation, RiDecision, SectionRating
from tests.browser.journey import Journey, install_protocols, long_date

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.journey]

SECTIONS = {
    "Participation and views of the child": "Amara chaired part of her review.",
    "Progress: to what extent are permanence, stability and safety being achieved?": (
        "No permanence plan after two reviews."
    ),
    "Timely and appropriate records": "The last two visits are not recorded.",
}
DECISION_REASON = "The team manager agreed a plan at the review; I will check it in a month."
RECOMMENDATION = "Record the permanence plan on the child's file."
VIEWS_CHANGED = "Amara wants to stay with her carers and see her brother more often."


def fill_the_form(journey: Journey, today: dt.date) -> None:
    page = journey.page
    for legend, rationale in SECTIONS.items():
        section = page.get_by_role("group", name=legend, exact=True)
        section.get_by_label("Some concerns: needs to improve").check()
        section.get_by_label("Rationale").fill(rationale)
    journey.fill_date(
        "When was the social worker invited to give their views?", today - dt.timedelta(days=7)
    )
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Carers", exact=True).check()
    page.get_by_label("What did people say?").fill("Amara wants to stay with her carers.")
    page.get_by_label("Requires improvement", exact=True).check()
    page.get_by_label("Rationale for the grade").fill("Drift in the permanence plan.")
    page.get_by_label("What is the impact on the child?").fill(
        "Amara does not know where she will grow up."
    )


def test_iro_grades_a_qapr_requires_improvement(
    page, live_server, page_checks, child, iro, social_worker
):
    install_protocols()
    today = timezone.localdate()
    Child.objects.filter(pk=child.pk).update(qapr_due_on=today + dt.timedelta(days=10))
    journey = Journey(page, live_server.url, "qapr-requires-improvement", page_checks)
    journey.sign_in(iro, "sign-in")

    journey.menu("QAPRs")
    expect(journey.h1()).to_have_text("QAPRs due")
    expect(journey.row("Amara Okafor")).to_be_visible()
    journey.check("qaprs-due")
    page.get_by_role("button", name="Start QAPR for Amara Okafor").click()
    expect(journey.h1()).to_have_text("IRO quality assurance progress review")
    qapr = Qapr.objects.get(child=child)
    expect(page.get_by_text(qapr.reference).first).to_be_visible()
    journey.check("form")

    # Everything but what the grade obliges, then on to check it.
    fill_the_form(journey, today)
    journey.screenshot("form-filled")
    page.get_by_role("button", name="Save and check before finalising").click()
    expect(journey.h1()).to_have_text("Check and finalise the QAPR")
    expect(page.get_by_text("You cannot finalise this QAPR yet.")).to_be_visible()
    missing = page.get_by_role("link", name="Record what you decided to do about the Requires")
    expect(missing).to_be_visible()
    expect(page.get_by_role("button", name="Finalise QAPR")).to_have_count(0)
    journey.check("cannot-finalise-yet")

    # The link goes back to the question.
    missing.click()
    decision = page.get_by_role("group", name="What did you decide to do?")
    expect(decision).to_be_visible()
    decision.get_by_label("No concern: the reason is recorded").check()
    page.get_by_label("Reason for your decision").fill(DECISION_REASON)
    journey.check("decision")
    page.get_by_role("button", name="Save and continue later").click()
    journey.banner(f"{qapr.reference} saved. You can carry on with it later.")
    journey.check()

    # A recommendation to follow up, for the social worker.
    page.get_by_role("link", name="Add a recommendation").click()
    page.get_by_label("What is the recommendation?").fill(RECOMMENDATION)
    page.get_by_label("Who will do it?").select_option(label="Sam Worker (Practitioner)")
    recommendation_due = today + dt.timedelta(days=28)
    journey.fill_date("By when?", recommendation_due)
    journey.check("recommendation")
    page.get_by_role("button", name="Add recommendation").click()
    journey.banner("Recommendation added for Sam Worker")
    expect(page.get_by_role("cell", name=RECOMMENDATION, exact=True)).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Finalise", exact=True).click()
    expect(journey.h1()).to_have_text("Check and finalise the QAPR")
    # Check your answers (issue 19): every section, each with a Change link back to it.
    cards = page.locator(".govuk-summary-card")
    for title in [*SECTIONS, "Views sought", "Grade", "Requires improvement decision"]:
        heading = page.get_by_role("heading", name=title, exact=True)
        expect(cards.filter(has=heading)).to_have_count(1)
    grade = cards.filter(has=page.get_by_role("heading", name="Grade", exact=True))
    expect(grade).to_contain_text("Requires improvement")
    expect(page.locator("main")).to_contain_text("No concern: the reason is recorded")
    journey.check("check-and-finalise")
    page.get_by_role("link", name="Change views sought").click()
    expect(page).to_have_url(re.compile(r"#section-views$"))
    page.get_by_label("What did people say?").fill(VIEWS_CHANGED)
    page.get_by_role("button", name="Save and check before finalising").click()
    expect(journey.h1()).to_have_text("Check and finalise the QAPR")
    views = cards.filter(has=page.get_by_role("heading", name="Views sought", exact=True))
    expect(views).to_contain_text(VIEWS_CHANGED)
    journey.check("check-after-change")
    page.get_by_role("button", name="Finalise QAPR").click()

    journey.banner(f"{qapr.reference} finalised: Requires improvement")
    expect(journey.h1().locator(".govuk-tag")).to_have_text("Finalised")
    expect(page.get_by_text(DECISION_REASON)).to_be_visible()
    expect(page.get_by_text(long_date(recommendation_due)).first).to_be_visible()
    journey.check("finalised")

    qapr = Qapr.objects.get(pk=qapr.pk)
    assert (qapr.state, qapr.grade, qapr.completed_on) == (
        QaprState.FINALISED,
        Grade.REQUIRES_IMPROVEMENT,
        today,
    )
    assert (qapr.ri_decision, qapr.ri_decision_reason) == (RiDecision.NONE, DECISION_REASON)
    assert qapr.progress_rating == SectionRating.SOME_CONCERNS
    assert qapr.views_child and qapr.views_carers and not qapr.views_parents
    assert qapr.views_summary == VIEWS_CHANGED
    recommendation = Recommendation.objects.get(qapr=qapr)
    assert (recommendation.text, recommendation.owner_id, recommendation.due_on) == (
        RECOMMENDATION,
        social_worker.pk,
        recommendation_due,
    )
    assert journey.errors == []
