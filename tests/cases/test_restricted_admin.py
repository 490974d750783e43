"""The Django admin for non-superusers follows the child visibility rule (issue 13, section 1).

An administrator who may read every list of the admin, but is not named on Rory's restricted
record, finds nothing about him there: not his record, his reviews, his concern and its tasks and
events, a note about him, his QAPR, the messages about him, nor the audit trail of any of them.
Named on the record, they find it all; a superuser always does.
"""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases import services as case_services
from cases.models import SignificantChange
from escalations import services
from notifications.models import Notification
from prp.models import ProtocolCategory, RoleCode
from tests.builders import raised_task
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("gloucestershire")

LISTS = [
    "cases_child",
    "cases_keydate",
    "cases_review",
    "cases_significantchange",
    "cases_childlog",
    "escalations_concern",
    "escalations_task",
    "escalations_event",
    "escalations_goodpracticenote",
    "escalations_externalagencynote",
    "qapr_qapr",
    "notifications_notification",
    "auditlog_logentry",
]


@pytest.fixture
def about_rory(restricted_child, iro, social_worker):
    """Rory's concern delegated to his social worker, a significant change, a note about him."""
    task = raised_task(iro, restricted_child, social_worker, level=1)
    case_services.significant_change_record(
        child=restricted_child,
        by=social_worker,
        kind=SignificantChange.Kind.PLACEMENT_CHANGE,
        occurred_on=task.delegated_at.date(),
        details="Moved to new carers.",
    )
    services.good_practice_note_send(
        author=iro,
        recipient=social_worker,
        category=ProtocolCategory.objects.filter(protocol__is_active=True).first(),
        note="Clear planning with Rory.",
        impact_on_child="Settled.",
        child=restricted_child,
    )
    assert Notification.objects.filter(recipient=social_worker).exists()
    return task.stage.concern


@pytest.fixture
def administrator(db):
    """Staff who may view every model of the admin, but no superuser."""
    person = UserFactory(full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True)
    person.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return person


def admin_pages(client, person) -> dict[str, str]:
    client.force_login(person)
    pages = {}
    for name in LISTS:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        pages[name] = html.unescape(response.content.decode())
    return pages


def naming(pages: dict[str, str], child, concern) -> dict[str, list[str]]:
    secrets = [child.first_name, child.last_name, child.reference, concern.reference]
    found = {name: [s for s in secrets if s in page] for name, page in pages.items()}
    return {name: words for name, words in found.items() if words}


def test_restricted_the_admin_shows_a_non_superuser_nothing_about_a_child_they_may_not_see(
    client, about_rory, restricted_child, administrator
):
    assert naming(admin_pages(client, administrator), restricted_child, about_rory) == {}
    page = client.get(reverse("admin:cases_child_change", args=[restricted_child.pk]))
    assert page.status_code == 302  # "does not exist", as for any record the admin hides


def test_restricted_the_admin_shows_it_all_once_they_are_named_on_the_record(
    client, about_rory, restricted_child, administrator
):
    restricted_child.named_users.add(administrator)
    shown = naming(admin_pages(client, administrator), restricted_child, about_rory)
    assert set(shown) >= {
        "cases_child",
        "cases_significantchange",
        "escalations_concern",
        "escalations_task",
        "escalations_event",
        "notifications_notification",
        "auditlog_logentry",
    }


def test_restricted_a_superuser_sees_every_record(client, about_rory, restricted_child):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    shown = naming(admin_pages(client, superuser), restricted_child, about_rory)
    assert "cases_child" in shown and "auditlog_logentry" in shown
