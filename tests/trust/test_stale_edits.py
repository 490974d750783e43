"""No lost writes: for every record the app or the admin changes, two people load the same form,
the first saves, and the second's save is refused with a clear message in the GOV.UK error
summary; nothing of theirs overwrites the first.

The forms are read off the pages as a browser would send them (tests/trust/pageforms.py), so the
version each carries is the one the page was built with.

Records that are only ever added to (discussions, good practice notes, external agency notes,
reviews, key dates) have nothing to overwrite: two people adding at once both keep theirs, shown
at the end. Changes guarded by the parent's version are said so where they are tested.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import Child, KeyDate, Review, ReviewRule, ReviewStep, SignificantChange
from escalations import services
from escalations.models import (
    Action,
    Attachment,
    Concern,
    ConcernState,
    Discussion,
    Outcome,
    Stage,
    SubConcern,
    Task,
    TaskState,
)
from notifications.models import Kind, Notification
from notifications.services import mark_read
from prp import presets
from prp.models import OrgUnit, Protocol, ProtocolCategory, Team, User
from qapr import services as qapr_services
from qapr.models import Recommendation
from tests.builders import draft_concern, raise_draft
from tests.factories import UserFactory
from tests.trust.pageforms import form_data

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)  # a Wednesday, no bank holiday near
TODAY = NOW.date()
CONCERN_STALE = "This concern was changed by someone else"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(db):
    return UserFactory(full_name="Ada Admin", is_staff=True, is_superuser=True)


def browser(user) -> Client:
    """A second browser: each person (or tab) keeps the page it loaded."""
    other = Client()
    other.force_login(user)
    return other


def load(client, url, having="lock_version") -> dict:
    response = client.get(url)
    assert response.status_code == 200, url
    return form_data(response, having)


def date_fields(name, day) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def assert_refused(response, message):
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    summary = page.split('class="govuk-error-summary', 1)[1].split("</ul>", 1)[0]
    assert message in summary


def esc(name, *args) -> str:
    return reverse(f"escalations:{name}", args=args)


def category(protocol) -> ProtocolCategory:
    return ProtocolCategory.objects.filter(protocol=protocol).first()


def draft(iro, child, protocol, *, subs=1) -> Concern:
    return draft_concern(
        iro,
        child,
        descriptions=[f"No permanence plan {number}" for number in range(subs)],
        impact_on_child="Uncertainty about where they will live",
        child_views="",
        category=category(protocol),
    )


def raised(iro, child, protocol, delegate_to) -> Concern:
    return raise_draft(draft(iro, child, protocol), iro, delegate_to)


# The concern and what hangs off it ------------------------------------------------------------


def test_concern(client, gloucestershire, child, iro):
    concern = draft(iro, child, gloucestershire)
    client.force_login(iro)
    other = browser(iro)
    first = load(client, esc("concern_edit", concern.pk))
    second = load(other, esc("concern_edit", concern.pk))

    assert (
        client.post(esc("concern_edit", concern.pk), {**first, "title": "First"}).status_code == 302
    )
    response = other.post(esc("concern_edit", concern.pk), {**second, "title": "Second"})

    assert_refused(response, CONCERN_STALE)
    assert Concern.objects.get(pk=concern.pk).title == "First"


def test_stage_and_its_outcome(client, gloucestershire, child, iro, team_manager, head_of_service):
    """A stage's outcome is recorded under the concern's version."""
    concern = raised(iro, child, gloucestershire, team_manager)
    client.force_login(iro)
    other = browser(iro)
    first = load(client, esc("outcome_record", concern.pk))
    second = load(other, esc("outcome_record", concern.pk))
    common = {
        "comments": "Seen",
        "legal_advice_sought": "no",
        "cafcass_considered": "no",
        **date_fields("outcome_on", TODAY),
    }
    escalate = {
        **first,
        **common,
        "outcome": Outcome.ESCALATE_NEXT,
        "delegate_to": str(head_of_service.pk),
    }
    assert client.post(esc("outcome_record", concern.pk), escalate).status_code == 302

    resolve = {**second, **common, "outcome": Outcome.RESOLVED, "delegate_to": ""}
    response = other.post(esc("outcome_record", concern.pk), resolve)

    assert_refused(response, CONCERN_STALE)
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.FORMAL
    assert concern.current_stage.level == 2
    assert Stage.objects.get(concern=concern, level=1).outcome == Outcome.ESCALATE_NEXT


def test_task(client, gloucestershire, child, iro, team_manager):
    concern = raised(iro, child, gloucestershire, team_manager)
    task = Task.objects.get(stage__concern=concern)
    client.force_login(team_manager)
    other = browser(team_manager)
    url = esc("task_detail", task.pk)
    first = load(client, url)
    second = load(other, url)
    sent = {**first, "response": "We will meet on Friday"}
    assert client.post(url, sent).status_code == 302

    draft_saved = {**second, "response": "Not sure yet", "save_draft": "Save draft"}
    response = other.post(url, draft_saved)

    assert_refused(response, "This task was changed by someone else")
    task.refresh_from_db()
    assert task.state == TaskState.RESPONDED
    assert task.response == "We will meet on Friday"


def test_action(client, gloucestershire, child, iro, team_manager):
    concern = raised(iro, child, gloucestershire, team_manager)
    action = services.action_add(
        concern=concern, by=iro, description="Hold a meeting", due_on=TODAY, owner=team_manager
    )
    client.force_login(iro)
    other = browser(team_manager)
    url = esc("action_done", concern.pk, action.pk)
    first = load(client, url)
    second = load(other, url)
    assert client.post(url, first).status_code == 302

    response = other.post(url, second)

    assert_refused(response, "This action was changed by someone else")
    assert Action.objects.get(pk=action.pk).done_on == TODAY
    assert concern.events.filter(kind="action_done", actor=iro).count() == 1
    assert not concern.events.filter(kind="action_done", actor=team_manager).exists()


def test_sub_concern(client, gloucestershire, child, iro):
    """Removing a sub-concern is guarded by the concern's version."""
    concern = draft(iro, child, gloucestershire, subs=3)
    one, two, _ = concern.sub_concerns.order_by("id")
    client.force_login(iro)
    other = browser(iro)
    first = load(client, esc("sub_concern_remove", concern.pk, one.pk))
    second = load(other, esc("sub_concern_remove", concern.pk, two.pk))
    assert client.post(esc("sub_concern_remove", concern.pk, one.pk), first).status_code == 302

    response = other.post(esc("sub_concern_remove", concern.pk, two.pk), second)

    assert_refused(response, CONCERN_STALE)
    assert SubConcern.objects.get(pk=one.pk).archived_at is not None
    assert SubConcern.objects.get(pk=two.pk).archived_at is None


def test_attachment(client, gloucestershire, child, iro):
    """Removing a file is guarded by the concern's version."""
    concern = draft(iro, child, gloucestershire)
    files = [
        services.attachment_add(concern=concern, by=iro, upload=SimpleUploadedFile(name, b"report"))
        for name in ("one.txt", "two.txt")
    ]
    client.force_login(iro)
    other = browser(iro)
    urls = [esc("attachment_remove", concern.pk, file.pk) for file in files]
    first = load(client, urls[0])
    second = load(other, urls[1])
    assert client.post(urls[0], first).status_code == 302

    response = other.post(urls[1], second)

    assert_refused(response, CONCERN_STALE)
    assert Attachment.objects.get(pk=files[0].pk).archived_by == iro
    assert Attachment.objects.get(pk=files[1].pk).archived_at is None


# Reviews, changes, QAPRs ------------------------------------------------------------------------


@pytest.fixture
def review(child, iro):
    case_services.key_date_record(
        child=child, by=iro, kind=KeyDate.Kind.CAME_INTO_CARE, on=dt.date(2026, 2, 2)
    )
    return case_services.review_record(
        child=child, by=iro, kind=Review.Kind.CIC_REVIEW, held_on=dt.date(2026, 3, 2)
    )


def test_review_step(client, review, iro, service_manager):
    step = review.steps.get(kind=ReviewStep.Kind.FULL_RECORD)
    url = reverse("cases:step_complete", args=[step.pk])
    client.force_login(iro)
    other = browser(service_manager)
    first = load(client, url)
    second = load(other, url)
    assert client.post(url, {**first, **date_fields("done_on", TODAY)}).status_code == 302

    response = other.post(url, {**second, **date_fields("done_on", dt.date(2026, 3, 3))})

    assert_refused(response, "This task was changed by someone else")
    step.refresh_from_db()
    assert (step.done_by, step.done_on) == (iro, TODAY)


def test_significant_change(client, child, iro, social_worker, service_manager):
    change = case_services.significant_change_record(
        child=child,
        by=social_worker,
        kind=SignificantChange.Kind.PLACEMENT_CHANGE,
        occurred_on=dt.date(2026, 3, 2),
        details="Moved to new carers",
    )
    url = reverse("cases:change_decide", args=[change.pk])
    client.force_login(iro)
    other = browser(service_manager)
    first = load(client, url)
    second = load(other, url)
    no_review = {**first, "decision": "no_early_review", "reason": "Planned move, going well"}
    assert client.post(url, no_review).status_code == 302

    early = {
        **second,
        "decision": "early_review",
        **date_fields("early_review_by", dt.date(2026, 3, 20)),
    }
    response = other.post(url, early)

    assert_refused(response, "This change was changed by someone else")
    change.refresh_from_db()
    assert change.decision == SignificantChange.Decision.NO_EARLY_REVIEW
    assert change.decided_by == iro


def test_qapr(client, child, iro, gloucestershire):
    qapr = qapr_services.qapr_start(child=child, by=iro)
    url = reverse("qapr:qapr_edit", args=[qapr.pk])
    client.force_login(iro)
    other = browser(iro)
    first = load(client, url)
    second = load(other, url)
    assert client.post(url, {**first, "progress_rationale": "Tab one"}).status_code == 302

    response = other.post(url, {**second, "progress_rationale": "Tab two"})

    assert_refused(response, "This QAPR was changed by someone else")
    qapr.refresh_from_db()
    assert qapr.progress_rationale == "Tab one"


def test_recommendation(client, child, iro, social_worker, gloucestershire):
    qapr = qapr_services.qapr_start(child=child, by=iro)
    recommendation = qapr_services.recommendation_add(
        qapr=qapr, by=iro, text="Book life story work", owner=social_worker, due_on=TODAY
    )
    url = reverse("qapr:recommendation_done", args=[recommendation.pk])
    client.force_login(iro)
    other = browser(social_worker)
    first = load(client, url)
    second = load(other, url)
    assert client.post(url, {**first, "note": "Booked by the IRO"}).status_code == 302

    response = other.post(url, {**second, "note": "Booked by the social worker"})

    assert_refused(response, "This recommendation was changed by someone else")
    recommendation = Recommendation.objects.get(pk=recommendation.pk)
    assert (recommendation.done_by, recommendation.done_note) == (iro, "Booked by the IRO")


# Notifications ------------------------------------------------------------------------------------


def test_notification_read_state(iro):
    """Read is a compare-and-set: reading again never moves the time it was first read."""
    note = Notification.objects.create(
        recipient=iro, kind=Kind.DELEGATED, key="k", subject="s", body_text="b", body_html="b"
    )
    assert mark_read(iro, pk=note.pk) == 1
    first_read = Notification.objects.get(pk=note.pk).read_at
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert mark_read(iro, pk=note.pk) == 0
        assert mark_read(iro) == 0
    assert Notification.objects.get(pk=note.pk).read_at == first_read


# The admin ------------------------------------------------------------------------------------


def admin_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def two_admins_edit(admin, obj, first_change: dict, second_change: dict):
    """Two administrators open the same record; the first saves; returns the second's reply."""
    one, two = browser(admin), browser(admin)
    url = admin_url(obj)
    first = load(one, url, having="edit_version")
    second = load(two, url, having="edit_version")
    saved = one.post(url, {**first, **first_change})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    return two.post(url, {**second, **second_change})


def assert_admin_refused(response, obj):
    page = response.content.decode()
    assert response.status_code == 200
    assert f"This {obj._meta.verbose_name} was changed by someone else" in page
    assert "errornote" in page


def test_child_in_the_admin(admin, child):
    response = two_admins_edit(admin, child, {"first_name": "Ami"}, {"restricted": "on"})
    assert_admin_refused(response, child)
    child = Child.objects.get(pk=child.pk)
    assert (child.first_name, child.restricted) == ("Ami", False)


def test_child_allocated_while_an_admin_edits(admin, child, iro):
    """A change of allocation moves the child's version, so an older admin form is refused."""
    browser_ = browser(admin)
    url = admin_url(child)
    loaded = load(browser_, url, having="edit_version")
    other_iro = UserFactory(full_name="Otto Reviewer", roles=["iro"])
    case_services.child_allocate(
        child=child, kind="reviewing_officer", start_date=TODAY, recorded_by=iro, worker=other_iro
    )
    response = browser_.post(url, {**loaded, "last_name": "Changed"})
    assert_admin_refused(response, child)
    assert Child.objects.get(pk=child.pk).last_name == "Okafor"


def test_user_in_the_admin(admin, iro):
    response = two_admins_edit(admin, iro, {"job_title": "Senior IRO"}, {"full_name": "Ira R"})
    assert_admin_refused(response, iro)
    iro = User.objects.get(pk=iro.pk)
    assert (iro.job_title, iro.full_name) == ("Senior IRO", "Ira Reviewer")


def test_a_persons_own_setting_is_not_overwritten_by_an_older_admin_form(client, admin, iro):
    browser_ = browser(admin)
    loaded = load(browser_, admin_url(iro), having="edit_version")
    client.force_login(iro)
    saved = client.post(
        reverse("notifications:notification_settings"), {"delivery": "daily_digest"}
    )
    assert saved.status_code == 302
    response = browser_.post(admin_url(iro), {**loaded, "job_title": "Senior IRO"})
    assert_admin_refused(response, iro)
    assert User.objects.get(pk=iro.pk).wants_daily_digest is True


def test_review_rule_in_the_admin(admin, db):
    rule, _ = ReviewRule.objects.update_or_create(
        code=ReviewRule.Code.CIC_FIRST, defaults={"amount": 20, "unit": "working_days"}
    )
    response = two_admins_edit(admin, rule, {"amount": "10"}, {"amount": "30"})
    assert_admin_refused(response, rule)
    assert ReviewRule.objects.get(pk=rule.pk).amount == 10


def test_protocol_and_its_stages_in_the_admin(admin, gloucestershire):
    """A protocol's stages are saved with it, so the protocol's version guards them."""
    copy = presets.copy_as_new_version(gloucestershire)
    stage = copy.stages.first()  # the first row of the stages inline
    response = two_admins_edit(
        admin,
        copy,
        {"description": "Agreed at the March board"},
        {"stages-0-label": "Renamed stage"},
    )
    assert_admin_refused(response, copy)
    copy = Protocol.objects.get(pk=copy.pk)
    assert copy.description == "Agreed at the March board"
    assert copy.stages.get(pk=stage.pk).label == stage.label


def test_team_and_unit_in_the_admin(admin, team):
    response = two_admins_edit(admin, team, {"name": "CiC North"}, {"name": "CiC South"})
    assert_admin_refused(response, team)
    assert Team.objects.get(pk=team.pk).name == "CiC North"

    unit = team.unit
    response = two_admins_edit(admin, unit, {"name": "Care"}, {"name": "Children's care"})
    assert_admin_refused(response, unit)
    assert OrgUnit.objects.get(pk=unit.pk).name == "Care"


# Records only ever added to: nothing to overwrite ------------------------------------------------


def test_discussions_added_at_once_are_both_kept(client, gloucestershire, child, iro):
    concern = draft(iro, child, gloucestershire)
    client.force_login(iro)
    other = browser(iro)
    url = esc("discussion_add", concern.pk)
    first = load(client, url, having="submission_token")
    second = load(other, url, having="submission_token")
    for browser_, data, who in ((client, first, "Tom"), (other, second, "Sam")):
        filled = {**data, **date_fields("held_on", TODAY), "held_with": who, "summary": "Met"}
        assert browser_.post(url, filled).status_code == 302
    assert sorted(Discussion.objects.values_list("held_with", flat=True)) == ["Sam", "Tom"]


def test_key_dates_added_at_once_are_both_kept(client, child, iro, social_worker):
    client.force_login(iro)
    other = browser(social_worker)
    url = reverse("cases:key_date_new", args=[child.pk])
    first = load(client, url, having="submission_token")
    second = load(other, url, having="submission_token")
    for browser_, data, day in ((client, first, 2), (other, second, 3)):
        filled = {
            **data,
            "kind": KeyDate.Kind.CAME_INTO_CARE,
            **date_fields("on", dt.date(2026, 2, day)),
        }
        assert browser_.post(url, filled).status_code == 302
    assert KeyDate.objects.filter(child=child).count() == 2
