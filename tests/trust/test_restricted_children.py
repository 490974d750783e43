"""A restricted child is for the people named on (or allocated to) the record, everywhere
(issue 7, part 2): pages, lists and downloads are in the matrix and the list tests; these are
the messages and the people a concern, note or recommendation can go to.

In these tests Rory's record is restricted: his IRO and social worker are allocated to him; his
team manager (the social worker's line manager) is not named on it unless a test names them.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from escalations import rules, services
from escalations.models import Outcome, Task, TaskState
from notifications.models import Kind, Notification
from prp.models import ProtocolCategory, RoleCode
from qapr import services as qapr_services
from qapr.models import Recommendation
from reminders import digests
from reminders.chase import chase_scan
from tests.builders import fresh, raised_task, responded_task
from tests.factories import PostFactory, RoleFactory, UserFactory
from tests.notifications.test_chase import at

pytestmark = pytest.mark.usefixtures("gloucestershire")


def category():
    return ProtocolCategory.objects.filter(protocol__is_active=True).order_by("position").first()


def note_about(child, *, author, recipient):
    return services.good_practice_note_send(
        author=author,
        recipient=recipient,
        category=category(),
        note="Clear, child-centred planning.",
        impact_on_child="He knows what is happening.",
        child=child,
    )


def told(person, child) -> list[Notification]:
    """The messages to this person that name the child, or are about them or their concerns."""
    about = Notification.objects.filter(
        Q(child=child) | Q(concern__concern_children__child=child)
    ).values("pk")
    return [
        n
        for n in Notification.objects.filter(recipient=person).order_by("pk")
        if n.pk in {row["pk"] for row in about}
        or child.full_name in n.subject + n.body_text + n.body_html
        or child.reference in n.body_text
    ]


# Good practice notes ----------------------------------------------------------------------------


def test_a_note_about_a_restricted_child_does_not_copy_a_manager_not_named(
    restricted_child, iro, social_worker, team_manager
):
    note = note_about(restricted_child, author=iro, recipient=social_worker)
    assert list(note.copied_to.all()) == []
    assert [n.recipient for n in Notification.objects.filter(kind=Kind.GOOD_PRACTICE)] == [
        social_worker
    ]
    assert told(team_manager, restricted_child) == []


def test_a_note_about_a_restricted_child_copies_a_manager_named_on_it(
    restricted_child, iro, social_worker, team_manager
):
    restricted_child.named_users.add(team_manager)
    note = note_about(restricted_child, author=iro, recipient=social_worker)
    assert list(note.copied_to.all()) == [team_manager]
    assert len(told(team_manager, restricted_child)) == 1


def test_a_note_about_any_other_child_still_copies_the_manager(
    child, iro, social_worker, team_manager
):
    note = note_about(child, author=iro, recipient=social_worker)
    assert list(note.copied_to.all()) == [team_manager]


def test_a_note_about_a_restricted_child_cannot_go_to_someone_not_named(
    client, restricted_child, iro, team_manager
):
    with pytest.raises(ValidationError) as refused:
        note_about(restricted_child, author=iro, recipient=team_manager)
    assert "not named on Rory Hidden's restricted record" in str(refused.value)
    client.force_login(iro)
    url = reverse("escalations:good_practice_new") + f"?child={restricted_child.pk}"
    response = client.post(
        url,
        {
            "recipient": team_manager.pk,
            "category": category().pk,
            "note": "Good work",
            "impact_on_child": "Settled",
            "child": restricted_child.pk,
        },
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Notification.objects.filter(recipient=team_manager).exists()


def test_a_qaprs_good_practice_note_about_a_restricted_child_leaves_the_manager_off(
    restricted_child, iro, social_worker, team_manager
):
    from tests.qapr.test_qapr_pages import NOW, finalised

    with time_machine.travel(NOW, tick=False):
        qapr = finalised(iro, restricted_child)
    note = qapr.good_practice_note
    assert note.recipient == social_worker
    assert list(note.copied_to.all()) == []
    assert told(team_manager, restricted_child) == []


# Concerns: who they can go to, and who is copied ------------------------------------------------


def test_a_restricted_childs_concern_cannot_be_delegated_to_someone_not_named(
    client, restricted_child, iro, team_manager
):
    with pytest.raises(ValidationError) as refused:
        raised_task(iro, restricted_child, team_manager, level=1)
    assert "Tom Manager is not named on Rory Hidden's restricted record" in str(refused.value)
    assert not Task.objects.exists()
    assert told(team_manager, restricted_child) == []


def test_the_raise_page_says_why_the_manager_cannot_be_chosen(
    client, restricted_child, iro, team_manager
):
    from tests.escalations.test_concern_pages import _draft

    concern = _draft(iro, restricted_child, rules.active_protocol())
    client.force_login(iro)
    response = client.post(
        reverse("escalations:concern_raise", args=[concern.pk]),
        {"how": "delegate", "delegate_to": team_manager.pk, "lock_version": concern.lock_version},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "is not named on Rory Hidden&#x27;s restricted record" in page
    assert fresh(concern).is_draft


def test_a_manager_named_on_the_record_can_be_delegated_to(restricted_child, iro, team_manager):
    restricted_child.named_users.add(team_manager)
    task = raised_task(iro, restricted_child, team_manager, level=1)
    assert task.assignee == team_manager
    assert [n.kind for n in told(team_manager, restricted_child)] == [Kind.DELEGATED]


def test_re_delegating_or_escalating_to_someone_not_named_is_refused(
    restricted_child, iro, social_worker, team_manager
):
    task = raised_task(iro, restricted_child, social_worker, level=1)
    concern = fresh(task.stage.concern)
    with pytest.raises(ValidationError) as refused:
        services.task_redelegate(
            stage=task.stage,
            by=iro,
            lock_version=concern.lock_version,
            assignee=team_manager,
            note="Moving it",
        )
    assert "assignee" in refused.value.error_dict
    assert fresh(task).state == TaskState.ACTIVE
    with pytest.raises(ValidationError) as refused:
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.ESCALATE_NEXT,
            comments="Not resolved",
            legal_advice_sought=False,
            cafcass_considered=False,
            delegate_to=team_manager,
        )
    assert "delegate_to" in refused.value.error_dict
    assert fresh(concern).current_stage == task.stage


@pytest.fixture
def director(directorate):
    """Copied in at Gloucestershire's formal stage 3; not named on Rory."""
    return PostFactory(
        unit=directorate,
        role=RoleFactory(code=RoleCode.DIRECTOR),
        holder=UserFactory(full_name="Dee Director", roles=[RoleCode.DIRECTOR]),
    ).holder


def test_the_copy_list_leaves_out_people_not_named(
    child, restricted_child, iro, social_worker, director
):
    stage_3 = rules.active_protocol().stages.get(level=3)
    open_concern = raised_task(iro, child, social_worker, level=1).stage.concern
    hidden_concern = raised_task(iro, restricted_child, social_worker, level=1).stage.concern
    assert rules.copy_list(open_concern, stage_3) == [director]
    assert rules.copy_list(hidden_concern, stage_3) == []
    restricted_child.named_users.add(director)
    assert rules.copy_list(hidden_concern, stage_3) == [director]


# Every message about a restricted child --------------------------------------------------------


def test_nobody_not_named_is_told_anything_about_a_restricted_child(
    restricted_child,
    iro,
    social_worker,
    team_manager,
    head_of_service,
    director,
    service_manager,
):
    """The whole pathway for Rory, delegated to his social worker: raised, escalated (the
    director is copied at stage 2), chased when overdue (copying the social worker's line
    manager), past the formal limit (the reviewing service's managers are warned), the team
    digest, a good practice note and an outcome (the child's team manager is told of it)."""
    with time_machine.travel(at(2025, 11, 3), tick=False):
        task = raised_task(iro, restricted_child, social_worker, level=1)
        responded_task(task)
        concern = fresh(task.stage.concern)
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.ESCALATE_TO,
            target_level=3,  # Formal stage 3 copies the Director of Safeguarding and Care
            comments="Not resolved",
            legal_advice_sought=False,
            cafcass_considered=False,
            delegate_to=social_worker,
        )
    for day in (10, 11, 12, 13, 14, 17, 26, 27, 28):
        chase_scan(at(2025, 11, day, 10))
        digests.send_team_digests(at(2025, 11, day, 8, 5))
    for day in (1, 2, 3):
        chase_scan(at(2025, 12, day, 10))
    with time_machine.travel(at(2025, 12, 3), tick=False):
        note_about(restricted_child, author=iro, recipient=social_worker)
        responded_task(Task.objects.get(state=TaskState.ACTIVE))
        concern = fresh(concern)
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.RESOLVED,
            comments="Resolved",
            legal_advice_sought=False,
            cafcass_considered=False,
        )
    kinds_to_named = {n.kind for n in told(social_worker, restricted_child)}
    kinds_to_named |= {n.kind for n in told(iro, restricted_child)}
    # The messages were made: the people named on Rory had them.
    assert {Kind.DELEGATED, Kind.ESCALATED, Kind.OVERDUE, Kind.OUTCOME} <= kinds_to_named
    assert {Kind.RESPONDED, Kind.ESCALATE_PROMPT, Kind.GOOD_PRACTICE} <= kinds_to_named
    for person in (team_manager, head_of_service, director, service_manager):
        assert told(person, restricted_child) == [], person
    assert not Notification.objects.filter(concern=concern).exclude(
        recipient__in=[iro, social_worker]
    )


def test_the_same_journey_for_an_open_record_tells_the_managers(
    child, iro, social_worker, team_manager, director, service_manager
):
    """The other side of the test above: for a child whose record is not restricted, the same
    changes do tell the line manager, the director and the service manager."""
    with time_machine.travel(at(2025, 11, 3), tick=False):
        task = raised_task(iro, child, social_worker, level=1)
        responded_task(task)
        concern = fresh(task.stage.concern)
        services.stage_record_outcome(
            concern=concern,
            by=iro,
            lock_version=concern.lock_version,
            outcome=Outcome.ESCALATE_TO,
            target_level=3,  # Formal stage 3 copies the Director of Safeguarding and Care
            comments="Not resolved",
            legal_advice_sought=False,
            cafcass_considered=False,
            delegate_to=social_worker,
        )
    for day in (10, 11, 12, 13, 14, 17, 26, 27, 28):
        chase_scan(at(2025, 11, day, 10))
        digests.send_team_digests(at(2025, 11, day, 8, 5))
    assert {n.kind for n in told(team_manager, child)} >= {
        Kind.OUTCOME,
        Kind.OVERDUE_COPY,
        Kind.TEAM_DIGEST,
    }
    assert {n.kind for n in told(director, child)} == {Kind.COPIED}
    assert {n.kind for n in told(service_manager, child)} == {Kind.FORMAL_LIMIT_NEAR}


# Taken off the record ---------------------------------------------------------------------------


def test_someone_taken_off_a_restricted_record_loses_its_concerns_tasks_and_chases(
    client, restricted_child, iro, team_manager
):
    restricted_child.named_users.add(team_manager)
    with time_machine.travel(at(2025, 11, 10), tick=False):
        task = raised_task(
            iro, restricted_child, team_manager, level=0, agreed=dt.date(2025, 11, 12)
        )
    concern = task.stage.concern
    client.force_login(team_manager)
    pages = [
        reverse("escalations:concern_detail", args=[concern.pk]),
        reverse("escalations:task_detail", args=[task.pk]),
    ]
    assert [client.get(page).status_code for page in pages] == [200, 200]
    restricted_child.named_users.remove(team_manager)
    assert [client.get(page).status_code for page in pages] == [404, 404]
    inbox = client.get(reverse("escalations:task_inbox"), {"show": "all"}).content.decode()
    assert "Rory" not in inbox and concern.reference not in inbox
    chase_scan(at(2025, 11, 13, 10))
    assert not Notification.objects.filter(recipient=team_manager, kind=Kind.OVERDUE)


# QAPR recommendations ---------------------------------------------------------------------------


def test_a_recommendation_cannot_be_given_to_someone_who_cannot_see_the_child(
    client, restricted_child, child, iro, team_manager, social_worker, unrelated_colleague
):
    from tests.qapr.test_qapr_pages import NOW, finalised

    with time_machine.travel(NOW, tick=False):
        qapr = finalised(iro, restricted_child)
        for owner in (team_manager,):  # Rory's team manager, not named on him
            with pytest.raises(ValidationError) as refused:
                qapr_services.recommendation_add(
                    qapr=qapr, by=iro, text="Review contact", owner=owner, due_on=NOW.date()
                )
            assert "owner" in refused.value.error_dict
        other = finalised(iro, child)
        with pytest.raises(ValidationError):  # a social worker in another service
            qapr_services.recommendation_add(
                qapr=other,
                by=iro,
                text="Review contact",
                owner=unrelated_colleague,
                due_on=NOW.date(),
            )
        added = qapr_services.recommendation_add(
            qapr=qapr, by=iro, text="Review contact", owner=social_worker, due_on=NOW.date()
        )
    assert Recommendation.objects.get() == added


def test_nobody_is_suggested_for_a_restricted_childs_concern_unless_named(
    client, restricted_child, child, iro, team_manager
):
    from tests.escalations.test_concern_pages import _draft

    stage_1 = rules.active_protocol().stages.get(level=1)
    hidden = _draft(iro, restricted_child, rules.active_protocol())
    assert rules.default_assignee(_draft(iro, child, rules.active_protocol()), stage_1) == (
        team_manager
    )
    assert rules.default_assignee(hidden, stage_1) is None
    client.force_login(iro)
    page = client.get(reverse("escalations:concern_raise", args=[hidden.pk])).content.decode()
    assert f'<option value="{team_manager.pk}" selected>' not in page
    restricted_child.named_users.add(team_manager)
    assert rules.default_assignee(hidden, stage_1) == team_manager
    page = client.get(reverse("escalations:concern_raise", args=[hidden.pk])).content.decode()
    assert f'<option value="{team_manager.pk}" selected>' in page


def _group(page: str, label: str) -> str:
    page = html.unescape(page)
    start = page.index(f'<optgroup label="{label}">')
    return page[start : page.index("</optgroup>", start)]


def test_the_people_offered_as_working_with_a_restricted_child_are_named_on_it(
    client, restricted_child, iro, social_worker, team_manager
):
    from tests.qapr.test_qapr_pages import NOW, finalised

    with time_machine.travel(NOW, tick=False):
        qapr = finalised(iro, restricted_child)
    client.force_login(iro)
    pages = {
        "People working with Rory": reverse("qapr:recommendation_add", args=[qapr.pk]),
        "Rory's social worker and team manager": reverse("escalations:good_practice_new")
        + f"?child={restricted_child.pk}",
    }
    for label, url in pages.items():
        group = _group(client.get(url).content.decode(), label)
        assert "Sam Worker" in group and "Tom Manager" not in group, label
    restricted_child.named_users.add(team_manager)
    for label, url in pages.items():
        assert "Tom Manager" in _group(client.get(url).content.decode(), label), label


def test_a_restricted_childs_concern_cannot_copy_in_someone_not_named(
    client, restricted_child, iro, social_worker, team_manager
):
    # Issue 19: the copy list added when delegating follows the same rule as the delegate.
    from tests.escalations.test_concern_pages import _draft

    concern = _draft(iro, restricted_child, rules.active_protocol())
    client.force_login(iro)
    response = client.post(
        reverse("escalations:concern_raise", args=[concern.pk]),
        {
            "delegate_to": social_worker.pk,
            "copy_to": [team_manager.pk],
            "lock_version": concern.lock_version,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Tom Manager is not named on Rory Hidden&#x27;s restricted record" in page
    assert fresh(concern).is_draft
    assert told(team_manager, restricted_child) == []
