"""GOV.UK Notify as the email channel (README, "GOV.UK Notify"), beside SMTP.

Chosen with EMAIL_CHANNEL=notify. Each message kind is sent with the Notify template that
NOTIFY_TEMPLATES maps it to, and that template is given the kind's personalisation: the fields
below, worked out when the message is queued (with the subject and body, and naming children as
EMAIL_CHILD_NAMES says), and kept on the row so that every attempt sends the same. A template
uses them as ((placeholders)). Every kind is given the common fields; the kind's own fields let
a council word a template its own way. Nothing else of the message's context is sent.

The sender (notifications.sender) sends a claimed batch through one `NotifyChannel`: one client,
so one HTTPS connection kept open for the batch. What Notify answers decides what happens to the
row: accepted (its id kept, the row marked sent at once); refused for the message itself (400:
bad template, missing personalisation, bad address), failed for good; throttled (429), down
(5xx) or not answering (timeout), retried with the outbox's back-off; the key refused (401,
403), the run stops and the rows wait, as for an SMTP server that cannot be reached.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from notifications_python_client.utils import prepare_upload

from .models import WITH_ATTACHMENTS, Kind, Notification

log = logging.getLogger(__name__)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# An API key is "<name>-<service id>-<secret>": two UUIDs at its end.
API_KEY = re.compile(r"^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$", re.IGNORECASE)


# Personalisation -------------------------------------------------------------------------------

Field = Callable[[dict], str]


def _value(context: dict, path: str):
    """`task.due_on` from the context, or None anywhere along the way. A display method
    (`get_kind_display`) is called."""
    first, *rest = path.split(".")
    value = context.get(first)
    for name in rest:
        if value is None:
            return None
        value = getattr(value, name, None)
        if callable(value):
            value = value()
    return value


def text(path: str) -> Field:
    def field(context: dict) -> str:
        value = _value(context, path)
        return "" if value is None else str(value)

    return field


def date(path: str) -> Field:
    """A date as GOV.UK writes it: "8 December 2023"."""

    def field(context: dict) -> str:
        value = _value(context, path)
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date()
        return f"{value:%-d %B %Y}" if isinstance(value, dt.date) else ""

    return field


def moment(path: str) -> Field:
    """A time and day: "2:30pm on 8 December 2023" (Europe/London)."""

    def field(context: dict) -> str:
        value = _value(context, path)
        if not isinstance(value, dt.datetime):
            return ""
        local = timezone.localtime(value)
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'} on {local:%-d %B %Y}"

    return field


def bullets(path: str) -> Field:
    """A list of lines as Notify's markdown bullets, one "* " line each."""

    def field(context: dict) -> str:
        value = _value(context, path) or []
        return "\n".join(f"* {line}" for line in value)

    return field


def count(path: str) -> Field:
    def field(context: dict) -> str:
        value = _value(context, path)
        return str(len(value)) if value is not None else "0"

    return field


# Every kind's template is given these: enough for one plain template, "((body))", for all.
COMMON = ("name", "subject", "body", "link", "service_name")

# The child (named as EMAIL_CHILD_NAMES says) and the concern a message is about.
ABOUT_A_CONCERN = {"child": text("child"), "concern_reference": text("concern.reference")}
ABOUT_A_TASK = {
    **ABOUT_A_CONCERN,
    "stage": text("stage.protocol_stage.label"),
    "due_date": date("task.due_on"),
}
ABOUT_A_CHILD = {"child": text("child")}
PACK = {"title": text("title"), "period": text("period"), "headline": bullets("headline")}

# Each kind's own fields, beside COMMON. A new kind needs its line here: the system check
# `notify_templates_are_complete` and tests/notifications/test_notify.py say so.
PERSONALISATION: dict[str, dict[str, Field]] = {
    Kind.DELEGATED: {**ABOUT_A_TASK, "raised_by": text("concern.raised_by.full_name")},
    Kind.COPIED: {**ABOUT_A_TASK, "assignee": text("assignee.full_name")},
    Kind.ESCALATED: {**ABOUT_A_TASK, "raised_by": text("concern.raised_by.full_name")},
    Kind.RESPONDED: {**ABOUT_A_TASK, "assignee": text("assignee.full_name")},
    Kind.OUTCOME: {**ABOUT_A_CONCERN, "stage": text("stage.protocol_stage.label")},
    Kind.RETRACTED: ABOUT_A_TASK,
    Kind.REACTIVATED: ABOUT_A_TASK,
    Kind.REMINDER: ABOUT_A_TASK,
    Kind.DUE_TODAY: ABOUT_A_TASK,
    Kind.OVERDUE: ABOUT_A_TASK,
    Kind.OVERDUE_COPY: {**ABOUT_A_TASK, "assignee": text("assignee.full_name")},
    Kind.ESCALATE_PROMPT: {**ABOUT_A_TASK, "days_late": text("days_late")},
    Kind.FORMAL_LIMIT_NEAR: {**ABOUT_A_CONCERN, "limit": text("limit")},
    Kind.FORMAL_LIMIT_PASSED: {**ABOUT_A_CONCERN, "limit": text("limit")},
    Kind.ACTION_OVERDUE: {**ABOUT_A_CONCERN, "due_date": date("action.due_on")},
    Kind.GOOD_PRACTICE: {
        **ABOUT_A_CHILD,
        "author": text("note.author.full_name"),
        "practitioner": text("note.recipient.full_name"),
    },
    Kind.DIGEST: {"day": date("day"), "count": count("items")},
    Kind.TEAM_DIGEST: {"day": date("day"), "count": count("rows")},
    Kind.SIGNIFICANT_CHANGE: {
        **ABOUT_A_CHILD,
        "change": text("change.get_kind_display"),
        "occurred_on": date("change.occurred_on"),
    },
    Kind.EARLY_REVIEW_DECISION: {
        **ABOUT_A_CHILD,
        "change": text("change.get_kind_display"),
        "occurred_on": date("change.occurred_on"),
        "decision": text("change.get_decision_display"),
        "early_review_by": date("change.early_review_by"),
    },
    Kind.REVIEW_DECISIONS: {**ABOUT_A_CHILD, "due_date": date("step.due_on")},
    Kind.AGREED_BY_SILENCE: {**ABOUT_A_CHILD, "review_date": date("review.held_on")},
    Kind.REVIEW_STEP_DUE: {
        **ABOUT_A_CHILD,
        "step": text("step.get_kind_display"),
        "due_date": date("step.due_on"),
    },
    Kind.REVIEW_STEP_OVERDUE: {
        **ABOUT_A_CHILD,
        "step": text("step.get_kind_display"),
        "due_date": date("step.due_on"),
        "days_late": text("days_late"),
    },
    Kind.REVIEW_DUE: {**ABOUT_A_CHILD, "meeting": text("meeting"), "due_date": date("due_on")},
    Kind.QAPR_DUE: {**ABOUT_A_CHILD, "due_date": date("due_on")},
    Kind.QAPR_REOPENED: {**ABOUT_A_CHILD, "qapr_reference": text("qapr.reference")},
    Kind.RECOMMENDATION_OVERDUE: {
        **ABOUT_A_CHILD,
        "due_date": date("recommendation.due_on"),
        "days_late": text("days_late"),
    },
    Kind.IMMEDIATE_SAFEGUARDING: {**ABOUT_A_CONCERN, "contact_due": moment("contact.due_at")},
    Kind.SAFEGUARDING_CONTACT_DUE: {**ABOUT_A_CONCERN, "contact_due": moment("contact.due_at")},
    Kind.IMPORT_FINISHED: {"import": text("run.kind_label"), "files": text("run.file_names")},
    # The pack's PDF goes as Notify's download link, ((link_to_file)): Notify sends no
    # attachments. The link is made when the message is sent (see NotifyChannel.send).
    Kind.CLINIC_PACK: PACK,
    Kind.THEMES_REPORT: PACK,
}


def fields_for(kind: str) -> tuple[str, ...]:
    """The names a kind's Notify template may use, common ones first."""
    files = ("link_to_file",) if kind in WITH_ATTACHMENTS else ()
    return (*COMMON, *PERSONALISATION.get(kind, {}), *files)


def personalisation(kind: str, context: dict, *, subject: str, body: str, link: str) -> dict:
    """What the kind's template is given: the common fields and the kind's own, every one
    present (Notify refuses a message missing a placeholder's value), each a string. A field
    that cannot be worked out is left empty, so queueing never fails the change that caused it."""
    values = {
        "name": getattr(context.get("recipient"), "full_name", ""),
        "subject": subject,
        "body": body,
        "link": link,
        "service_name": settings.SERVICE_NAME,
    }
    for name, field in PERSONALISATION.get(kind, {}).items():
        try:
            values[name] = field(context)
        except Exception as error:  # noqa: BLE001 - a message must never fail the change itself
            log.warning("Notify field %s of a %s message left empty: %s", name, kind, error)
            values[name] = ""
    return values


# Configuration ---------------------------------------------------------------------------------


def is_chosen() -> bool:
    return settings.EMAIL_CHANNEL == "notify"


def template_for(kind: str) -> str:
    return settings.NOTIFY_TEMPLATES[kind]


def configuration_errors() -> list[str]:
    """What is wrong with the Notify settings, in words (none while SMTP is chosen)."""
    if not is_chosen():
        return []
    problems = []
    if not API_KEY.match(settings.NOTIFY_API_KEY or ""):
        problems.append(
            "NOTIFY_API_KEY is not set, or is not a GOV.UK Notify API key"
            " (<key name>-<service id>-<secret>)."
        )
    templates = settings.NOTIFY_TEMPLATES
    if not isinstance(templates, dict):
        return [*problems, "NOTIFY_TEMPLATES is not a JSON object of kind: template id."]
    missing = [kind.value for kind in Kind if not templates.get(kind.value)]
    if missing:
        problems.append(f"NOTIFY_TEMPLATES has no template for: {', '.join(missing)}.")
    unknown = sorted(set(templates) - set(Kind.values))
    if unknown:
        problems.append(f"NOTIFY_TEMPLATES names kinds that do not exist: {', '.join(unknown)}.")
    bad = sorted(k for k, v in templates.items() if k in Kind.values and v and not _is_uuid(v))
    if bad:
        names = ", ".join(bad)
        problems.append(f"NOTIFY_TEMPLATES has ids that are not template ids for: {names}.")
    return problems


def _is_uuid(value) -> bool:
    return isinstance(value, str) and bool(UUID.match(value))


# Sending ---------------------------------------------------------------------------------------

# What the sender does after a failure (notifications.sender.send_batch).
RETRY = "retry"  # this message, later, with back-off
PERMANENT = "permanent"  # this message never: failed for good
UNREACHABLE = "unreachable"  # nothing more this run: the rest of the batch waits


def verdict(error: BaseException) -> str:
    """A 400 is about the message (Notify's "BadRequestError": the template, a placeholder, the
    address), failed for good. 401 and 403 are about our key and 429 (too many requests) about
    our rate, so the rest of the batch would fail the same: stop the run, every row left retried
    with back-off. A 5xx is Notify's trouble with this message: retried with back-off, the
    batch goes on. A timeout or lost connection (the client's 503 without a response) stops
    the run, as a mail server that stops answering does."""
    if not isinstance(error, APIError):
        return RETRY
    status = error.status_code
    if status in (401, 403, 429) or error.response is None:
        return UNREACHABLE
    if status >= 500:
        return RETRY
    if 400 <= status < 500:
        return PERMANENT
    return RETRY


def describe(error: BaseException) -> str:
    if isinstance(error, APIError):
        message = error.message
        if isinstance(message, list):  # Notify's [{"error": "BadRequestError", "message": ...}]
            message = "; ".join(
                f"{item.get('error', '')}: {item.get('message', '')}"
                if isinstance(item, dict)
                else str(item)
                for item in message
            )
        if error.response is None:
            return f"GOV.UK Notify could not be reached: {error.__cause__ or message}"
        return f"GOV.UK Notify answered {error.status_code}: {message}"
    return f"{type(error).__name__}: {error}"


class NotifyChannel:
    """Sends a batch through GOV.UK Notify: one client (one kept-open connection) a batch."""

    name = "notify"

    def __init__(self):
        base_url = settings.NOTIFY_BASE_URL or None
        kwargs = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY, timeout=settings.EMAIL_TIMEOUT, **kwargs
        )

    def open(self) -> None:
        """Nothing to do: the first request connects, the rest of the batch reuses it."""

    def send(self, row: Notification) -> str:
        """Send one message; Notify's id for it. The reference is the row's id, the same on
        every attempt, so a repeat is recognisable in Notify and in its receipts."""
        answer = self.client.send_email_notification(
            email_address=row.recipient.email,
            template_id=template_for(row.kind),
            personalisation={**_complete(row), **_files(row)},
            reference=str(row.pk),
        )
        notify_id = (answer or {}).get("id")
        if not notify_id:
            raise ValueError("GOV.UK Notify did not say it accepted the message")
        return str(notify_id)[:64]

    def failed(self, error: BaseException) -> str:
        return verdict(error)

    def still_open(self) -> bool:
        return True  # the client reconnects by itself on the next request

    def describe(self, error: BaseException) -> str:
        return describe(error)

    def close(self) -> None:
        self.client.request_session.close()


def _files(row: Notification) -> dict:
    """A message's file (a pack's PDF) as Notify's upload, the recipient asked to confirm their
    email address before it downloads, since the pack names no child but is the council's."""
    attachment = row.attachments.first() if row.kind in WITH_ATTACHMENTS else None
    if attachment is None:
        return {}
    upload = prepare_upload(
        io.BytesIO(bytes(attachment.content)),
        filename=attachment.filename,
        confirm_email_before_download=True,
    )
    return {"link_to_file": upload}


def _complete(row: Notification) -> dict:
    """The row's personalisation; a row queued before it was kept gets the common fields from
    what the row holds, and the kind's own left empty, rather than Notify refusing it."""
    values = dict.fromkeys(fields_for(row.kind), "")
    values.update(
        {"subject": row.subject, "body": row.body_text, "link": "", "service_name": ""}
        if not row.personalisation
        else row.personalisation
    )
    return values
