"""One rule decides who sees a child. These tests try it persona by persona."""

import pytest
from django.http import Http404

from cases import selectors
from tests.factories import ChildFactory, UserFactory

VISIBLE = ["iro", "social_worker", "team_manager", "head_of_service", "assistant_director"]
VISIBLE_ALSO = ["service_manager"]
HIDDEN = ["unrelated_colleague", "outsider"]


@pytest.mark.parametrize("persona", VISIBLE + VISIBLE_ALSO)
def test_people_allocated_in_the_line_or_service_wide_see_the_child(request, child, persona):
    user = request.getfixturevalue(persona)
    assert list(selectors.child_queryset(user)) == [child]
    assert selectors.child_get(user, child.pk) == child


@pytest.mark.parametrize("persona", HIDDEN)
def test_people_outside_the_line_do_not_see_the_child(request, child, persona):
    user = request.getfixturevalue(persona)
    assert list(selectors.child_queryset(user)) == []
    with pytest.raises(Http404):
        selectors.child_get(user, child.pk)


def test_iro_team_manager_sees_their_iros_children(child, iro, iro_team):
    manager = UserFactory(roles=["reviewing_team_manager"])
    iro_team.manager = manager
    iro_team.save()
    assert list(selectors.child_queryset(manager)) == [child]


@pytest.mark.parametrize("persona", ["iro", "social_worker"])
def test_restricted_child_is_seen_by_the_allocated_workers(request, restricted_child, persona):
    user = request.getfixturevalue(persona)
    assert selectors.child_get(user, restricted_child.pk) == restricted_child


@pytest.mark.parametrize(
    "persona", ["team_manager", "head_of_service", "assistant_director", "service_manager"]
)
def test_restricted_child_is_hidden_from_everyone_not_named(request, restricted_child, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(Http404):
        selectors.child_get(user, restricted_child.pk)


def test_restricted_child_is_hidden_from_an_administrator_not_named(restricted_child):
    admin = UserFactory(roles=["administrator"], is_staff=True, is_superuser=True)
    assert restricted_child not in selectors.child_queryset(admin)


def test_naming_a_person_on_a_restricted_child_lets_them_see_it(restricted_child, team_manager):
    restricted_child.named_users.add(team_manager)
    assert selectors.child_get(team_manager, restricted_child.pk) == restricted_child


def test_an_inactive_person_sees_nothing(child, iro):
    iro.is_active = False
    iro.save()
    assert list(selectors.child_queryset(iro)) == []


def test_archived_children_are_not_listed(child, iro):
    child.archived_at = child.created_at
    child.save()
    assert list(selectors.child_queryset(iro)) == []


def test_search_matches_names_and_exact_reference(child, iro):
    assert list(selectors.child_list(iro, search="amara")) == [child]
    assert list(selectors.child_list(iro, search="okafor amara")) == [child]
    assert list(selectors.child_list(iro, search=child.reference.lower())) == [child]
    assert list(selectors.child_list(iro, search="nobody")) == []


def test_mine_only_keeps_children_allocated_to_me(child, team, team_manager, social_worker):
    other = ChildFactory(team=team)
    assert set(selectors.child_list(team_manager)) == {child, other}
    assert list(selectors.child_list(social_worker, mine_only=True)) == [child]


def test_siblings_are_listed_only_if_visible(child, iro, unrelated_colleague):
    from tests.factories import SiblingGroupFactory

    group = SiblingGroupFactory()
    visible_sibling = ChildFactory(sibling_group=group, reviewing_officer=iro)
    hidden_sibling = ChildFactory(sibling_group=group)
    child.sibling_group = group
    child.save()
    assert list(selectors.sibling_list(iro, child)) == [visible_sibling]
    assert hidden_sibling not in selectors.sibling_list(iro, child)
