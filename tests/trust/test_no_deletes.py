"""Nothing is deleted from the app: what is removed is archived (who and when), and the admin
refuses to delete case records."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin as django_admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Child, SiblingGroup
from escalations import services
from escalations.models import Attachment, Concern, Event, SubConcern
from prp.models import ProtocolCategory, User
from qapr.models import Qapr
from tests.factories import ChildFactory, SiblingGroupFactory, UserFactory

NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(db):
    return UserFactory(full_name="Ada Admin", is_staff=True, is_superuser=True)


def draft(iro, children, protocol, subs=2) -> Concern:
    concern = services.concern_create_draft(
        raised_by=iro, children=children, title="Plan drifting", start_level=1
    )
    for number in range(subs):
        services.sub_concern_add(
            concern=concern,
            by=iro,
            category=ProtocolCategory.objects.filter(protocol=protocol).first(),
            description=f"Concern {number}",
            impact_on_child="Unsettled",
        )
    return Concern.objects.get(pk=concern.pk)


# The admin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Concern, Child, User, SiblingGroup, Qapr, Event])
def test_the_admin_has_no_delete_for_case_records(admin, model):
    request = RequestFactory().get("/admin/")
    request.user = admin
    model_admin = django_admin.site._registry[model]
    assert model_admin.has_delete_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_admin_refuses_to_delete_a_concern_or_a_child(
    client, admin, gloucestershire, child, iro
):
    concern = draft(iro, [child], gloucestershire)
    client.force_login(admin)
    for obj in (concern, child):
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk]})
    assert Concern.objects.filter(pk=concern.pk).exists()
    assert Child.objects.filter(pk=child.pk).exists()


# Removing things in the app archives them ------------------------------------------------------


def test_removing_a_sub_concern_keeps_the_row(client, gloucestershire, child, iro):
    concern = draft(iro, [child], gloucestershire)
    sub = concern.sub_concerns.first()
    client.force_login(iro)
    url = reverse("escalations:sub_concern_remove", args=[concern.pk, sub.pk])
    response = client.post(url, {"lock_version": concern.lock_version})
    assert response.status_code == 302
    kept = SubConcern.objects.get(pk=sub.pk)
    assert (kept.archived_at, kept.archived_by) == (NOW, iro)
    assert kept.description == "Concern 0"
    page = client.get(reverse("escalations:concern_detail", args=[concern.pk])).content.decode()
    assert "Concern 0" not in page and "Concern 1" in page
    assert Event.objects.filter(concern=concern, summary__contains="removed").exists()


def test_removing_a_file_archives_it_and_keeps_the_file(client, gloucestershire, child, iro):
    concern = draft(iro, [child], gloucestershire)
    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter")
    attachment = services.attachment_add(concern=concern, by=iro, upload=upload)
    concern = Concern.objects.get(pk=concern.pk)
    client.force_login(iro)
    detail = reverse("escalations:concern_detail", args=[concern.pk])
    remove = reverse("escalations:attachment_remove", args=[concern.pk, attachment.pk])
    assert remove in client.get(detail).content.decode()
    assert "Are you sure you want to remove this file?" in client.get(remove).content.decode()
    assert client.post(remove, {"lock_version": concern.lock_version}).status_code == 302

    kept = Attachment.objects.get(pk=attachment.pk)
    assert (kept.archived_at, kept.archived_by) == (NOW, iro)
    assert kept.file.storage.exists(kept.file.name)
    download = reverse("escalations:attachment_download", args=[concern.pk, attachment.pk])
    assert download not in client.get(detail).content.decode()
    assert client.get(download).status_code == 404
    assert Event.objects.filter(concern=concern, summary="File removed: letter.pdf").exists()


def test_only_the_raiser_or_the_uploader_removes_a_file(
    client, gloucestershire, child, iro, team_manager
):
    concern = draft(iro, [child], gloucestershire)
    services.concern_raise(
        concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
    )
    upload = SimpleUploadedFile("mine.pdf", b"%PDF-1.4")
    theirs = services.attachment_add(concern=concern, by=team_manager, upload=upload)
    raisers = services.attachment_add(
        concern=concern, by=iro, upload=SimpleUploadedFile("iro.pdf", b"%PDF-1.4")
    )
    client.force_login(team_manager)
    url = reverse("escalations:attachment_remove", args=[concern.pk, raisers.pk])
    assert client.get(url).status_code == 403
    url = reverse("escalations:attachment_remove", args=[concern.pk, theirs.pk])
    assert client.get(url).status_code == 200


def test_unticking_a_child_on_a_draft_is_recorded(gloucestershire, child, iro, team, social_worker):
    """A draft's children are a choice still being made: the link to an unticked child goes,
    and the history says who was taken off, by whom and when."""
    group = SiblingGroupFactory(name="Okafor")
    sibling = ChildFactory(first_name="Bode", last_name="Okafor", sibling_group=group)
    concern = draft(iro, [child, sibling], gloucestershire)
    services.concern_update_draft(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        title="Plan drifting",
        children=[child],
        start_level=1,
    )
    event = Event.objects.filter(concern=concern, kind=Event.Kind.EDITED).latest("id")
    assert "No longer about Bode Okafor" in event.summary
    assert event.data["removed_children"] == [sibling.pk]
    assert event.actor == iro
    assert list(concern.children.all()) == [child]
    assert Child.objects.filter(pk=sibling.pk).exists()


def test_a_team_people_work_in_cannot_be_deleted(client, admin, team, social_worker):
    client.force_login(admin)
    url = reverse("admin:prp_team_delete", args=[team.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    social_worker.refresh_from_db()
    assert social_worker.team == team
