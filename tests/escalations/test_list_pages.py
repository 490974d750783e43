"""My concerns (with its filters) and the weekly clinic, through real HTTP requests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from escalations import rules, services
from prp.models import ProtocolCategory, RoleCode
from tests.builders import allocate, draft_concern, raise_draft
from tests.factories import ChildFactory, UserFactory

LIST = reverse("escalations:concern_list")
CLINIC = reverse("escalations:weekly_clinic")


def make_concern(
    raiser,
    child,
    *,
    title="Plan drifting",
    level=1,
    delegate_to=None,
    category="Drift and delay",
    raise_it=True,
):
    """A concern built the way the app builds one: a draft, a sub-concern, then raised."""
    concern = draft_concern(
        raiser,
        child,
        level=level,
        title=title,
        descriptions=["No permanence plan"],
        impact_on_child="Uncertainty about where they will live",
        child_views="",
        category=ProtocolCategory.objects.get(protocol=rules.active_protocol(), name=category),
    )
    if not raise_it:
        return concern
    agreed = rules.today() + dt.timedelta(days=7) if level == 0 else None
    answer = _agreed_answer(raiser) if level == 0 and delegate_to is None else None
    return raise_draft(concern, raiser, delegate_to, agreed=agreed, answer=answer)


def _agreed_answer(raiser) -> services.AgreedAnswer:
    """An informal stage recorded by the raiser: what the team manager agreed."""
    return services.AgreedAnswer(
        answer="The social worker visits this week", agreed_with=raiser, agreed_on=rules.today()
    )


def _page(client, url=LIST, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _titles(page: str) -> set[str]:
    return set(re.findall(r"Concern \w+", page))


@pytest.fixture
def concerns(gloucestershire, iro, child, team_manager):
    """Four concerns by the IRO about the allocated child, one of each kind the filters pick."""
    with time_machine.travel(dt.datetime(2023, 12, 1, 10, 0), tick=False):
        return {
            "formal": make_concern(
                iro, child, title="Concern formal", level=1, delegate_to=team_manager
            ),
            "informal": make_concern(iro, child, title="Concern informal", level=0),
            "safeguarding": make_concern(
                iro,
                child,
                title="Concern safeguarding",
                level=1,
                delegate_to=team_manager,
                category="Safeguarding",
            ),
            "draft": make_concern(iro, child, title="Concern draft", raise_it=False),
        }


# The list ------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2023, 12, 4, 10, 0), tick=False)
def test_the_list_shows_my_open_concerns(client, iro, child, team_manager, concerns):
    client.force_login(iro)
    page = _page(client)
    assert "<title>My concerns – " in page
    assert "<caption" in page
    assert _titles(page) == {"Concern formal", "Concern informal", "Concern safeguarding"}
    formal = concerns["formal"]
    assert formal.reference in page
    assert reverse("escalations:concern_detail", args=[formal.pk]) in page
    assert child.full_name in page
    assert "Formal stage 1" in page
    assert "1 December 2023" in page  # opened
    assert "8 December 2023" in page  # response due: 5 working days
    assert team_manager.full_name in page
    assert "Drift and delay" in page
    assert "Safeguarding" in page
    assert reverse("cases:child_list") in page  # where concerns are raised from


def test_each_filter_narrows_the_list(client, iro, concerns, gloucestershire):
    client.force_login(iro)
    assert _titles(_page(client, state="draft")) == {"Concern draft"}
    assert _titles(_page(client, state="informal")) == {"Concern informal"}
    assert _titles(_page(client, state="formal")) == {"Concern formal", "Concern safeguarding"}
    assert _titles(_page(client, state="any")) == {
        "Concern formal",
        "Concern informal",
        "Concern safeguarding",
        "Concern draft",
    }
    assert _titles(_page(client, state="resolved")) == set()
    assert _titles(_page(client, level="0")) == {"Concern informal"}
    assert _titles(_page(client, level="1")) == {"Concern formal", "Concern safeguarding"}
    safeguarding = ProtocolCategory.objects.get(protocol=gloucestershire, name="Safeguarding")
    assert _titles(_page(client, category=safeguarding.pk)) == {"Concern safeguarding"}
    assert _titles(_page(client, category=safeguarding.pk, level="0")) == set()


def test_the_filters_offer_the_active_protocols_stages_and_categories(client, iro, concerns):
    client.force_login(iro)
    page = _page(client)
    for text in ("Informal", "Formal stage 4", "Drift and delay", "Process"):
        assert f">{text}</option>" in page
    assert "Only with overdue responses" in page
    assert 'method="get"' in page


def _checked_scope(page: str) -> str:
    return re.search(r'name="scope"[^>]*value="(\w+)"\s+checked', page).group(1)


@pytest.fixture
def three_raisers(gloucestershire, iro, iro_team, child, team, team_manager, directorate):
    """Concerns by the IRO, by an IRO colleague, and by an IRO elsewhere about another child."""
    from tests.factories import OrgUnitFactory, TeamFactory

    colleague = UserFactory(full_name="Col League", roles=[RoleCode.IRO], team=iro_team)
    theirs = allocate(
        ChildFactory(first_name="Colin", last_name="Case"),
        team=team,
        reviewing_officer=colleague,
    )
    far_unit = OrgUnitFactory(name="Far Away", parent=directorate)
    far_team = TeamFactory(name="Far Team", unit=far_unit)
    stranger = UserFactory(full_name="Far Reviewer", roles=[RoleCode.IRO], team=far_team)
    far_child = allocate(ChildFactory(first_name="Far", last_name="Child"), team=far_team)
    make_concern(iro, child, title="Concern mine", level=0)
    make_concern(colleague, theirs, title="Concern colleague", level=0)
    make_concern(stranger, far_child, title="Concern elsewhere", level=0)


def test_scope_mine_team_and_all(client, iro, three_raisers):
    client.force_login(iro)
    page = _page(client)
    assert _checked_scope(page) == "mine"
    assert _titles(page) == {"Concern mine"}
    assert _titles(_page(client, scope="team")) == {"Concern mine", "Concern colleague"}
    assert _titles(_page(client, scope="all")) == {"Concern mine", "Concern colleague"}


def test_managers_start_from_their_teams_and_service_managers_from_all(
    client, team_manager, service_manager, three_raisers
):
    client.force_login(team_manager)
    page = _page(client)
    assert _checked_scope(page) == "team"
    # Both are about children in the team manager's team.
    assert _titles(page) == {"Concern mine", "Concern colleague"}
    client.force_login(service_manager)
    page = _page(client)
    assert _checked_scope(page) == "all"
    assert _titles(page) == {"Concern mine", "Concern colleague", "Concern elsewhere"}


def test_a_restricted_childs_concern_never_shows_to_someone_not_named(
    client, gloucestershire, iro, restricted_child, team_manager, head_of_service
):
    make_concern(iro, restricted_child, title="Concern restricted", level=0)
    client.force_login(iro)
    assert _titles(_page(client)) == {"Concern restricted"}
    for person in (team_manager, head_of_service):
        client.force_login(person)
        for scope in ("mine", "team", "all"):
            page = _page(client, scope=scope, state="any")
            assert "Concern restricted" not in page
            assert restricted_child.full_name not in page


def test_the_overdue_filter_and_tags_follow_the_clock(client, gloucestershire, iro, child):
    manager = child.team.manager
    with time_machine.travel(dt.datetime(2023, 12, 1, 10, 0), tick=False):
        make_concern(iro, child, title="Concern late", delegate_to=manager)  # due 8 December
    with time_machine.travel(dt.datetime(2023, 12, 6, 10, 0), tick=False):
        make_concern(iro, child, title="Concern soon", delegate_to=manager)  # due 13 December
    with time_machine.travel(dt.datetime(2023, 12, 11, 10, 0), tick=False):
        make_concern(iro, child, title="Concern fine", delegate_to=manager)  # due 18 December
    client.force_login(iro)
    with time_machine.travel(dt.datetime(2023, 12, 12, 10, 0), tick=False):
        page = _page(client)
        assert _titles(page) == {"Concern late", "Concern soon", "Concern fine"}
        assert page.count("govuk-tag--red") == 1
        assert page.count("govuk-tag--yellow") == 1
        page = _page(client, overdue="on")
        assert _titles(page) == {"Concern late"}
        assert "with an overdue response" in page
    with time_machine.travel(dt.datetime(2023, 12, 7, 10, 0), tick=False):
        assert _titles(_page(client, overdue="on")) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scope": "everything"}, "Select which concerns to show"),
        ({"state": "lost"}, "Select a state from the list"),
        ({"level": "99"}, "Select a stage from the list"),
        ({"level": "two"}, "Select a stage from the list"),
        ({"category": "abc"}, "Select a category from the list"),
        ({"category": "999999"}, "Select a category from the list"),
        ({"page": "abc", "state": "<script>"}, "Select a state from the list"),
    ],
)
def test_bad_filter_values_show_the_error_summary(client, iro, concerns, params, message):
    client.force_login(iro)
    response = client.get(LIST, params)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert message in page
    assert "<title>Error: My concerns" in page
    # The rest of the list still shows, with the default for the bad value.
    assert "Concern formal" in page


def test_the_list_is_paginated_keeping_the_filters(client, gloucestershire, iro, child):
    for n in range(30):
        make_concern(iro, child, title=f"Concern number{n:02d}", level=0)
    client.force_login(iro)
    page = _page(client, state="informal")
    assert "30 concerns" in page
    assert "?state=informal&amp;page=2" in page
    second = _page(client, state="informal", page=2)
    assert len(_titles(second)) == 5


def test_the_list_needs_sign_in_and_refuses_posts(client, iro, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(iro)
    assert client.post(LIST).status_code == 405


def test_the_list_is_empty_not_an_error_for_an_outsider(client, outsider, concerns):
    client.force_login(outsider)
    page = _page(client)
    assert "0 concerns" in page
    assert "Concern formal" not in page


def _make_many(count, iro, child, team_manager, start=0):
    for n in range(start, start + count):
        if n % 2:
            make_concern(iro, child, title=f"Concern many{n}", delegate_to=team_manager)
        else:
            make_concern(iro, child, title=f"Concern many{n}", level=0)


# The clinic asks the visibility rule three times (its headings' counts, its page, the
# safeguarding contacts due), and each reads the list of children the person sees once; how
# many teams there are is read once, to know which way to ask the rule.
MOST_QUERIES = {LIST: 17, CLINIC: 18}


@pytest.mark.parametrize("url", [LIST, CLINIC])
def test_the_pages_do_a_fixed_number_of_queries(
    client, gloucestershire, iro, child, team_manager, url, django_assert_max_num_queries
):
    client.force_login(iro)
    _make_many(10, iro, child, team_manager)
    client.get(url)  # the working-day calendar is loaded once per process
    with django_assert_max_num_queries(MOST_QUERIES[url]) as small:
        response = client.get(url)
    assert response.status_code == 200
    _make_many(30, iro, child, team_manager, start=10)
    with django_assert_max_num_queries(MOST_QUERIES[url]) as large:
        response = client.get(url)
    assert response.status_code == 200
    shown = len(_titles(response.content.decode()))
    assert shown == (25 if url == LIST else 40)  # the list is paginated, the clinic is not
    assert len(large.captured_queries) == len(small.captured_queries)


# The weekly clinic ---------------------------------------------------------------------------


def test_the_clinic_groups_open_concerns_by_stage(
    client, gloucestershire, iro, child, team_manager, head_of_service
):
    with time_machine.travel(dt.datetime(2023, 12, 1, 10, 0), tick=False):
        make_concern(iro, child, title="Concern informal", level=0)
        make_concern(iro, child, title="Concern first", delegate_to=team_manager)
        make_concern(iro, child, title="Concern second", delegate_to=team_manager)
        make_concern(iro, child, title="Concern stagetwo", level=2, delegate_to=head_of_service)
        make_concern(iro, child, title="Concern draft", raise_it=False)
        withdrawn = make_concern(iro, child, title="Concern withdrawn", level=0)
        services.stage_record_outcome(
            concern=withdrawn,
            by=iro,
            lock_version=withdrawn.lock_version,
            outcome="withdrawn",
            comments="No longer needed",
            legal_advice_sought=False,
            cafcass_considered=False,
        )
    client.force_login(iro)
    with time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False):
        page = _page(client, CLINIC)
    assert "<title>Weekly clinic – " in page
    captions = re.findall(r'<caption class="govuk-table__caption[^"]*">([^<]+)</caption>', page)
    assert captions[:3] == ["Informal (1)", "Formal stage 1 (2)", "Formal stage 2 (1)"]
    assert _titles(page) == {
        "Concern informal",
        "Concern first",
        "Concern second",
        "Concern stagetwo",
    }
    assert iro.full_name in page  # raised by
    assert "govuk-tag--yellow" in page  # formal stage 1 due on 8 December: today
    assert ">5</td>" in page  # working days open, 1 to 8 December


def test_the_clinic_shows_this_weeks_good_practice(
    client, gloucestershire, iro, social_worker, child, service_manager
):
    category = ProtocolCategory.objects.get(protocol=gloucestershire, name="Process")
    with time_machine.travel(dt.datetime(2023, 11, 20, 10, 0), tick=False):
        services.good_practice_note_send(
            author=iro,
            recipient=social_worker,
            category=category,
            note="Old news",
            impact_on_child="Some",
            child=child,
        )
    with time_machine.travel(dt.datetime(2023, 12, 6, 10, 0), tick=False):
        services.good_practice_note_send(
            author=iro,
            recipient=social_worker,
            category=category,
            note="Timely visits every week",
            impact_on_child="Amara felt heard",
            child=child,
        )
    client.force_login(iro)
    with time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False):
        page = _page(client, CLINIC)
    assert "Good practice this week" in page
    assert "Timely visits every week" in page
    assert "Old news" not in page
    assert child.full_name in page
    client.force_login(service_manager)
    with time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False):
        assert "Timely visits every week" in _page(client, CLINIC)


@pytest.mark.parametrize("persona", ["social_worker", "team_manager", "outsider"])
def test_the_clinic_is_only_for_the_reviewing_service(client, request, persona, gloucestershire):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CLINIC).status_code == 403


@pytest.mark.parametrize("persona", ["iro", "service_manager"])
def test_the_clinic_opens_for_reviewers_and_service_wide_roles(
    client, request, persona, gloucestershire
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CLINIC).status_code == 200


def test_the_clinic_needs_sign_in(client, db):
    response = client.get(CLINIC)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_clinic_hides_a_restricted_childs_concern(
    client, gloucestershire, iro, restricted_child, service_manager
):
    make_concern(iro, restricted_child, title="Concern restricted", level=0)
    client.force_login(service_manager)
    page = _page(client, CLINIC)
    assert "Concern restricted" not in page
    assert restricted_child.full_name not in page


def test_a_reviewing_manager_never_sees_a_restricted_childs_concern_unnamed(
    client, gloucestershire, iro, iro_team, restricted_child, team_manager
):
    from escalations import services
    from prp.models import ProtocolCategory, RoleCode
    from tests.factories import UserFactory

    manager = UserFactory(roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro_team.manager = manager
    iro_team.save()
    concern = services.concern_create_draft(
        raised_by=iro, children=[restricted_child], title="Hidden", start_level=1
    )
    category = ProtocolCategory.objects.filter(protocol=concern.protocol).first()
    services.sub_concern_add(
        concern=concern, by=iro, category=category, description="d", impact_on_child="i"
    )
    concern = type(concern).objects.get(pk=concern.pk)
    restricted_child.named_users.add(team_manager)  # only they can be given Rory's concern
    services.concern_raise(
        concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
    )
    client.force_login(manager)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404
    page = client.get("/concerns/", {"scope": "all", "state": "any"}).content.decode()
    assert restricted_child.full_name not in page
    restricted_child.named_users.add(manager)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 200
