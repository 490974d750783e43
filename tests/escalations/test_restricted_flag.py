"""Concern.about_restricted_child follows the children: the dashboards trust it to leave out
every concern about a restricted child, so it must be right after every way a link changes."""

import pytest

from cases.models import Child
from escalations import services
from escalations.models import Concern, ConcernChild
from escalations.restricted import refresh_about_restricted
from tests.builders import draft_concern
from tests.factories import ChildFactory


def flag(concern) -> bool:
    return Concern.objects.values_list("about_restricted_child", flat=True).get(pk=concern.pk)


@pytest.fixture(autouse=True)
def _protocol(gloucestershire):
    return gloucestershire


def test_a_concern_about_an_open_record_is_not_flagged(child, iro):
    assert flag(draft_concern(iro, child)) is False


def test_a_concern_about_a_restricted_child_is_flagged_when_started(restricted_child, iro):
    assert flag(draft_concern(iro, restricted_child)) is True


def test_changing_a_drafts_children_moves_the_flag(child, restricted_child, iro):
    concern = draft_concern(iro, child)
    services.concern_update_draft(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        title=concern.title,
        children=[child, restricted_child],
        start_level=concern.start_level,
    )
    assert flag(concern) is True
    concern = Concern.objects.get(pk=concern.pk)
    services.concern_update_draft(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        title=concern.title,
        children=[child],
        start_level=concern.start_level,
    )
    assert flag(concern) is False


def test_restricting_a_child_later_flags_their_concerns_and_opening_it_clears_them(child, iro):
    concern = draft_concern(iro, child)
    record = Child.objects.get(pk=child.pk)
    record.restricted = True
    record.save()
    assert flag(concern) is True
    record.restricted = False
    record.save()
    assert flag(concern) is False


def test_a_link_made_directly_updates_the_row_and_the_callers_copy(child, iro, team):
    concern = draft_concern(iro, child)
    secret = ChildFactory(restricted=True, team=team)
    ConcernChild.objects.create(concern=concern, child=secret)
    assert concern.about_restricted_child is True
    concern.save()  # a later full save of the caller's copy must not clear it
    assert flag(concern) is True


def test_refresh_repairs_flags_left_wrong_by_a_bulk_load(child, restricted_child, iro):
    open_concern = draft_concern(iro, child)
    hidden_concern = draft_concern(iro, restricted_child)
    Concern.objects.update(about_restricted_child=False)
    Concern.objects.filter(pk=open_concern.pk).update(about_restricted_child=True)
    assert refresh_about_restricted() == 2
    assert flag(open_concern) is False
    assert flag(hidden_concern) is True
    assert refresh_about_restricted() == 0
