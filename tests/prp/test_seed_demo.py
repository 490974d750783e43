import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from cases.models import Allocation, Child, ChildStatus, SiblingGroup
from demo.authority import DEMO_PASSWORD, DEMO_SIGN_INS
from prp.hierarchy import manager_for_team
from prp.models import ClosureDay, OrgUnit, Post, RoleCode, Team, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, Team, OrgUnit, Post, Child, SiblingGroup, Allocation, ClosureDay]
    return {model.__name__: model.objects.count() for model in models}


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


def test_seed_demo_loads_a_believable_authority():
    output = seed()

    assert "Demo County Council" in output
    assert 35 <= Child.objects.count() <= 45
    statuses = set(Child.objects.values_list("status", flat=True))
    assert statuses == set(ChildStatus.values)
    assert Child.objects.values("reference").distinct().count() == Child.objects.count()
    assert all(
        ref.startswith("LCS") and len(ref) == 9
        for ref in Child.objects.values_list("reference", flat=True)
    )


def test_every_demo_sign_in_works_with_the_shared_password():
    seed()

    for _role, email in DEMO_SIGN_INS:
        user = demo_user(email)
        assert user.is_active
        # As the sign-in page does: with the request, which the lockout check needs.
        request = RequestFactory().post("/sign-in/")
        assert authenticate(request, username=email, password=DEMO_PASSWORD) == user
    admin = demo_user("admin@demo.example.org")
    assert admin.is_staff and admin.is_superuser
    assert admin.has_role(RoleCode.ADMINISTRATOR)


def test_seeding_twice_changes_nothing():
    seed()
    before = counts()

    output = seed()

    assert "Demo data already loaded" in output
    assert counts() == before


def test_the_hierarchy_answers_who_manages_an_operational_team():
    seed()
    team = demo_user("social.worker@demo.example.org").team
    assert team.kind == Team.Kind.OPERATIONAL

    assert manager_for_team(team, RoleCode.TEAM_MANAGER) == demo_user(
        "team.manager@demo.example.org"
    )
    assert manager_for_team(team, RoleCode.GROUP_MANAGER) == demo_user(
        "group.manager@demo.example.org"
    )
    assert manager_for_team(team, "head_of_service") == demo_user(
        "head.of.service@demo.example.org"
    )
    assert manager_for_team(team, "assistant_director") == demo_user(
        "assistant.director@demo.example.org"
    )
    assert manager_for_team(team, RoleCode.DIRECTOR) == demo_user("director@demo.example.org")

    cp_team = Team.objects.get(name="Child Protection Team East")
    cp_head = manager_for_team(cp_team, RoleCode.HEAD_OF_SERVICE)
    assert cp_head is not None
    assert cp_head != demo_user("head.of.service@demo.example.org")
    assert cp_team.manager.line_manager.line_manager == cp_head


def test_line_managers_run_up_the_chain():
    seed()
    sw = demo_user("social.worker@demo.example.org")

    chain = []
    person = sw
    while person.line_manager_id:
        person = person.line_manager
        chain.append(person.email)

    assert chain == [
        "team.manager@demo.example.org",
        "group.manager@demo.example.org",
        "head.of.service@demo.example.org",
        "assistant.director@demo.example.org",
        "director@demo.example.org",
        "dcs@demo.example.org",
    ]
    assert demo_user("iro@demo.example.org").line_manager == demo_user(
        "reviewing.team.manager@demo.example.org"
    )


def test_demo_people_have_work_to_see():
    seed()
    iro = demo_user("iro@demo.example.org")
    chair = demo_user("cp.chair@demo.example.org")
    sw = demo_user("social.worker@demo.example.org")
    tm = demo_user("team.manager@demo.example.org")

    assert sw.team.manager == tm
    assert Child.objects.filter(reviewing_officer=iro).count() >= 4
    assert Child.objects.filter(reviewing_officer=chair).count() >= 4
    assert Child.objects.filter(social_worker=sw).count() >= 2
    assert Child.objects.filter(reviewing_officer=iro, social_worker=sw).exists()
    assert not Child.objects.filter(
        status=ChildStatus.CHILD_PROTECTION, reviewing_officer__roles=RoleCode.IRO
    ).exists()


def test_every_childs_current_allocations_match_the_open_allocations():
    seed()

    for child in Child.objects.all():
        current = {a.kind: a.holder for a in child.allocations.filter(end_date__isnull=True)}
        assert current[Allocation.Kind.TEAM] == child.team
        assert current[Allocation.Kind.SOCIAL_WORKER] == child.social_worker
        assert current.get(Allocation.Kind.REVIEWING_OFFICER) == child.reviewing_officer
        assert child.social_worker.team == child.team
    assert Allocation.objects.filter(end_date__isnull=False).exists()  # some history


def test_restricted_children_name_the_people_working_with_them():
    seed()

    restricted = Child.objects.filter(restricted=True)
    assert restricted.count() == 2
    for child in restricted:
        named = set(child.named_users.all())
        assert {child.social_worker, child.reviewing_officer, child.team.manager} <= named


def test_sibling_groups_share_a_surname():
    seed()

    groups = SiblingGroup.objects.all()
    assert groups.count() >= 6
    for group in groups:
        children = list(group.children.all())
        assert len(children) >= 2
        assert len({c.last_name for c in children}) == 1


def test_christmas_closure_days_are_loaded():
    seed()

    days = set(ClosureDay.objects.values_list("date", flat=True))
    assert {dt.date(2026, 12, 29), dt.date(2026, 12, 30), dt.date(2026, 12, 31)} <= days


def test_demo_info_lists_the_sign_ins(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    out = StringIO()

    call_command("demo_info", stdout=out)

    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    assert DEMO_PASSWORD in text
    for role, email in DEMO_SIGN_INS:
        assert role in text and email in text

    out = StringIO()
    call_command("demo_info", url="https://prp.example.org/", stdout=out)
    assert "https://prp.example.org/" in out.getvalue()


def test_demo_info_lists_everyone_by_role_and_team():
    from prp.models import RoleCode, User

    seed()
    out = StringIO()
    call_command("demo_info", stdout=out)
    text = out.getvalue().split("Everyone in the demo, by role and team:")[1]
    for person in User.objects.filter(is_active=True).prefetch_related("roles"):
        line = next(line for line in text.splitlines() if line.endswith(f"  {person.email}"))
        assert person.full_name in line
    managers = User.objects.filter(roles__code=RoleCode.TEAM_MANAGER, is_active=True)
    assert f"Team Manager ({managers.count()})" in text
    # Each team manager is listed with their team, so the manager of a child's team is found.
    for manager in managers.select_related("team"):
        assert any(
            manager.team.name in line and manager.email in line for line in text.splitlines()
        )


def test_the_demo_has_concerns_in_every_state_through_the_services():
    from escalations.models import Concern, ConcernState, Event, Task, TaskState

    seed()
    states = set(Concern.objects.values_list("state", flat=True))
    assert states == {ConcernState.INFORMAL, ConcernState.FORMAL, ConcernState.RESOLVED}
    team_manager = demo_user("team.manager@demo.example.org")
    waiting = Task.objects.filter(assignee=team_manager, state=TaskState.ACTIVE)
    assert waiting.count() >= 2
    assert any(task.is_overdue for task in waiting)
    # Every concern carries its history, as if raised on the pages.
    for concern in Concern.objects.all():
        assert Event.objects.filter(concern=concern, kind=Event.Kind.RAISED).exists()
