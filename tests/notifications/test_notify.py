"""GOV.UK Notify as the email channel (issue 20 §3; README, "GOV.UK Notify").

The messages are made by the pathway's services, as the pages make them, and sent by the outbox's
sender to a fake Notify API on 127.0.0.1 (tests/notify_fake.py) that checks the client's JWT and
answers as Notify does, or with the errors it is told to. Receipts are posted to the callback
endpoint through the Django test client, with CSRF checks on.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from escalations.models import Outcome
from notifications import checks, govuk_notify, sender, services
from notifications.models import Delivery, Kind, Notification, Status
from prp.models import RoleCode
from tests.builders import live_task, outcome_recorded, raised_concern, responded_task
from tests.factories import UserFactory
from tests.notify_fake import API_KEY, SECRET, SERVICE_ID, FakeNotify

FRIDAY_1_DEC_2023 = dt.datetime(2023, 12, 1, 10, 0)
FRIDAY_8_DEC_2023 = dt.datetime(2023, 12, 8, 10, 0)
RECEIPTS = reverse("notifications:notify_receipt")
TOKEN = "receipts-token-for-the-tests-0123456789"

pytestmark = pytest.mark.usefixtures("gloucestershire")


def template_id(kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"prp-notify-template:{kind}"))


# Each kind's template in the fake uses every field the kind is given, as a council's might.
TEMPLATES = {
    template_id(kind): " ".join(f"(({name}))" for name in govuk_notify.fields_for(kind))
    for kind in Kind.values
}


@pytest.fixture
def fake():
    with FakeNotify(TEMPLATES) as server:
        yield server


@pytest.fixture
def notify_channel(settings, fake):
    settings.EMAIL_CHANNEL = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = fake.base_url
    settings.NOTIFY_TEMPLATES = {kind: template_id(kind) for kind in Kind.values}
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    settings.EMAIL_TIMEOUT = 1
    return fake


def queue(count: int, recipient=None, kind=Kind.RESPONDED) -> list[Notification]:
    now = timezone.now()
    people = [recipient] if recipient else UserFactory.create_batch(3)
    Notification.objects.bulk_create(
        Notification(
            recipient=people[n % len(people)],
            kind=kind,
            key=f"test:{n}",
            subject=f"Message {n}",
            body_text=f"Hello {n}",
            body_html=f"<p>Hello {n}</p>",
            personalisation=dict.fromkeys(govuk_notify.fields_for(kind), f"value {n}"),
            created_at=now,
            send_after=now,
        )
        for n in range(count)
    )
    return list(Notification.objects.order_by("pk"))


def by_reference(fake: FakeNotify) -> dict[str, dict]:
    return {sent["reference"]: sent for sent in fake.accepted}


# Sending: the template and the personalisation of each kind --------------------------------------


@time_machine.travel(FRIDAY_1_DEC_2023, tick=False)
def test_pathway_messages_go_with_their_kinds_template_and_personalisation(
    settings, notify_channel, child, iro, team_manager, social_worker, head_of_service
):
    settings.EMAIL_CHILD_NAMES = "initials"
    fake = notify_channel
    concern = raised_concern(iro, child, team_manager)
    responded_task(live_task(concern), team_manager)
    with time_machine.travel(FRIDAY_8_DEC_2023, tick=False):
        outcome_recorded(
            concern, iro, Outcome.ESCALATE_TO, target_level=3, delegate_to=head_of_service
        )
        sent = sender.send_due()
    rows = list(Notification.objects.order_by("pk").select_related("recipient"))
    assert sent == len(rows) == len(fake.accepted)
    assert {row.kind for row in rows} >= {Kind.DELEGATED, Kind.RESPONDED, Kind.ESCALATED}
    named = f"A.O. ({child.reference})"
    accepted = by_reference(fake)
    for row in rows:
        request = accepted[str(row.pk)]
        # The kind's own template, to the recipient, with every field the kind is given, no more.
        assert request["template_id"] == template_id(row.kind)
        assert request["email_address"] == row.recipient.email
        assert set(request["personalisation"]) == set(govuk_notify.fields_for(row.kind))
        assert request["personalisation"]["name"] == row.recipient.full_name
        assert request["personalisation"]["subject"] == row.subject
        assert request["personalisation"]["body"] == row.body_text
        # The child as EMAIL_CHILD_NAMES names them, never the full name.
        assert request["personalisation"]["child"] == named
        assert "Okafor" not in json.dumps(request)
        assert request["personalisation"]["concern_reference"] == concern.reference
        # Marked sent the moment Notify accepted it, with Notify's id.
        assert (row.status, row.notify_id) == (Status.SENT, request["id"])
    delegated_row = next(r for r in rows if r.kind == Kind.DELEGATED)
    delegated = accepted[str(delegated_row.pk)]
    assert delegated["personalisation"]["due_date"] == "8 December 2023"
    assert delegated["personalisation"]["raised_by"] == iro.full_name
    assert delegated["personalisation"]["stage"]
    task_page = reverse("escalations:task_detail", args=[delegated_row.task_id])
    assert delegated["personalisation"]["link"] == f"http://127.0.0.1:8000{task_page}"
    responded = accepted[str(next(r.pk for r in rows if r.kind == Kind.RESPONDED))]
    assert responded["personalisation"]["assignee"] == team_manager.full_name


def test_a_packs_pdf_goes_as_notifys_file_link_with_its_headline_as_bullets(notify_channel):
    """Notify sends no attachments: a pack's PDF is uploaded with the message, for its
    ((link_to_file)), and the recipient confirms their email address before it downloads."""
    manager = UserFactory(email="rsm@example.org")
    pdf = b"%PDF-1.7 the weekly clinic pack"
    context = {
        "title": "Weekly clinic pack: week beginning 4 December 2023",
        "period": "4 December 2023 to 8 December 2023",
        "headline": ["3 concerns raised", "1 closed"],
        "filename": "clinic-pack-2023-12-04.pdf",
    }
    services.notify(
        services.Message(
            manager,
            Kind.CLINIC_PACK,
            "clinic_pack:2023-12-04:test",
            context,
            url="/reports/clinic-pack/?week=2023-12-04",
            attachments=[("clinic-pack-2023-12-04.pdf", pdf, "application/pdf")],
        )
    )
    assert sender.send_due() == 1
    (sent,) = notify_channel.accepted
    values = sent["personalisation"]
    assert set(values) == set(govuk_notify.fields_for(Kind.CLINIC_PACK))
    assert values["headline"] == "* 3 concerns raised\n* 1 closed"
    assert values["period"] == "4 December 2023 to 8 December 2023"
    upload = values["link_to_file"]
    assert base64.b64decode(upload["file"]) == pdf
    assert upload["filename"] == "clinic-pack-2023-12-04.pdf"
    assert upload["confirm_email_before_download"] is True
    assert Notification.objects.get().status == Status.SENT


def test_every_kind_has_its_personalisation_declared():
    assert set(govuk_notify.PERSONALISATION) == set(Kind.values)
    for kind in Kind.values:
        fields = govuk_notify.fields_for(kind)
        assert fields[: len(govuk_notify.COMMON)] == govuk_notify.COMMON
        assert len(set(fields)) == len(fields), kind


@pytest.mark.django_db
def test_a_batch_goes_over_one_connection_to_notify(notify_channel):
    fake = notify_channel
    rows = queue(6)
    assert sender.send_due() == 6
    assert fake.connections == 1
    assert sorted(by_reference(fake)) == sorted(str(row.pk) for row in rows)
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_the_jwt_is_checked_and_a_wrong_secret_stops_the_run(settings, notify_channel):
    fake = notify_channel
    settings.NOTIFY_API_KEY = f"test_key-{SERVICE_ID}-{uuid.uuid4()}"
    assert SECRET not in settings.NOTIFY_API_KEY
    queue(3)
    assert sender.send_due() == 0
    # One request refused (403), and the run stopped there: the rest wait with back-off.
    assert len(fake.requests) == 1 and fake.accepted == []
    rows = list(Notification.objects.order_by("pk"))
    assert {row.status for row in rows} == {Status.PENDING}
    assert all("GOV.UK Notify answered 403" in row.last_error for row in rows)


# Failures: retried, or failed for good ---------------------------------------------------------


@pytest.mark.django_db
def test_a_500_then_success_is_retried_and_sent_once(notify_channel):
    fake = notify_channel
    [row] = queue(1)
    fake.fail_next(500, "Internal server error")
    now = timezone.now()
    assert sender.send_due(now) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "GOV.UK Notify answered 500" in row.last_error
    assert row.send_after == now + dt.timedelta(minutes=sender.BACKOFF_MINUTES[0])
    # Not due yet: nothing is sent.
    assert sender.send_due(now + dt.timedelta(seconds=30)) == 0
    assert sender.send_due(now + dt.timedelta(minutes=2)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")
    # Both attempts carried the row's id as the reference; Notify accepted one.
    assert [r["json"]["reference"] for r in fake.requests] == [str(row.pk)] * 2
    assert [a["reference"] for a in fake.accepted] == [str(row.pk)]
    assert row.notify_id == fake.accepted[0]["id"]


@pytest.mark.django_db
def test_a_400_is_a_permanent_failure_and_the_batch_goes_on(notify_channel):
    fake = notify_channel
    first, second, third = queue(3)
    fake.fail_next(400, "Missing personalisation: child")
    assert sender.send_due() == 2
    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.FAILED, 1)
    assert first.last_error == (
        "GOV.UK Notify answered 400: BadRequestError: Missing personalisation: child"
    )
    assert set(
        Notification.objects.filter(pk__in=[second.pk, third.pk]).values_list("status", flat=True)
    ) == {Status.SENT}
    # Failed for good: a later run does not try it again.
    assert sender.send_due(timezone.now() + dt.timedelta(days=1)) == 0
    assert len(fake.requests) == 3


@pytest.mark.django_db
def test_a_template_notify_does_not_have_is_a_permanent_failure(settings, notify_channel):
    settings.NOTIFY_TEMPLATES = {
        **settings.NOTIFY_TEMPLATES,
        Kind.RESPONDED: str(uuid.uuid4()),  # not a template of the service
    }
    [row] = queue(1)
    assert sender.send_due() == 0
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.endswith("BadRequestError: Template not found")


@pytest.mark.django_db
def test_too_many_requests_stops_the_run_and_everything_waits(notify_channel):
    fake = notify_channel
    queue(4)
    fake.fail_next(429, "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
    now = timezone.now()
    assert sender.send_due(now) == 0
    rows = list(Notification.objects.order_by("pk"))
    assert {(row.status, row.attempts) for row in rows} == {(Status.PENDING, 1)}
    assert all("answered 429" in row.last_error for row in rows)
    assert len(fake.requests) == 1
    assert sender.send_due(now + dt.timedelta(minutes=2)) == 4
    assert len(fake.accepted) == 4


@pytest.mark.django_db
def test_notify_not_answering_stops_the_run_after_one_timeout(notify_channel):
    fake = notify_channel
    queue(3)
    fake.hang_next()
    started = timezone.now()
    assert sender.send_due(started) == 0
    rows = list(Notification.objects.order_by("pk"))
    assert {row.status for row in rows} == {Status.PENDING}
    assert all("could not be reached" in row.last_error for row in rows)
    # One wait of EMAIL_TIMEOUT (1 s here), not one for each message.
    assert len(fake.requests) == 1
    assert sender.send_due(started + dt.timedelta(minutes=2)) == 3


# Delivery receipts -------------------------------------------------------------------------------


def receipt(row: Notification, status: str = "delivered", **changes) -> dict:
    data = {
        "id": row.notify_id,
        "reference": str(row.pk),
        "to": row.recipient.email,
        "status": status,
        "created_at": "2023-12-01T10:00:00.000000Z",
        "completed_at": "2023-12-01T10:00:05.000000Z",
        "sent_at": "2023-12-01T10:00:01.000000Z",
        "notification_type": "email",
        "template_id": template_id(row.kind),
        "template_version": 1,
    }
    data.update(changes)
    return data


def post_receipt(data, token: str | None = TOKEN, raw: bytes | None = None):
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = raw if raw is not None else json.dumps(data)
    return client.post(RECEIPTS, body, content_type="application/json", headers=headers)


@pytest.fixture
def sent_rows(notify_channel):
    queue(2)
    assert sender.send_due() == 2
    return list(Notification.objects.order_by("pk").select_related("recipient"))


def receipt_entries():
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Notification))


def test_receipts_update_the_rows_and_are_audited(sent_rows):
    delivered, bounced = sent_rows
    assert post_receipt(receipt(delivered)).status_code == 204
    assert post_receipt(receipt(bounced, "permanent-failure")).status_code == 204
    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert delivered.delivery_status == Delivery.DELIVERED
    assert bounced.delivery_status == Delivery.PERMANENT_FAILURE
    assert bounced.delivery_updated_at is not None
    entries = {e.object_pk: e for e in receipt_entries().filter(action=LogEntry.Action.UPDATE)}
    assert entries[str(bounced.pk)].changes_dict == {
        "delivery_status": ["None", "permanent-failure"]
    }
    # A later receipt (a temporary failure that became delivered) replaces the earlier one.
    assert post_receipt(receipt(bounced, "temporary-failure")).status_code == 204
    bounced.refresh_from_db()
    assert bounced.delivery_status == Delivery.TEMPORARY_FAILURE


def test_the_person_sees_whether_their_email_was_delivered(client, sent_rows):
    delivered, bounced = sent_rows
    post_receipt(receipt(delivered))
    post_receipt(receipt(bounced, "permanent-failure"))
    client.force_login(bounced.recipient)
    page = client.get(reverse("notifications:notification_detail", args=[bounced.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Not delivered" in text and "the address does not exist" in text
    client.force_login(delivered.recipient)
    listing = client.get(reverse("notifications:notification_list")).content.decode()
    assert "Delivered" in listing


def test_administrators_see_the_emails_not_delivered(client, sent_rows):
    delivered, bounced = sent_rows
    post_receipt(receipt(delivered))
    post_receipt(receipt(bounced, "permanent-failure"))
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist).content.decode()
    assert "1 email could not be delivered by GOV.UK Notify" in page
    assert "By delivery status" in page
    filtered = client.get(changelist, {"delivery_status__exact": "permanent-failure"})
    rows = filtered.context["cl"].result_list
    assert [row.pk for row in rows] == [bounced.pk]


FORGED = {
    "no token": (lambda row: receipt(row), None, None, 401),
    "wrong token": (lambda row: receipt(row), "not-the-token", None, 403),
    "the token without Bearer": (lambda row: receipt(row), "", None, 403),
    "not JSON": (None, TOKEN, b"{not json", 400),
    "not UTF-8": (None, TOKEN, b'{"id": "\xff"}', 400),
    "a JSON list": (None, TOKEN, b"[1, 2]", 400),
    "no status": (lambda row: receipt(row, status=None), TOKEN, None, 400),
    "a status receipts do not have": (lambda row: receipt(row, "sending"), TOKEN, None, 400),
    "a reference that is not ours": (lambda row: receipt(row, reference="abc"), TOKEN, None, 404),
    "a huge reference": (lambda row: receipt(row, reference="9" * 40), TOKEN, None, 404),
    "an unknown reference": (lambda row: receipt(row, reference="999999"), TOKEN, None, 404),
    "another message's id": (lambda row: receipt(row, id=str(uuid.uuid4())), TOKEN, None, 404),
    "an id given as a number": (lambda row: receipt(row, id=12), TOKEN, None, 400),
}


@pytest.mark.parametrize("case", FORGED)
def test_a_forged_receipt_is_refused_changes_nothing_and_is_audited(sent_rows, case):
    make, token, raw, status = FORGED[case]
    row = sent_rows[0]
    if token == "":
        response = Client(enforce_csrf_checks=True).post(
            RECEIPTS,
            json.dumps(receipt(row)),
            content_type="application/json",
            headers={"Authorization": TOKEN},
        )
    else:
        response = post_receipt(make(row) if make else None, token=token, raw=raw)
    assert response.status_code == status
    assert response.json()["error"]
    assert set(Notification.objects.values_list("delivery_status", flat=True)) == {""}
    [entry] = receipt_entries()
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.additional_data["refused"] is True
    assert entry.additional_data["reason"]


def test_receipts_are_refused_when_no_token_is_set(settings, sent_rows):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    response = post_receipt(receipt(sent_rows[0]), token="")
    assert response.status_code == 403
    assert set(Notification.objects.values_list("delivery_status", flat=True)) == {""}


def test_only_a_post_is_taken(sent_rows):
    client = Client()
    assert client.get(RECEIPTS, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405


def test_a_receipt_for_an_email_sent_by_smtp_is_refused(settings, sent_rows):
    row = sent_rows[0]
    Notification.objects.filter(pk=row.pk).update(notify_id="")
    assert post_receipt(receipt(row, id="")).status_code == 400
    assert post_receipt(receipt(row)).status_code == 404


# Configuration: a clear error at start-up, not a silent drop -------------------------------------


def test_the_system_check_names_the_kinds_without_a_template(settings):
    settings.EMAIL_CHANNEL = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    settings.NOTIFY_TEMPLATES = {
        kind: template_id(kind) for kind in Kind.values if kind not in ("digest", "overdue")
    }
    errors = checks.email_channel_is_set_up()
    assert [e.id for e in errors] == ["notifications.E005"]
    assert "no template for: overdue, digest" in errors[0].msg
    settings.NOTIFY_TEMPLATES = {
        **{kind: template_id(kind) for kind in Kind.values},
        "delegatd": template_id("x"),
        "reminder": "not-an-id",
    }
    messages = [e.msg for e in checks.email_channel_is_set_up()]
    assert any("kinds that do not exist: delegatd" in m for m in messages)
    assert any("not template ids for: reminder" in m for m in messages)


def test_the_system_check_passes_when_notify_is_set_up(settings):
    settings.EMAIL_CHANNEL = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    settings.NOTIFY_TEMPLATES = {kind: template_id(kind) for kind in Kind.values}
    assert checks.email_channel_is_set_up() == []
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert [e.id for e in checks.email_channel_is_set_up()] == ["notifications.W001"]
    settings.NOTIFY_API_KEY = "short"
    assert any("NOTIFY_API_KEY" in e.msg for e in checks.email_channel_is_set_up())


def test_an_unknown_channel_is_a_configuration_error(settings):
    settings.EMAIL_CHANNEL = "carrier-pigeon"
    assert [e.id for e in checks.email_channel_is_set_up()] == ["notifications.E004"]
    settings.EMAIL_CHANNEL = "smtp"
    assert checks.email_channel_is_set_up() == []


# Whatever is posted, never a 500 and never a change -------------------------------------------

JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40), st.just("9" * 30)
)


@hyp_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(
            st.sampled_from(["id", "reference", "status", "to", "extra"]), JSON_VALUES
        ).map(lambda data: json.dumps(data).encode()),
        st.lists(JSON_VALUES, max_size=3).map(lambda data: json.dumps(data).encode()),
    ),
    token=st.one_of(st.none(), st.just(TOKEN), st.text(max_size=40)),
)
def test_no_posted_body_gives_a_server_error_or_changes_a_row(sent_rows, body, token):
    response = post_receipt(None, token=token, raw=body)
    assert response.status_code in (204, 400, 401, 403, 404)
    if response.status_code != 204:
        assert set(Notification.objects.values_list("delivery_status", flat=True)) == {""}


@pytest.mark.django_db
def test_the_notify_fields_go_once_the_message_is_sent(notify_channel):
    """They may name the child; the body keeps what was sent."""
    [row] = queue(1)
    assert row.personalisation
    assert sender.send_due() == 1
    row.refresh_from_db()
    assert (row.status, row.personalisation) == (Status.SENT, {})
    assert row.body_text == "Hello 0"
