"""Good practice notes, external agency concerns and the concern parts of a child's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import ExternalAgencyNote, GoodPracticeNote
from prp.models import ProtocolCategory, RoleCode
from tests.escalations.test_list_pages import make_concern
from tests.factories import UserFactory

NEW_NOTE = reverse("escalations:good_practice_new")
NOTES = reverse("escalations:good_practice_list")


def _category(protocol, name="Process"):
    return ProtocolCategory.objects.get(protocol=protocol, name=name)


def _note_data(recipient, category, child=None, **overrides):
    data = {
        "recipient": recipient.pk,
        "category": category.pk,
        "note": "Visited every week and kept the plan moving",
        "impact_on_child": "Amara knows who to call",
        "child": child.pk if child else "",
    }
    data.update(overrides)
    return data


# Good practice notes -------------------------------------------------------------------------


def test_an_iro_sends_a_note_to_the_social_worker_copying_their_manager(
    client, gloucestershire, iro, social_worker, team_manager, child
):
    client.force_login(iro)
    url = f"{NEW_NOTE}?child={child.pk}"
    page = client.get(url).content.decode()
    assert "<title>Send a good practice note – " in page
    assert f"{child.first_name}&#x27;s social worker and team manager" in page
    # The child's social worker and team manager are offered first.
    first_options = re.findall(r'<option value="(\d+)"', page)[:2]
    assert first_options == [str(social_worker.pk), str(team_manager.pk)]
    response = client.post(
        url, _note_data(social_worker, _category(gloucestershire), child), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cases:child_detail", args=[child.pk])
    banner = "Good practice note sent to Sam Worker, copied to Tom Manager"
    assert banner in response.content.decode()
    note = GoodPracticeNote.objects.get()
    assert note.author == iro
    assert note.recipient == social_worker
    assert list(note.copied_to.all()) == [team_manager]
    assert note.child == child
    assert note.direction == GoodPracticeNote.Direction.TO_PRACTITIONER


def test_a_manager_sends_a_note_to_an_iro_copying_the_iro_team_manager(
    client, gloucestershire, iro, iro_team, team_manager, child
):
    iro_manager = UserFactory(full_name="Rita Reviewing", roles=[RoleCode.REVIEWING_TEAM_MANAGER])
    iro_team.manager = iro_manager
    iro_team.save()
    client.force_login(team_manager)
    page = client.get(NEW_NOTE).content.decode()
    # A manager is offered the IROs and CP Chairs, not other practitioners.
    assert iro.full_name in page
    assert iro_manager.full_name not in page
    response = client.post(NEW_NOTE, _note_data(iro, _category(gloucestershire)), follow=True)
    assert response.redirect_chain[-1][0] == NOTES
    assert "Good practice note sent to Ira Reviewer, copied to Rita Reviewing" in (
        response.content.decode()
    )
    note = GoodPracticeNote.objects.get()
    assert list(note.copied_to.all()) == [iro_manager]
    assert note.direction == GoodPracticeNote.Direction.TO_REVIEWER


def test_the_note_form_shows_every_problem_in_the_summary(client, gloucestershire, iro):
    client.force_login(iro)
    response = client.post(NEW_NOTE, {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "<title>Error: Send a good practice note" in page
    for message in (
        "Select who the note is for",
        "Select a category",
        "Enter what was done well",
        "Enter what difference it made to the child",
    ):
        assert message in page
    assert not GoodPracticeNote.objects.exists()


def test_a_note_cannot_go_to_yourself_or_name_a_child_you_cannot_see(
    client, gloucestershire, iro, social_worker, restricted_child, team_manager
):
    client.force_login(team_manager)
    page = client.post(
        NEW_NOTE, _note_data(team_manager, _category(gloucestershire))
    ).content.decode()
    assert "Select who the note is for" in page
    page = client.post(
        NEW_NOTE, _note_data(iro, _category(gloucestershire), restricted_child)
    ).content.decode()
    assert "Select a child from the list" in page
    assert not GoodPracticeNote.objects.exists()


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_a_bad_or_hidden_child_in_the_link_is_not_found(
    client, gloucestershire, iro, restricted_child, unrelated_colleague, value
):
    client.force_login(iro)
    assert client.get(NEW_NOTE, {"child": value}).status_code == 404
    client.force_login(unrelated_colleague)
    assert client.get(NEW_NOTE, {"child": restricted_child.pk}).status_code == 404


def test_notes_are_listed_for_the_people_on_them_only(
    client, gloucestershire, iro, social_worker, team_manager, unrelated_colleague, child
):
    services.good_practice_note_send(
        author=iro,
        recipient=social_worker,
        category=_category(gloucestershire),
        note="Brilliant life story work",
        impact_on_child="Amara understands her history",
        child=child,
    )
    for person in (iro, social_worker, team_manager):
        client.force_login(person)
        page = client.get(NOTES).content.decode()
        assert "<title>Good practice notes – " in page
        assert "<caption" in page
        assert "Brilliant life story work" in page
        assert "Amara understands her history" in page
        assert child.full_name in page
    client.force_login(unrelated_colleague)
    page = client.get(NOTES).content.decode()
    assert "Brilliant life story work" not in page
    assert "You have not written, received or been copied into" in page


def test_a_note_about_a_restricted_child_you_were_taken_off_is_left_out(
    client, gloucestershire, iro, social_worker, team_manager, restricted_child
):
    # The team manager was copied in while named on the restricted record, then taken off it:
    # the note's text names the child, so none of it is shown (issue 13, section 1).
    restricted_child.named_users.add(team_manager)
    services.good_practice_note_send(
        author=iro,
        recipient=social_worker,
        category=_category(gloucestershire),
        note="Careful planning",
        impact_on_child="Safer",
        child=restricted_child,
    )
    restricted_child.named_users.remove(team_manager)
    client.force_login(team_manager)
    page = client.get(NOTES).content.decode()
    assert "Careful planning" not in page
    assert restricted_child.full_name not in page


def test_the_note_list_does_a_fixed_number_of_queries(
    client, gloucestershire, iro, social_worker, child, django_assert_max_num_queries
):
    def send(count):
        for n in range(count):
            services.good_practice_note_send(
                author=iro,
                recipient=social_worker,
                category=_category(gloucestershire),
                note=f"Note {n}",
                impact_on_child="Good",
                child=child,
            )

    client.force_login(iro)
    send(10)
    with django_assert_max_num_queries(10) as small:
        client.get(NOTES)
    send(40)
    with django_assert_max_num_queries(10) as large:
        response = client.get(NOTES)
    assert response.context["page"].paginator.count == 50
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("url", [NEW_NOTE, NOTES])
def test_the_note_pages_need_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_note_list_refuses_posts(client, iro):
    client.force_login(iro)
    assert client.post(NOTES).status_code == 405


# External agency concerns --------------------------------------------------------------------


def _agency_url(child):
    return reverse("escalations:agency_note_new", args=[child.pk])


def _agency_data(day="4", month="12", year="2023", **overrides):
    data = {
        "agency": "Westfield Academy",
        "level": "formal",
        "summary": "The school has not shared attendance figures for 6 weeks.",
        "recorded_on_0": day,
        "recorded_on_1": month,
        "recorded_on_2": year,
    }
    data.update(overrides)
    return data


@time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False)
def test_an_agency_concern_is_recorded_on_a_visible_child(client, iro, child):
    client.force_login(iro)
    page = client.get(_agency_url(child)).content.decode()
    assert "<title>Add an external agency concern – " in page
    assert child.full_name in page
    response = client.post(_agency_url(child), _agency_data(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:child_detail", args=[child.pk])
    page = response.content.decode()
    assert "Formal concern about Westfield Academy recorded" in page
    assert "The school has not shared attendance figures" in page
    assert "4 December 2023" in page
    note = ExternalAgencyNote.objects.get()
    assert (note.child, note.recorded_by, note.level) == (child, iro, "formal")
    assert note.recorded_on == dt.date(2023, 12, 4)


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_an_agency_concern_on_a_child_you_cannot_see_is_not_found(client, request, child, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_agency_url(child)).status_code == 404
    assert client.post(_agency_url(child), _agency_data()).status_code == 404
    assert not ExternalAgencyNote.objects.exists()


def test_an_agency_concern_on_a_restricted_child_is_not_found_for_the_team_manager(
    client, team_manager, restricted_child
):
    client.force_login(team_manager)
    assert client.get(_agency_url(restricted_child)).status_code == 404


def test_an_agency_concern_on_a_made_up_child_is_not_found(client, iro):
    client.force_login(iro)
    url = reverse("escalations:agency_note_new", args=[999999])
    assert client.get(url).status_code == 404


@time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False)
@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (
            {"agency": "", "level": "", "summary": "", "day": "", "month": "", "year": ""},
            [
                "Enter the name of the agency",
                "Select whether the concern is informal or formal",
                "Enter a summary of the concern",
                "Enter the date the concern was raised",
            ],
        ),
        ({"day": "31", "month": "2", "year": "2023"}, ["must be a real date"]),
        ({"day": "9", "month": "12", "year": "2023"}, ["The date must be today or earlier"]),
        ({"level": "urgent"}, ["Select whether the concern is informal or formal"]),
    ],
)
def test_agency_concern_problems_show_in_the_summary(client, iro, child, data, messages):
    client.force_login(iro)
    response = client.post(_agency_url(child), _agency_data(**data))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "<title>Error: Add an external agency concern" in page
    for message in messages:
        assert message in page
    assert not ExternalAgencyNote.objects.exists()


def test_the_agency_page_needs_sign_in(client, child):
    response = client.get(_agency_url(child))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# A child's page ------------------------------------------------------------------------------


def test_the_child_page_lists_the_concerns_about_the_child(
    client, gloucestershire, iro, child, team_manager
):
    concern = make_concern(iro, child, title="Concern about contact", delegate_to=team_manager)
    client.force_login(iro)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert '<h2 class="govuk-heading-m">Concerns</h2>' in page
    assert concern.reference in page
    assert "Concern about contact" in page
    assert "Formal stage 1" in page
    assert reverse("escalations:concern_detail", args=[concern.pk]) in page
    assert "External agency concerns" in page
    assert reverse("escalations:agency_note_new", args=[child.pk]) in page
    assert f"{NEW_NOTE}?child={child.pk}" in page


def test_the_raise_button_shows_for_an_iro_not_for_a_social_worker(
    client, gloucestershire, iro, social_worker, child
):
    raise_url = f"{reverse('escalations:concern_start')}?child={child.pk}"
    client.force_login(iro)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert raise_url in page
    assert "Raise a concern" in page
    client.force_login(social_worker)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert raise_url not in page
    assert "Raise a concern" not in page


def test_the_child_page_hides_concerns_the_person_cannot_see(
    client, gloucestershire, iro, child, team_manager
):
    make_concern(iro, child, title="Concern still a draft", raise_it=False)
    client.force_login(team_manager)
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Concern still a draft" not in page
    assert "There are no concerns about Amara that you can see" in page


def test_the_child_page_queries_do_not_grow_with_concerns(
    client, gloucestershire, iro, child, team_manager, django_assert_max_num_queries
):
    def add(count, start):
        for n in range(start, start + count):
            make_concern(iro, child, title=f"Concern {n}", level=n % 2, delegate_to=team_manager)
            ExternalAgencyNote.objects.create(
                child=child,
                agency=f"Agency {n}",
                level="informal",
                summary="Late report",
                recorded_by=iro,
                recorded_on=dt.date(2025, 1, 6),
            )

    client.force_login(iro)
    url = reverse("cases:child_detail", args=[child.pk])
    add(2, 0)
    client.get(url)
    # 17: the reviews summary counts the significant changes awaiting a decision; the audit entry
    # of the view is one INSERT; the concern rule reads the list of children the person sees
    # and how many teams there are.
    with django_assert_max_num_queries(17) as small:
        client.get(url)
    add(13, 2)
    with django_assert_max_num_queries(17) as large:
        page = client.get(url).content.decode()
    assert "Concern 14" in page
    assert "Agency 14" in page
    assert len(large.captured_queries) == len(small.captured_queries)
