"""The audit trail, through real HTTP requests: every view of a child's record, concern, task,
QAPR or file is written down with who, what, when and from where; every change with its values
before and after; every refused attempt; nobody can change or delete an entry, in the app or the
admin; and the "Who has viewed this record" pages show it only to the people allowed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Child, LegalStatus
from escalations import services
from escalations.models import Attachment, Concern, ConcernState, Outcome, Task
from prp.audit import AuditEntryFrozen
from prp.models import RoleCode, User
from qapr import services as qapr_services
from qapr.models import Qapr
from tests.builders import raised_task
from tests.escalations.test_outcome_pages import outcome_data
from tests.factories import UserFactory

ADDRESS = "198.51.100.7"
TOMORROW = dt.datetime(2023, 12, 2, tzinfo=dt.UTC)
ACCESS = LogEntry.Action.ACCESS


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2023, 12, 1, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def concern(gloucestershire, iro, team_manager, child) -> Concern:
    """A concern about the child raised at the informal stage and delegated to the team manager."""
    task = raised_task(iro, [child], delegate_to=team_manager, level=0, agreed=dt.date(2023, 12, 8))
    return Concern.objects.get(pk=task.stage.concern_id)


@pytest.fixture
def task(concern) -> Task:
    return concern.current_stage.tasks.get()


@pytest.fixture
def attachment(concern, iro) -> Attachment:
    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    return services.attachment_add(concern=concern, by=iro, upload=upload)


@pytest.fixture
def qapr(gloucestershire, iro, child) -> Qapr:
    return qapr_services.qapr_start(child=child, by=iro)


@pytest.fixture
def performance_officer(db):
    return UserFactory(full_name="Pat Figures", roles=[RoleCode.PERFORMANCE])


@pytest.fixture
def administrator(db):
    return UserFactory(full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR])


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", "a-long-password-1", full_name="Root")


def entries_for(record, **filters):
    content_type = ContentType.objects.get_for_model(record)
    return LogEntry.objects.filter(content_type=content_type, object_id=record.pk, **filters)


def views_of(record):
    return entries_for(record, action=ACCESS, additional_data__has_key="page")


def refusals_of(record):
    return entries_for(record, action=ACCESS, additional_data__refused=True)


# Views -------------------------------------------------------------------------------------------


PAGES = {
    "child_detail": ("cases:child_detail", "child"),
    "child_reviews": ("cases:child_reviews", "child"),
    "concern_detail": ("escalations:concern_detail", "concern"),
    "task_detail": ("escalations:task_detail", "task"),
    "qapr_detail": ("qapr:qapr_detail", "qapr"),
}


@pytest.mark.parametrize("page", PAGES)
def test_opening_a_page_writes_who_which_record_when_and_from_where(
    client, request, iro, page, clock
):
    url_name, fixture = PAGES[page]
    record = request.getfixturevalue(fixture)
    client.force_login(iro)

    response = client.get(reverse(url_name, args=[record.pk]), REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200
    entry = views_of(record).get()
    assert entry.actor == iro
    assert entry.remote_addr == ADDRESS
    assert entry.additional_data == {"page": page}
    assert entry.object_repr == str(record)
    assert entry.timestamp == dt.datetime(2023, 12, 1, 10, 0, tzinfo=dt.UTC)


def test_downloading_a_file_is_written_down(client, iro, attachment):
    client.force_login(iro)
    url = reverse("escalations:attachment_download", args=[attachment.concern_id, attachment.pk])

    response = client.get(url, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200
    entry = views_of(attachment).get()
    assert (entry.actor, entry.remote_addr) == (iro, ADDRESS)


def test_a_forwarded_address_is_ignored_unless_the_proxy_is_trusted(client, iro, child, settings):
    client.force_login(iro)
    url = reverse("cases:child_detail", args=[child.pk])

    client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")

    addresses = list(views_of(child).order_by("id").values_list("remote_addr", flat=True))
    assert addresses == ["10.0.0.5", "203.0.113.9"]


# Changes -----------------------------------------------------------------------------------------


def test_escalating_through_the_page_records_the_values_before_and_after(
    client, iro, concern, head_of_service
):
    client.force_login(iro)
    data = outcome_data(concern, outcome=Outcome.ESCALATE_NEXT)

    response = client.post(
        reverse("escalations:outcome_record", args=[concern.pk]), data, REMOTE_ADDR=ADDRESS
    )

    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.state == ConcernState.FORMAL
    change = entries_for(concern, action=LogEntry.Action.UPDATE).get(
        changes__has_key="state", remote_addr=ADDRESS
    )
    assert change.actor == iro
    assert change.changes_dict["state"] == ["informal", "formal"]
    # The stage that was closed, with its outcome, and the new stage's task, by the same person.
    closed = concern.stages.get(level=0)
    outcome = entries_for(closed, action=LogEntry.Action.UPDATE).get(changes__has_key="outcome")
    assert outcome.changes_dict["outcome"][1] == Outcome.ESCALATE_NEXT
    assert outcome.actor == iro
    new_task = concern.current_stage.tasks.get()
    created = entries_for(new_task, action=LogEntry.Action.CREATE).get()
    assert created.actor == iro
    assert created.changes_dict["assignee"][1] == str(new_task.assignee_id)


def test_an_accounts_password_and_last_sign_in_are_never_written_down(iro):
    iro.set_password("another-long-password-2")
    iro.last_login = dt.datetime(2023, 12, 1, 9, 0, tzinfo=dt.UTC)
    iro.job_title = "Senior IRO"
    iro.save()

    change = entries_for(iro, action=LogEntry.Action.UPDATE).latest("id")
    assert set(change.changes_dict) == {"job_title"}
    assert all("password" not in entry.changes_dict for entry in entries_for(iro))


def test_naming_someone_on_a_restricted_child_is_written_down(restricted_child, service_manager):
    restricted_child.named_users.add(service_manager)

    entry = entries_for(restricted_child, action=LogEntry.Action.UPDATE).latest("id")
    assert entry.changes_dict["named_users"]["operation"] == "add"
    assert entry.changes_dict["named_users"]["objects"] == [str(service_manager)]


# Refused attempts --------------------------------------------------------------------------------


def test_a_restricted_child_opened_by_someone_not_named_is_refused_and_written_down(
    client, restricted_child, service_manager
):
    client.force_login(service_manager)

    response = client.get(
        reverse("cases:child_detail", args=[restricted_child.pk]), REMOTE_ADDR=ADDRESS
    )

    assert response.status_code == 404
    entry = refusals_of(restricted_child).get()
    assert (entry.actor, entry.remote_addr) == (service_manager, ADDRESS)
    # Named by kind and number: the entry is about someone who may not know who the child is.
    assert entry.object_repr == f"Child {restricted_child.pk}"
    assert not views_of(restricted_child).exists()


@pytest.mark.parametrize(
    ("url_name", "fixture"),
    [
        ("escalations:concern_detail", "concern"),
        ("escalations:task_detail", "task"),
        ("qapr:qapr_detail", "qapr"),
        ("cases:child_reviews", "child"),
        ("escalations:concern_audit", "concern"),
    ],
)
def test_every_page_writes_down_a_refusal(client, request, unrelated_colleague, url_name, fixture):
    record = request.getfixturevalue(fixture)
    client.force_login(unrelated_colleague)

    assert client.get(reverse(url_name, args=[record.pk])).status_code == 404

    assert refusals_of(record).get().actor == unrelated_colleague


def test_a_refused_download_is_written_down(client, attachment, unrelated_colleague):
    client.force_login(unrelated_colleague)
    url = reverse("escalations:attachment_download", args=[attachment.concern_id, attachment.pk])

    assert client.get(url).status_code == 404

    assert refusals_of(attachment).get().actor == unrelated_colleague


def test_a_number_that_is_no_record_is_a_404_with_nothing_written(client, iro, child):
    client.force_login(iro)

    response = client.get(reverse("cases:child_detail", args=[child.pk + 1000]))

    assert response.status_code == 404
    assert not LogEntry.objects.filter(action=ACCESS).exists()


# Nobody can change or delete an entry ------------------------------------------------------------


@pytest.fixture
def entry(client, iro, child):
    client.force_login(iro)
    client.get(reverse("cases:child_detail", args=[child.pk]))
    client.logout()
    return views_of(child).get()


def test_the_admin_lists_entries_but_cannot_add_change_or_delete_them(client, superuser, entry):
    client.force_login(superuser)
    changelist = reverse("admin:auditlog_logentry_changelist")

    listing = client.get(changelist)
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    delete_url = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    # The change page only shows the entry: posting to it changes nothing.
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == 200
    client.post(change_url, {"object_repr": "Nobody", "remote_addr": "127.0.0.9"})
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    client.post(changelist, bulk)

    entry.refresh_from_db()
    assert (entry.object_repr, entry.remote_addr) == ("Amara Okafor", "127.0.0.1")


def test_the_admin_filters_by_action_record_type_person_date_and_refusal(
    client, superuser, entry, unrelated_colleague
):
    client.force_login(unrelated_colleague)
    client.get(reverse("cases:child_detail", args=[entry.object_id]))
    assert LogEntry.objects.filter(additional_data__refused=True).count() == 1
    client.force_login(superuser)
    changelist = reverse("admin:auditlog_logentry_changelist")
    child_type = ContentType.objects.get_for_model(Child)
    filters = [
        ({"action__exact": ACCESS}, LogEntry.objects.filter(action=ACCESS)),
        ({"record_type": child_type.pk}, LogEntry.objects.filter(content_type=child_type)),
        ({"actor__id__exact": entry.actor_id}, LogEntry.objects.filter(actor=entry.actor)),
        ({"refused": "yes"}, LogEntry.objects.filter(additional_data__refused=True)),
        ({"timestamp__gte": "2023-12-01 00:00:00+00:00"}, LogEntry.objects.all()),
        ({"timestamp__gte": TOMORROW.isoformat(" ")}, LogEntry.objects.none()),
    ]
    # The child's entries: the allocations' changes to it, and the IRO's view.
    assert LogEntry.objects.filter(content_type=child_type).count() > 1
    assert LogEntry.objects.count() > LogEntry.objects.filter(content_type=child_type).count()

    for query, wanted in filters:
        response = client.get(changelist, query)
        assert response.status_code == 200
        assert response.context["cl"].result_count == wanted.count(), query


def test_the_app_cannot_change_or_delete_an_entry_either(entry):
    entry.remote_addr = "127.0.0.9"
    for attempt in (entry.save, entry.delete, LogEntry.objects.filter(pk=entry.pk).delete):
        with pytest.raises(AuditEntryFrozen), transaction.atomic():
            attempt()
    assert LogEntry.objects.get(pk=entry.pk).remote_addr == "127.0.0.1"


# Who has viewed this record ----------------------------------------------------------------------


def audit_url(record) -> str:
    if isinstance(record, Child):
        return reverse("cases:child_audit", args=[record.pk])
    return reverse("escalations:concern_audit", args=[record.pk])


@pytest.mark.parametrize("persona", ["service_manager", "administrator", "team_manager"])
def test_the_child_trail_shows_views_changes_and_refusals(
    client, request, child, iro, unrelated_colleague, persona
):
    client.force_login(iro)
    client.get(reverse("cases:child_detail", args=[child.pk]), REMOTE_ADDR=ADDRESS)
    client.force_login(unrelated_colleague)
    client.get(reverse("cases:child_detail", args=[child.pk]))
    child.legal_status = LegalStatus.INTERIM_CARE_ORDER
    child.save()
    client.force_login(request.getfixturevalue(persona))

    page = client.get(audit_url(child))

    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Who has viewed this record: Amara Okafor – " in html
    rows = page.context["rows"]
    # Newest first: this visit, the change, the refusal, the IRO's view, then the allocations.
    assert [row["what"] for row in rows[:4]] == ["Viewed", "Changed", "Refused", "Viewed"]
    assert (rows[3]["who"], rows[3]["remote_addr"]) == ("Ira Reviewer", ADDRESS)
    assert rows[3]["page"] == "Child's page"
    assert rows[2]["who"] == "Una Related"
    assert rows[1]["changes"] == [
        {
            "field": "Legal status",
            "before": "Care order (section 31)",
            "after": "Interim care order",
        }
    ]
    assert "Ira Reviewer" in html and ADDRESS in html and "Refused" in html


def test_the_trail_names_the_people_a_change_moved_work_between(
    client, concern, task, head_of_service, service_manager
):
    task.assignee = head_of_service
    task.save()
    client.force_login(service_manager)

    rows = client.get(audit_url(concern)).context["rows"]

    change = next(row for row in rows if row["what"] == "Changed")
    assert {"field": "Assignee", "before": "Tom Manager", "after": "Hana Head"} in change["changes"]


@pytest.mark.parametrize("persona", ["iro", "social_worker", "performance_officer"])
def test_people_who_see_the_child_but_not_the_trail_get_a_403_and_no_link(
    client, request, child, concern, persona
):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(audit_url(child)).status_code == 403
    assert client.get(audit_url(concern)).status_code in (403, 404)
    assert (
        "Who has viewed this record"
        not in client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    )


def test_the_pages_link_to_the_trail_for_those_allowed(client, child, concern, service_manager):
    client.force_login(service_manager)

    for page, record in (
        (reverse("cases:child_detail", args=[child.pk]), child),
        (reverse("escalations:concern_detail", args=[concern.pk]), concern),
    ):
        html = client.get(page).content.decode()
        assert f'href="{audit_url(record)}">Who has viewed this record</a>' in html


@pytest.mark.parametrize("persona", ["unrelated_colleague", "outsider"])
def test_people_who_cannot_see_the_child_get_a_404(client, request, child, concern, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(audit_url(child)).status_code == 404
    assert client.get(audit_url(concern)).status_code == 404


def test_a_restricted_childs_trail_is_only_for_people_named_on_it(
    client, restricted_child, service_manager, administrator
):
    named_manager = UserFactory(roles=[RoleCode.REVIEWING_SERVICE_MANAGER])
    restricted_child.named_users.add(named_manager)
    client.force_login(service_manager)
    assert client.get(audit_url(restricted_child)).status_code == 404
    client.force_login(administrator)
    assert client.get(audit_url(restricted_child)).status_code == 404

    client.force_login(named_manager)
    assert client.get(audit_url(restricted_child)).status_code == 200
    restricted_child.named_users.add(administrator)
    client.force_login(administrator)
    assert client.get(audit_url(restricted_child)).status_code == 200


def test_the_concern_trail_shows_the_task_and_its_views(
    client, concern, task, team_manager, service_manager
):
    client.force_login(team_manager)
    client.get(reverse("escalations:task_detail", args=[task.pk]))
    client.force_login(service_manager)

    rows = client.get(audit_url(concern)).context["rows"]

    assert rows[0]["what"] == "Viewed" and rows[0]["who"] == "Sian Service"
    task_view = rows[1]
    assert (task_view["what"], task_view["who"], task_view["page"]) == (
        "Viewed",
        "Tom Manager",
        "Task",
    )
    assert task_view["record"].startswith("Task: ")
    created = [row["record"] for row in rows if row["what"] == "Created"]
    assert any(record.startswith("Concern: PRP-") for record in created)


# The trail page's queries do not grow with the trail ---------------------------------------------


def _add_entries(child, people, count):
    for number in range(count):
        person = people[number % len(people)]
        child.social_worker = person
        child.save()
        LogEntry.objects.log_create(child, force_log=True, action=ACCESS, actor=person)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_trail_page_does_a_fixed_number_of_queries(
    client, child, social_worker, team_manager, service_manager
):
    people = [social_worker, team_manager, *UserFactory.create_batch(3)]
    client.force_login(service_manager)
    url = audit_url(child)
    _add_entries(child, people, 3)
    client.get(url)  # the first visit loads the content types into the process's cache

    small = _count(client, url)
    _add_entries(child, people, 80)
    large = _count(client, url)

    # Session and person, roles, the child and allocations, the audit entry written, the
    # concerns' visibility (2), the count, the page, the notifications count; and the names of
    # what changes point to: one query per kind (people, teams, children) for the whole page,
    # so fewer when the page names fewer kinds, never one per entry.
    assert large <= small <= 14


# Loading the demo ------------------------------------------------------------------------------


def test_the_demo_loader_writes_no_entries_but_later_changes_are_recorded(db, clock):
    # The demo is built around the real date.
    clock.move_to(time_machine.escape_hatch.datetime.datetime.now())
    call_command("seed_demo", stdout=io.StringIO())

    assert not LogEntry.objects.exists()
    child = Child.objects.first()
    child.last_name = f"{child.last_name}-Smith"
    child.save()
    assert entries_for(child, action=LogEntry.Action.UPDATE).count() == 1


def test_a_download_asked_for_with_a_nul_character_is_written_down(client, team_manager, task):
    # PostgreSQL's JSON refuses a NUL; the download still works and the trail keeps the rest.
    client.force_login(team_manager)
    url = reverse("escalations:task_inbox") + "?format=csv&show=waiting&id=%00x"
    response = client.get(url)
    assert response.status_code == 200
    entry = LogEntry.objects.filter(additional_data__format="csv").latest("timestamp")
    assert entry.additional_data["filters"]["id"] == ["\ufffdx"]
    assert entry.additional_data["filters"]["show"] == ["waiting"]
