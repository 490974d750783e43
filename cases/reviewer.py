"""Who hears what is meant for "the child's IRO / CP Chair": the allocated reviewing officer,
or, when there is none, the reviewing service manager for the child's type (seed 000 §6.1,
§6.2: the IRO Service Manager for a child in care, the CP Service Manager for a child on a
protection plan). One rule, used by every message meant for the reviewing officer."""

from __future__ import annotations

from dataclasses import dataclass

from prp.hierarchy import manager_for_team
from prp.models import RoleCode, Team, User

from .models import Child, ChildStatus


@dataclass(frozen=True)
class Reviewer:
    people: tuple[User, ...]
    # What they are to the child, for the message: "Independent Reviewing Officer" or
    # "IRO Service Manager".
    title: str
    is_fallback: bool


def fallback_title(child: Child) -> str:
    if child.status == ChildStatus.CHILD_PROTECTION:
        return "CP Service Manager"
    return "IRO Service Manager"


def _lead_role(child: Child) -> str:
    return RoleCode.CP_CHAIR if child.status == ChildStatus.CHILD_PROTECTION else RoleCode.IRO


def service_managers_for(child: Child) -> list[User]:
    """The reviewing service managers above the teams of IROs (or CP Chairs, for a child on a
    plan); every reviewing service manager when the hierarchy names none."""
    teams = Team.objects.filter(
        kind=Team.Kind.REVIEWING,
        is_active=True,
        members__is_active=True,
        members__roles=_lead_role(child),
    ).distinct()
    people: dict[int, User] = {}
    for team in teams:
        person = manager_for_team(team, RoleCode.REVIEWING_SERVICE_MANAGER)
        if person is not None:
            people.setdefault(person.pk, person)
    if not people:
        managers = User.objects.filter(
            is_active=True, roles=RoleCode.REVIEWING_SERVICE_MANAGER
        ).order_by("pk")
        people = {person.pk: person for person in managers}
    return list(people.values())


def _may_hear(person: User, child: Child) -> bool:
    """A restricted child is heard of only by the people named on the record."""
    if not child.restricted:
        return True
    return child.named_users.filter(pk=person.pk).exists()


def reviewer_for(child: Child) -> Reviewer:
    return reviewers_for([child])[child.pk]


def reviewers_for(children: list[Child]) -> dict[int, Reviewer]:
    """The reviewer of each child; the fallback is looked up once per child type, so a batch
    job's queries do not grow with its children."""
    fallbacks: dict[str, list[User]] = {}
    found = {}
    for child in children:
        officer = child.reviewing_officer
        if officer is not None and officer.is_active:
            found[child.pk] = Reviewer((officer,), child.reviewing_officer_title, False)
            continue
        role = _lead_role(child)
        if role not in fallbacks:
            fallbacks[role] = service_managers_for(child)
        people = tuple(p for p in fallbacks[role] if _may_hear(p, child))
        found[child.pk] = Reviewer(people, fallback_title(child), is_fallback=True)
    return found
