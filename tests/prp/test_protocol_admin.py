"""Administrators choose and version protocols in the admin; a version in use is frozen."""

import pytest
from django.urls import reverse

from escalations import services
from prp.models import Protocol, RoleCode
from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)


def test_the_four_presets_are_installed_with_gloucestershire_active(protocols):
    authorities = set(Protocol.objects.values_list("authority", flat=True))
    assert authorities == {"Gloucestershire", "Cumbria", "Buckinghamshire", "Blackpool"}
    assert Protocol.objects.get(is_active=True).authority == "Gloucestershire"


def test_an_unused_protocol_can_be_edited(client, admin_user, gloucestershire):
    client.force_login(admin_user)
    url = reverse("admin:prp_protocol_change", args=[gloucestershire.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' in page


def test_a_protocol_in_use_is_read_only(client, admin_user, gloucestershire, child, iro):
    services.concern_create_draft(raised_by=iro, children=[child], title="Drift", start_level=0)
    client.force_login(admin_user)
    url = reverse("admin:prp_protocol_change", args=[gloucestershire.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    response = client.post(url, {"name": "Changed"})
    assert response.status_code == 403
    assert Protocol.objects.get(pk=gloucestershire.pk).name == "Progress Resolution Pathway"


def test_copying_makes_an_inactive_new_version_with_the_same_ladder(
    client, admin_user, gloucestershire
):
    client.force_login(admin_user)
    client.post(
        reverse("admin:prp_protocol_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [gloucestershire.pk]},
    )
    copy = Protocol.objects.get(authority="Gloucestershire", version=2)
    assert not copy.is_active
    assert list(copy.stages.values_list("level", "label", "response_days")) == list(
        gloucestershire.stages.values_list("level", "label", "response_days")
    )
    assert copy.categories.count() == gloucestershire.categories.count()
    original = gloucestershire.stages.get(level=2)
    copied = copy.stages.get(level=2)
    assert set(copied.raised_by.all()) == set(original.raised_by.all())
    assert set(copied.copy_to.all()) == set(original.copy_to.all())


def test_making_another_protocol_active_leaves_one_active(client, admin_user, protocols):
    client.force_login(admin_user)
    cumbria = protocols["cumbria"]
    client.post(
        reverse("admin:prp_protocol_changelist"),
        {"action": "make_active", "_selected_action": [cumbria.pk]},
    )
    assert list(Protocol.objects.filter(is_active=True)) == [cumbria]
