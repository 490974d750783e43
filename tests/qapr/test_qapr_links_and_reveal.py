"""A QAPR and the concern raised from it link to each other (each way only for people who may
see the other record); the reason for raising no concern is revealed under that answer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalations.models import Concern
from qapr.models import Grade
from tests.builders import raise_draft
from tests.qapr.test_qapr_pages import category, filled, frozen_clock, url  # noqa: F401

pytestmark = pytest.mark.usefixtures("gloucestershire")


def test_the_concern_page_links_back_to_the_qapr_it_was_raised_from(
    client, iro, child, team_manager
):
    qapr = filled(iro, child, grade=Grade.INADEQUATE, grade_rationale="No plan for 9 months.")
    client.force_login(iro)
    formal = {"lock_version": qapr.lock_version, "level": "formal", "category": category().pk}
    assert client.post(url("qapr_concern", qapr.pk), formal).status_code == 302
    concern = raise_draft(Concern.objects.get(), iro, team_manager)

    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    link = (
        f'<a class="govuk-link" href="{url("qapr_detail", qapr.pk)}">Raised from {qapr.reference}'
    )
    assert link in page
    assert "the QAPR started on 10 June 2026" in page
    detail = client.get(url("qapr_detail", qapr.pk)).content.decode()
    assert reverse("escalations:concern_detail", args=[concern.pk]) in detail


def test_a_concern_not_from_a_qapr_has_no_such_link(client, iro, child, team_manager):
    from tests.builders import raised_concern

    concern = raised_concern(iro, [child], team_manager)
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert "Raised from" not in page


def test_the_reason_for_no_concern_is_revealed_under_its_answer(client, iro, child):
    qapr = filled(iro, child, grade=Grade.REQUIRES_IMPROVEMENT)
    client.force_login(iro)
    page = client.get(url("qapr_edit", qapr.pk)).content.decode()
    assert 'data-aria-controls="conditional_ri_decision_3"' in page
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden" ' in page
    revealed = page.split('id="conditional_ri_decision_3"', 1)[1].split("</textarea>", 1)[0]
    assert 'name="ri_decision_reason"' in revealed
    assert page.count('name="ri_decision_reason"') == 1


def test_check_and_finalise_shows_every_section_with_a_change_link_to_it(client, iro, child):
    # Issue 19, GOV.UK "Check answers": each section of the form summarised, each with "Change".
    qapr = filled(iro, child, grade=Grade.GOOD, grade_rationale="A clear, settled plan.")
    client.force_login(iro)
    page = client.get(url("qapr_finalise", qapr.pk)).content.decode()
    assert "Check your answers" in page
    edit = url("qapr_edit", qapr.pk)
    for anchor in ("participation", "progress", "records", "views", "grade"):
        assert f'href="{edit}#section-{anchor}">Change' in page
        form = client.get(edit).content.decode()
        assert f'id="section-{anchor}"' in form  # the link lands on that section
    for title in ("Participation and views of the child", "Views sought", "Grade"):
        assert f'<h3 class="govuk-summary-card__title">{title}</h3>' in page
    assert "A clear, settled plan." in page
    assert page.count('class="govuk-summary-card"') >= 5
