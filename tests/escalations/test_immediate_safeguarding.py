"""Issue 14 rule 2, Blackpool seed 004: "If there are immediate safeguarding concerns … the SQR
Service Manager should contact the Social Care Service Manager within 24 hrs." A protocol
setting (on for Blackpool): a concern marked immediate when raised tells both service managers
at once, at any hour; a 24-hour clock of real hours runs until the contact is recorded (when,
by whom, what was agreed); it is chased every hour and sits at the top of the clinic list and
the dashboard until then."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from escalations import safeguarding, tasks
from escalations.models import Event, SafeguardingContact
from notifications.models import Kind, Notification
from notifications.services import send_due
from prp.models import RoleCode
from prp.presets import activate, copy_as_new_version
from tests.builders import draft_concern, raised_concern
from tests.factories import PostFactory, RoleFactory, UserFactory
from tests.raising import raise_through_check

LONDON = ZoneInfo("Europe/London")


def at(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LONDON)


def _post(unit, role, name):
    holder = UserFactory(full_name=name, roles=[role])
    return PostFactory(unit=unit, role=RoleFactory(code=role), holder=holder).holder


@pytest.fixture
def sqr_manager(reviewing_service, iro):
    return _post(reviewing_service, RoleCode.REVIEWING_SERVICE_MANAGER, "Sara Quality")


@pytest.fixture
def social_care_manager(operational_service):
    return _post(operational_service, RoleCode.SERVICE_MANAGER, "Cole Care")


@pytest.fixture
def blackpool(protocols):
    return activate(protocols["blackpool"])


def raise_immediate(iro, child, team_manager, when):
    with time_machine.travel(when, tick=False):
        return raised_concern(iro, child, team_manager, raise_with={"immediate": True})


def test_blackpool_seed_004_an_immediate_concern_tells_both_managers_at_once_at_any_hour(
    client, blackpool, child, iro, team_manager, sqr_manager, social_care_manager
):
    saturday_night = at(5, 23, 30)
    with time_machine.travel(saturday_night, tick=False):
        concern = draft_concern(iro, child, level=1)
        client.force_login(iro)
        url = reverse("escalations:concern_raise", args=[concern.pk])
        assert "This is an immediate safeguarding concern" in client.get(url).content.decode()
        response = raise_through_check(
            client,
            url,
            {
                "delegate_to": team_manager.pk,
                "lock_version": concern.lock_version,
                "immediate": "on",
            },
        )
        assert response.status_code == 302
        contact = SafeguardingContact.objects.get(concern=concern)
        assert contact.due_at == at(6, 23, 30)  # 24 real hours, a Sunday
        assert (contact.reviewing_manager, contact.social_care_manager) == (
            sqr_manager,
            social_care_manager,
        )
        told = Notification.objects.filter(kind=Kind.IMMEDIATE_SAFEGUARDING)
        assert {n.recipient for n in told} == {sqr_manager, social_care_manager}
        assert "by 23:30 on 6 December 2026" in told.first().body_text
        mail.outbox.clear()
        send_due(saturday_night)  # no waiting for Monday morning
        assert {m.to[0] for m in mail.outbox} >= {sqr_manager.email, social_care_manager.email}
        assert Event.objects.filter(concern=concern, kind=Event.Kind.IMMEDIATE).exists()
        page = client.get(reverse("escalations:concern_detail", args=[concern.pk]))
        assert "contact is due by 23:30 on 6 December 2026" in page.content.decode()


def test_blackpool_seed_004_the_contact_is_chased_hourly_and_tops_the_lists_until_recorded(
    client, blackpool, child, iro, team_manager, sqr_manager, social_care_manager
):
    concern = raise_immediate(iro, child, team_manager, at(3, 10))
    contact = SafeguardingContact.objects.get(concern=concern)
    assert safeguarding.chase(at(3, 10, 30)) == 0  # not an hour yet
    assert safeguarding.chase(at(3, 11)) == 1
    assert safeguarding.chase(at(3, 11, 20)) == 0
    with time_machine.travel(at(3, 12), tick=False):
        assert tasks.chase_safeguarding_contacts() == 1  # the Celery beat job, hourly
    chases = Notification.objects.filter(kind=Kind.SAFEGUARDING_CONTACT_DUE)
    assert chases.count() == 4  # two managers, two hours
    noon = chases.filter(key__contains="T12").first()  # keyed by the hour
    assert "due by 10:00 on 4 December 2026: 22 hours left" in noon.body_text
    assert safeguarding.chase(at(4, 11)) == 1  # past the 24 hours: still chased, overdue
    overdue = chases.filter(key__contains="2026-12-04T11").first()
    assert overdue.subject.startswith("Overdue:")
    beat = settings.CELERY_BEAT_SCHEDULE["chase-safeguarding-contacts"]
    assert beat["task"] == "escalations.chase_safeguarding_contacts"
    assert beat["schedule"] == crontab(minute=0)

    with time_machine.travel(at(4, 11, 30), tick=False):
        # At the top of the clinic list and of the dashboard.
        client.force_login(iro)
        clinic = client.get(reverse("escalations:weekly_clinic")).content.decode()
        assert clinic.index('id="immediate-safeguarding"') < clinic.index("Formal stage 1")
        assert concern.reference in clinic and "Overdue" in clinic
        client.force_login(sqr_manager)
        dashboard = client.get(reverse("dashboards:dashboard")).content.decode()
        assert 'id="immediate-safeguarding"' in dashboard and concern.reference in dashboard

        url = reverse("escalations:safeguarding_contact", args=[concern.pk])
        client.force_login(UserFactory(roles=[RoleCode.SOCIAL_WORKER]))
        assert client.get(url).status_code == 404
        client.force_login(sqr_manager)
        base = {
            "contacted_on_0": "4",
            "contacted_on_1": "12",
            "contacted_on_2": "2026",
            "contacted_by": sqr_manager.pk,
            "lock_version": contact.lock_version,
        }
        page = client.post(url, {**base, "contacted_time": "25:00", "agreed": "x"})
        assert "Enter the time like 14:30" in page.content.decode()
        page = client.post(url, {**base, "contacted_time": "11:45", "agreed": "x"})
        assert "The contact must be now or in the past" in page.content.decode()
        page = client.post(url, {**base, "contacted_time": "09:15", "agreed": " "})
        assert "Enter what was agreed" in page.content.decode()
        response = client.post(
            url, {**base, "contacted_time": "09:15", "agreed": "Strategy meeting today"}
        )
        assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.contacted_at == at(4, 9, 15)
    assert (contact.contacted_by, contact.recorded_by) == (sqr_manager, sqr_manager)
    recorded = Event.objects.get(concern=concern, kind=Event.Kind.CONTACT_RECORDED)
    assert "(after the 24 hours)" not in recorded.summary  # 09:15 on 4 December: in time
    assert safeguarding.chase(at(4, 13)) == 0
    with time_machine.travel(at(4, 13), tick=False):
        client.force_login(iro)
        clinic = client.get(reverse("escalations:weekly_clinic")).content.decode()
        assert 'id="immediate-safeguarding"' not in clinic


def test_immediate_safeguarding_is_a_protocol_setting_on_for_blackpool_only(
    protocols, child, iro, team_manager
):
    assert protocols["blackpool"].immediate_safeguarding
    assert not any(protocols[key].immediate_safeguarding for key in protocols if key != "blackpool")
    activate(protocols["gloucestershire"])
    with pytest.raises(ValidationError):
        raise_immediate(iro, child, team_manager, at(3, 10))
    # Available to every council: a new version with it turned on (one in use cannot change).
    version = copy_as_new_version(protocols["gloucestershire"])
    version.immediate_safeguarding = True
    version.save()
    activate(version)
    raise_immediate(iro, child, team_manager, at(3, 10))
    assert SafeguardingContact.objects.count() == 1
