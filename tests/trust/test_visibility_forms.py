"""The concern rule written three ways gives the same concerns (issue 18).

escalations.selectors.concern_visibility gathers the concerns a person sees from id sets
(every list), tests them one by one (`row_by_row`, the team list), or starts from what they
raised (`raised_only`, "My concerns"). For every persona of the trust world, with concerns
about two children where one is hidden, a task handed to the person, drafts and restricted
children, the three agree.
"""

from __future__ import annotations

import pytest

from escalations import selectors
from escalations.models import Concern, ConcernChild
from escalations.selectors import concern_visibility
from tests.factories import ConcernFactory, StageFactory, TaskFactory

from .world import PERSONAS

SIGNED_IN = [persona for persona in PERSONAS if persona != "signed_out"]


def _seen(user, **form) -> set[int]:
    return set(
        Concern.objects.filter(concern_visibility(user, **form)).values_list("pk", flat=True)
    )


@pytest.fixture
def two_child_concerns(world, db):
    """A concern about a child of each side, raised by each side's IRO, and one of them
    handed to the outside manager as a task: seen by the people who see both children, by
    its raiser and by the person with the task (unless a child is restricted)."""
    made = []
    pairs = [("own", "other"), ("own", "restricted"), ("other", "restricted")]
    for first, second in pairs:
        for raiser in ("iro", "other_iro"):
            concern = ConcernFactory(raised_by=world.people[raiser])
            for n, variant in enumerate((first, second)):
                ConcernChild.objects.create(
                    concern=concern, child=world.side(variant).child, is_primary=n == 0
                )
            made.append(concern)
    stage = StageFactory(concern=made[0])
    TaskFactory(stage=stage, assignee=world.people["outside_manager"])
    return made


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_the_rule_row_by_row_gives_what_the_rule_gives(world, two_child_concerns, persona):
    user = world.people[persona]
    assert _seen(user, row_by_row=True) == _seen(user)


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_the_rule_for_what_they_raised_gives_their_part_of_the_rule(
    world, two_child_concerns, persona
):
    user = world.people[persona]
    raised = set(Concern.objects.filter(raised_by=user).values_list("pk", flat=True))
    assert _seen(user, raised_only=True) == _seen(user) & raised


def test_a_concern_about_a_child_they_may_not_see_is_hidden_every_way(world, two_child_concerns):
    manager = world.people["manager"]
    both_sides = {c.pk for c in two_child_concerns[:2]}  # own and other children, by either IRO
    for form in ({}, {"row_by_row": True}):
        assert not both_sides & _seen(manager, **form)
    # The person with the task sees it, whichever way it is asked.
    outside = world.people["outside_manager"]
    assert two_child_concerns[0].pk in _seen(outside) == _seen(outside, row_by_row=True)


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_the_rule_asked_by_what_to_leave_out_gives_what_the_rule_gives(
    world, two_child_concerns, persona, monkeypatch
):
    """Someone who sees nearly everything is asked by the concerns to leave out: for anyone,
    that gives the same concerns as gathering what they see."""
    user = world.people[persona]
    gathered = _seen(user)
    monkeypatch.setattr(selectors, "sees_nearly_everything", lambda person: True)
    assert _seen(user) == gathered
