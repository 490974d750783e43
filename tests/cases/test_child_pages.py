"""The children list and a child's page, through real HTTP requests."""

import re

import pytest
from django.urls import reverse

from tests.builders import allocate
from tests.factories import ChildFactory


def test_the_list_shows_my_children(client, iro, child):
    client.force_login(iro)
    response = client.get(reverse("cases:child_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>My children – " in page
    assert child.full_name in page
    assert child.reference in page
    assert reverse("cases:child_detail", args=[child.pk]) in page


def test_the_list_hides_other_peoples_children(client, unrelated_colleague, child):
    client.force_login(unrelated_colleague)
    page = client.get(reverse("cases:child_list")).content.decode()
    assert child.full_name not in page
    assert "0 children" in page


def _checked(page: str) -> str:
    """The value of the radio button that is selected."""
    return re.search(r'value="(\w+)"\s+checked', page).group(1)


def test_practitioners_start_from_their_own_caseload(client, iro, child, iro_team):
    from prp.models import RoleCode
    from tests.factories import UserFactory

    colleague = UserFactory(roles=[RoleCode.IRO], team=iro_team)
    theirs = allocate(
        ChildFactory(first_name="Colleague", last_name="Case"), reviewing_officer=colleague
    )
    client.force_login(iro)
    page = client.get(reverse("cases:child_list")).content.decode()
    assert child.full_name in page
    assert theirs.full_name not in page
    assert _checked(page) == "mine"
    page = client.get(reverse("cases:child_list"), {"show": "all"}).content.decode()
    assert theirs.full_name in page


def test_managers_start_from_everyone_they_can_see(client, team_manager, child):
    client.force_login(team_manager)
    page = client.get(reverse("cases:child_list")).content.decode()
    assert child.full_name in page
    assert _checked(page) == "all"


def test_a_made_up_filter_shows_the_error_summary(client, iro, child):
    client.force_login(iro)
    response = client.get(reverse("cases:child_list"), {"show": "everything"})
    page = response.content.decode()
    assert "Select which children to show" in page
    # The summary's link lands on the first radio button, which exists on the page.
    assert '<a href="#id_show_1">Select which children to show</a>' in page
    assert 'id="id_show_1"' in page
    assert 'class="govuk-radios govuk-radios--inline' in page


def test_the_list_searches_by_name_and_reference(client, iro, child, team):
    other = allocate(ChildFactory(first_name="Zed", last_name="Other"), reviewing_officer=iro)
    client.force_login(iro)
    page = client.get(reverse("cases:child_list"), {"q": "okafor"}).content.decode()
    assert child.full_name in page
    assert other.full_name not in page
    page = client.get(reverse("cases:child_list"), {"q": other.reference}).content.decode()
    assert other.full_name in page
    assert child.full_name not in page


def test_an_overlong_search_shows_the_error_summary_not_a_500(client, iro, child):
    client.force_login(iro)
    response = client.get(reverse("cases:child_list"), {"q": "x" * 500})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "<title>Error: My children" in page


@pytest.mark.parametrize("page_param", ["2", "999", "abc", "-1"])
def test_any_page_number_gives_a_page(client, iro, page_param):
    client.force_login(iro)
    for _ in range(30):
        allocate(ChildFactory(), reviewing_officer=iro)
    response = client.get(reverse("cases:child_list"), {"page": page_param})
    assert response.status_code == 200


def test_the_list_is_paginated_keeping_the_search(client, iro):
    for n in range(30):
        allocate(ChildFactory(first_name="Sam", last_name=f"Page{n:02d}"), reviewing_officer=iro)
    client.force_login(iro)
    page = client.get(reverse("cases:child_list"), {"q": "sam"}).content.decode()
    assert "30 children found" in page
    assert "?q=sam&amp;page=2" in page
    second = client.get(reverse("cases:child_list"), {"q": "sam", "page": 2}).content.decode()
    assert "Page29" in second
    assert "Page00" not in second


def _make_children(count, iro, team, social_worker):
    for _ in range(count):
        allocate(ChildFactory(), team=team, social_worker=social_worker, reviewing_officer=iro)


@pytest.mark.parametrize("persona", ["iro", "head_of_service", "service_manager"])
def test_the_list_does_a_fixed_number_of_queries(
    client, request, iro, team, social_worker, persona, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    _make_children(10, iro, team, social_worker)
    # 9: the header's unread-notifications count is one query on every page.
    with django_assert_max_num_queries(9) as small:
        client.get(reverse("cases:child_list"))
    _make_children(90, iro, team, social_worker)
    with django_assert_max_num_queries(9) as large:
        response = client.get(reverse("cases:child_list"))
    assert response.context["page"].paginator.count == 100
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_child_page_is_a_summary_with_allocations(client, iro, child, social_worker, team):
    client.force_login(iro)
    response = client.get(reverse("cases:child_detail", args=[child.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-summary-list" in page
    assert child.reference in page
    assert social_worker.full_name in page
    assert team.name in page
    assert "14 March 2015" in page  # GOV.UK date style
    assert "Independent Reviewing Officer" in page
    assert f"<title>{child.full_name} – " in page
    assert page.count('<h2 class="govuk-heading-m">Concerns</h2>') == 1


def test_the_child_page_does_a_fixed_number_of_queries(
    client, iro, child, social_worker, django_assert_max_num_queries
):
    client.force_login(iro)
    # The concerns, external agency notes and "may this person raise a concern" add 5 queries;
    # the count of significant changes awaiting a decision adds 1; the audit entry of the view, 1;
    # the concern rule reads the list of children the person sees and how many teams there are, 2.
    with django_assert_max_num_queries(17):
        client.get(reverse("cases:child_detail", args=[child.pk]))


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_another_persons_child_by_url_is_not_found(client, request, child, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("cases:child_detail", args=[child.pk]))
    assert response.status_code == 404


def test_a_restricted_child_by_url_is_not_found_for_the_team_manager(
    client, team_manager, restricted_child
):
    client.force_login(team_manager)
    response = client.get(reverse("cases:child_detail", args=[restricted_child.pk]))
    assert response.status_code == 404


def test_signed_out_the_child_page_sends_you_to_sign_in(client, child):
    url = reverse("cases:child_detail", args=[child.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_pages_refuse_posts(client, iro, child):
    client.force_login(iro)
    assert client.post(reverse("cases:child_list")).status_code == 405
