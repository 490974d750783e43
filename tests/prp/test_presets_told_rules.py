"""PROTOCOLS.md "Decisions" on who is copied, consulted and told, in the presets and in the data
migration that brings existing databases up to them (prp.presets.upgrade_told_rules)."""

from __future__ import annotations

from escalations import services
from prp import presets
from prp.models import Protocol, Role, RoleCode

R = RoleCode


def _codes(roles) -> set[str]:
    return {role.code for role in roles.all()}


def test_gloucestershire_4_2_the_preset_copies_formal_3_to_the_dsc_and_formal_4_to_the_dcs(
    gloucestershire,
):
    stages = {stage.level: stage for stage in gloucestershire.stages.all()}
    assert _codes(stages[2].copy_to) == set()
    assert _codes(stages[3].copy_to) == {R.DIRECTOR}
    assert _codes(stages[3].may_pass_to) == {R.HEAD_OF_SERVICE, R.SERVICE_MANAGER, R.GROUP_MANAGER}
    assert _codes(stages[4].copy_to) == {R.DIRECTOR_CHILDRENS_SERVICES}
    assert gloucestershire.cafcass_consult_role_id == R.REVIEWING_SERVICE_MANAGER


def test_blackpool_stage_4_tells_the_iro_when_unresolved(protocols):
    blackpool = protocols["blackpool"]
    flagged = [s.level for s in blackpool.stages.all() if s.unresolved_tells_reviewer]
    assert flagged == [4]
    assert blackpool.cafcass_consult_role_id == R.REVIEWING_SERVICE_MANAGER


def _as_before_issue_14(protocol: Protocol) -> None:
    """The told rules as the presets shipped them before issue 14."""
    protocol.cafcass_consult_role = None
    protocol.save()
    protocol.cafcass_told_roles.clear()
    for stage in protocol.stages.all():
        stage.may_pass_to.clear()
        stage.unresolved_tells_reviewer = False
        stage.save()
        stage.copy_to.set([Role.objects.get(code=R.DIRECTOR)] if stage.level == 2 else [])


def test_the_upgrade_never_changes_a_version_in_use_it_adds_one(protocols, child, iro):
    gloucestershire, cumbria = protocols["gloucestershire"], protocols["cumbria"]
    for protocol in (gloucestershire, cumbria):
        _as_before_issue_14(protocol)
    services.concern_create_draft(raised_by=iro, children=[child], title="Drift", start_level=0)

    presets.upgrade_told_rules()

    # Version 1 is in use: it keeps what its concerns opened under.
    assert _codes(gloucestershire.stages.get(level=2).copy_to) == {R.DIRECTOR}
    assert not gloucestershire.stages.get(level=3).may_pass_to.exists()
    # Version 2 has the rules and takes over as the active one.
    upgraded = Protocol.objects.get(authority="Gloucestershire", version=2)
    assert upgraded.is_active
    assert Protocol.objects.filter(is_active=True).count() == 1
    assert _codes(upgraded.stages.get(level=2).copy_to) == set()
    assert _codes(upgraded.stages.get(level=3).copy_to) == {R.DIRECTOR}
    assert _codes(upgraded.stages.get(level=3).may_pass_to) == {
        R.HEAD_OF_SERVICE,
        R.SERVICE_MANAGER,
        R.GROUP_MANAGER,
    }
    assert _codes(upgraded.cafcass_told_roles) == {
        R.REVIEWING_HEAD_OF_SERVICE,
        R.ASSISTANT_DIRECTOR,
        R.DIRECTOR,
        R.DIRECTOR_CHILDRENS_SERVICES,
    }
    assert upgraded.stages.count() == gloucestershire.stages.count()
    # Cumbria is not in use: it is brought up to date in place.
    assert not Protocol.objects.filter(authority="Cumbria", version=2).exists()
    assert _codes(Protocol.objects.get(pk=cumbria.pk).stages.get(level=2).copy_to) == {
        R.REVIEWING_TEAM_MANAGER
    }


def test_copying_a_version_keeps_its_told_rules(gloucestershire):
    copy = presets.copy_as_new_version(gloucestershire)
    assert not copy.is_active
    assert _codes(copy.cafcass_told_roles) == _codes(gloucestershire.cafcass_told_roles)
    assert copy.cafcass_consult_role_id == gloucestershire.cafcass_consult_role_id
    assert _codes(copy.stages.get(level=3).may_pass_to) == _codes(
        gloucestershire.stages.get(level=3).may_pass_to
    )
