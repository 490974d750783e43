"""Questions about the management hierarchy: who manages a team, and whose span a team is in."""

from __future__ import annotations

from django.db.models import Q

from .models import OrgUnit, Post, RoleCode, Team, User


def unit_ancestors(unit_id: int | None) -> list[int]:
    """The unit and every unit above it, nearest first. One query (the tree is a few levels)."""
    if unit_id is None:
        return []
    unit = OrgUnit.objects.select_related("parent__parent__parent__parent").get(pk=unit_id)
    chain = []
    while unit is not None:
        chain.append(unit.id)
        unit = unit.parent
    return chain


def manager_for_team(team: Team | None, role: str) -> User | None:
    """The person holding `role` for `team`: its team manager, or the nearest post above it.

    Answers "who is the Head of Service / Group Manager / Assistant Director for this child's
    team". None when the hierarchy has nobody in that role above the team.
    """
    if team is None:
        return None
    if role == RoleCode.TEAM_MANAGER:
        return team.manager
    is_reviewing_team = team.kind == Team.Kind.REVIEWING
    if role == RoleCode.REVIEWING_TEAM_MANAGER and is_reviewing_team and team.manager_id:
        # A reviewing team's own manager is its IRO / CP Chair Team Manager.
        return team.manager
    chain = unit_ancestors(team.unit_id)
    posts = {
        p.unit_id: p.holder
        for p in Post.objects.filter(
            unit_id__in=chain, role_id=role, holder__is_active=True
        ).select_related("holder")
    }
    return next((posts[unit_id] for unit_id in chain if unit_id in posts), None)


def management_line(team: Team) -> list[tuple[str, User]]:
    """Everyone who manages `team`, from its team manager up to the top of the hierarchy."""
    line = [(RoleCode.TEAM_MANAGER.label, team.manager)] if team.manager_id else []
    chain = unit_ancestors(team.unit_id)
    posts = Post.objects.filter(unit_id__in=chain).select_related("holder", "unit")
    by_unit: dict[int, list[Post]] = {}
    for post in posts:
        by_unit.setdefault(post.unit_id, []).append(post)
    for unit_id in chain:
        for post in sorted(by_unit.get(unit_id, []), key=lambda p: p.role_id):
            line.append((post.role.get_code_display(), post.holder))
    return line


def _descendant_units(root_ids: set[int]) -> set[int]:
    if not root_ids:
        return set()
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(unit_id)
    found, frontier = set(root_ids), list(root_ids)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def span_team_ids(user: User) -> frozenset[int]:
    """The teams in a person's span: their own team, teams they manage, and every team below a
    post they hold. Worked out once per request and kept on the user object."""
    cached = getattr(user, "_span_team_ids", None)
    if cached is not None:
        return cached
    post_units = set(Post.objects.filter(holder=user).values_list("unit_id", flat=True))
    units = _descendant_units(post_units)
    condition = Q(manager=user) | Q(unit_id__in=units)
    if user.team_id:
        condition |= Q(pk=user.team_id)
    span = frozenset(Team.objects.filter(condition).values_list("id", flat=True))
    user._span_team_ids = span
    return span
