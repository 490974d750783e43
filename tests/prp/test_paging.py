"""OneQueryPaginator: the same pages and counts as Django's Paginator, from one query a page."""

import pytest
from django.core.paginator import Paginator

from prp.models import Team
from prp.paging import OneQueryPaginator
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    TeamFactory.create_batch(7)
    return Team.objects.order_by("pk")


def _shown(page):
    return [team.pk for team in page.object_list], page.number, page.paginator.count


@pytest.mark.parametrize("asked", [1, 2, 3, "2", 99, 0, -1, "x", None, 2.5, "9" * 30])
def test_every_page_asked_for_matches_djangos_paginator(teams, asked):
    ours = OneQueryPaginator(teams, 3).get_page(asked)
    django = Paginator(teams, 3).get_page(asked)
    assert _shown(ours) == _shown(django)
    assert ours.paginator.num_pages == django.paginator.num_pages == 3
    assert ours.has_next() == django.has_next()


def test_a_page_and_its_count_are_one_query(teams, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = OneQueryPaginator(teams, 3).get_page(2)
        assert page.paginator.count == 7
        assert page.paginator.num_pages == 3
        assert page.start_index() == 4 and page.end_index() == 6


def test_past_the_last_page_shows_the_last_page(teams, django_assert_num_queries):
    # The page read comes back empty, so the list is counted as Django does: the last page.
    with django_assert_num_queries(3):
        page = OneQueryPaginator(teams, 3).get_page(5)
        shown = [t.pk for t in page.object_list]
    assert page.number == 3 and shown == [Team.objects.order_by("pk").last().pk]


def test_an_empty_list_is_one_empty_page(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = OneQueryPaginator(Team.objects.order_by("pk"), 3).get_page(1)
        assert page.paginator.count == 0 and page.paginator.num_pages == 1
    assert list(page.object_list) == []


def test_a_list_that_is_not_a_plain_queryset_is_paged_djangos_way(teams):
    # A distinct list could count its rows before they are made distinct: Django counts it.
    page = OneQueryPaginator(teams.distinct(), 3).get_page(3)
    assert page.paginator.count == 7 and len(page.object_list) == 1
    assert OneQueryPaginator([1, 2, 3], 2).get_page(2).object_list == [3]
