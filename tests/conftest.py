"""Personas: the people every page and rule is tried against.

The authority: a directorate with an Assistant Director; an operational service with a Head of
Service holding one team (its team manager and social worker); the reviewing service with an IRO
team. One child is allocated to the IRO, social worker and team. The outsiders are a social
worker in another service and a person with no roles.
"""

import pytest

from prp import workdays
from prp.models import OrgUnit, RoleCode, Team
from tests.builders import allocate
from tests.factories import (
    DEFAULT_PASSWORD,
    ChildFactory,
    OrgUnitFactory,
    PostFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fresh_calendar():
    # Each test starts from the calendar its own database implies.
    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def directorate(db):
    return OrgUnitFactory(name="Children's Services", kind=OrgUnit.Kind.DIRECTORATE)


@pytest.fixture
def operational_service(directorate):
    return OrgUnitFactory(name="Children in Care", kind=OrgUnit.Kind.SERVICE, parent=directorate)


@pytest.fixture
def reviewing_service(directorate):
    return OrgUnitFactory(
        name="Reviewing Service",
        kind=OrgUnit.Kind.SERVICE,
        parent=directorate,
        is_reviewing_service=True,
    )


@pytest.fixture
def team_manager(db):
    return UserFactory(full_name="Tom Manager", roles=[RoleCode.TEAM_MANAGER])


@pytest.fixture
def team(operational_service, team_manager):
    team = TeamFactory(
        name="Children in Care North", unit=operational_service, manager=team_manager
    )
    team_manager.team = team
    team_manager.save()
    return team


@pytest.fixture
def iro_team(reviewing_service):
    return TeamFactory(name="IRO Team", unit=reviewing_service, kind=Team.Kind.REVIEWING)


@pytest.fixture
def social_worker(team, team_manager):
    return UserFactory(
        full_name="Sam Worker",
        roles=[RoleCode.SOCIAL_WORKER],
        team=team,
        line_manager=team_manager,
    )


@pytest.fixture
def iro(iro_team):
    return UserFactory(full_name="Ira Reviewer", roles=[RoleCode.IRO], team=iro_team)


@pytest.fixture
def head_of_service(operational_service):
    post = PostFactory(
        unit=operational_service,
        role=RoleFactory(code=RoleCode.HEAD_OF_SERVICE),
        holder=UserFactory(full_name="Hana Head", roles=[RoleCode.HEAD_OF_SERVICE]),
    )
    return post.holder


@pytest.fixture
def assistant_director(directorate):
    post = PostFactory(
        unit=directorate,
        role=RoleFactory(code=RoleCode.ASSISTANT_DIRECTOR),
        holder=UserFactory(full_name="Ada Director", roles=[RoleCode.ASSISTANT_DIRECTOR]),
    )
    return post.holder


@pytest.fixture
def service_manager(db):
    """The reviewing service's manager: sees every unrestricted child."""
    return UserFactory(full_name="Sian Service", roles=[RoleCode.REVIEWING_SERVICE_MANAGER])


@pytest.fixture
def unrelated_colleague(directorate):
    """A social worker in another service: sees none of the first team's children."""
    other_service = OrgUnitFactory(name="Safeguarding", parent=directorate)
    other_team = TeamFactory(name="Child Protection East", unit=other_service)
    return UserFactory(full_name="Una Related", roles=[RoleCode.SOCIAL_WORKER], team=other_team)


@pytest.fixture
def outsider(db):
    return UserFactory(full_name="Olly Outsider")


@pytest.fixture
def child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Amara", last_name="Okafor"),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


@pytest.fixture
def restricted_child(team, social_worker, iro):
    return allocate(
        ChildFactory(first_name="Rory", last_name="Hidden", restricted=True),
        team=team,
        social_worker=social_worker,
        reviewing_officer=iro,
    )


@pytest.fixture
def protocols(db):
    """The four presets (the data migration installs them, but transactional tests flush it)."""
    from prp.presets import install_presets

    return install_presets(active="gloucestershire")


@pytest.fixture
def gloucestershire(protocols):
    return protocols["gloucestershire"]
