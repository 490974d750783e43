from prp.hierarchy import management_line, manager_for_team, span_team_ids
from prp.models import RoleCode
from tests.factories import OrgUnitFactory, PostFactory, RoleFactory, TeamFactory


def test_the_team_manager_is_the_teams_manager(team, team_manager):
    assert manager_for_team(team, RoleCode.TEAM_MANAGER) == team_manager


def test_posts_are_found_by_walking_up_the_hierarchy(team, head_of_service, assistant_director):
    assert manager_for_team(team, RoleCode.HEAD_OF_SERVICE) == head_of_service
    assert manager_for_team(team, RoleCode.ASSISTANT_DIRECTOR) == assistant_director
    assert manager_for_team(team, RoleCode.DIRECTOR) is None
    assert manager_for_team(None, RoleCode.HEAD_OF_SERVICE) is None


def test_the_nearest_post_wins(team, operational_service, head_of_service):
    group = OrgUnitFactory(name="North group", kind="group", parent=operational_service)
    group_hos = PostFactory(unit=group, role=RoleFactory(code=RoleCode.HEAD_OF_SERVICE)).holder
    team.unit = group
    team.save()
    assert manager_for_team(team, RoleCode.HEAD_OF_SERVICE) == group_hos


def test_management_line_runs_from_team_manager_to_the_top(
    team, team_manager, head_of_service, assistant_director
):
    line = management_line(team)
    assert [person for _, person in line] == [team_manager, head_of_service, assistant_director]
    assert line[0][0] == "Team Manager"


def test_span_covers_own_team_managed_teams_and_teams_below_posts(
    team, social_worker, team_manager, head_of_service, assistant_director, iro_team
):
    other_team = TeamFactory(unit=team.unit)
    assert span_team_ids(social_worker) == {team.pk}
    assert span_team_ids(team_manager) == {team.pk}
    assert span_team_ids(head_of_service) == {team.pk, other_team.pk}
    assert span_team_ids(assistant_director) == {team.pk, other_team.pk, iro_team.pk}


def test_span_is_worked_out_once_per_user_object(team, head_of_service, django_assert_num_queries):
    span_team_ids(head_of_service)
    with django_assert_num_queries(0):
        span_team_ids(head_of_service)
