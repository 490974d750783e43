"""The outbox: queue a message in the caller's transaction, then send it once.

`notify` is called by the pathway's services inside their transaction, so a message exists if
and only if the change that caused it was saved. The worker (and a periodic job, in case the
broker was down) sends pending rows in claimed batches: see notifications.sender.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from prp.models import User

from . import audience, govuk_notify, naming, receipts
from .models import DIGESTIBLE, Attachment, Kind, Notification

# Sending lives in notifications.sender (batches over one connection, leases, Message-ID); these
# names stay importable from here, where the jobs, the admin and the tests have always found them.
from .sender import BACKOFF_MINUTES, release_expired, retry, send_due

log = logging.getLogger(__name__)


@dataclass
class Message:
    """One message to queue: who, what kind, and what makes it unique."""

    recipient: User
    kind: str
    key: str
    context: dict = field(default_factory=dict)
    url: str = ""
    concern: object = None
    task: object = None
    child: object = None
    send_after: dt.datetime | None = None
    # What a team digest lists: each is checked again before it is sent (notifications.audience).
    concerns: list = field(default_factory=list)
    # Files sent with it: (filename, content, content type), e.g. a pack as a PDF.
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else settings.SITE_URL


def render_plain(template_name: str, context: dict) -> str:
    """Plain text is not HTML: render it unescaped, so "O'Neil" does not become "O&#x27;Neil"."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML for a message, from its kind's three templates."""
    base = f"notifications/email/{kind}"
    subject = " ".join(render_plain(f"{base}-subject.txt", context).split())
    text = render_plain(f"{base}-body.txt", context).strip() + "\n"
    html = render_to_string(f"{base}-body.html", context)
    return subject[:250], text, html


def _row(message: Message, now: dt.datetime) -> Notification:
    context = {
        **naming.for_email(message.context),
        "recipient": message.recipient,
        "url": absolute(message.url),
        "service_name": settings.SERVICE_NAME,
        "authority_name": settings.AUTHORITY_NAME,
    }
    subject, text, html = render(message.kind, context)
    fields = govuk_notify.personalisation(
        message.kind, context, subject=subject, body=text, link=context["url"]
    )
    return Notification(
        recipient=message.recipient,
        kind=message.kind,
        key=message.key[:200],
        subject=subject,
        body_text=text,
        body_html=html,
        personalisation=fields,
        url=message.url,
        concern=message.concern,
        task=message.task,
        child=message.child,
        by_digest=message.kind in DIGESTIBLE and message.recipient.wants_daily_digest,
        created_at=now,
        send_after=message.send_after or now,
    )


def notify(*messages: Message) -> int:
    """Queue messages in the current transaction. A key already queued is left alone, so
    running the same job twice, or two at once, never makes a second message."""
    now = timezone.now()
    rows = []
    seen = set()
    wanted = [
        message
        for message in messages
        if message.recipient is not None and message.recipient.is_active
    ]
    # The last check at queueing, so no new message can get it wrong: the pathway already
    # chooses recipients with it in mind (copy lists, good practice notes, digests).
    for message in audience.may_hear(wanted):
        if message.key in seen:
            continue
        seen.add(message.key)
        rows.append(_row(message, now))
    if not rows:
        return 0
    keys = [row.key for row in rows]
    already = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [row for row in rows if row.key not in already]
    # ignore_conflicts covers a concurrent job that queued the same key a moment ago.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    fresh_keys = {row.key for row in fresh}
    _list_concerns([m for m in messages if m.concerns and m.key[:200] in fresh_keys])
    _attach([m for m in messages if m.attachments and m.key[:200] in fresh_keys])
    transaction.on_commit(wake_sender)
    return len(fresh)


def _list_concerns(messages: list[Message]) -> None:
    """Record what each digest lists, so the sender can check it again before it goes."""
    if not messages:
        return
    ids = dict(
        Notification.objects.filter(key__in=[m.key[:200] for m in messages]).values_list(
            "key", "pk"
        )
    )
    through = Notification.listed_concerns.through
    through.objects.bulk_create(
        [
            through(notification_id=ids[m.key[:200]], concern_id=concern.pk)
            for m in messages
            for concern in {c.pk: c for c in m.concerns}.values()
        ],
        ignore_conflicts=True,
    )


def _attach(messages: list[Message]) -> None:
    """Store each message's files with its row. A file is kept once per row and name, so a
    concurrent job that queued the same message a moment ago adds nothing."""
    if not messages:
        return
    ids = dict(
        Notification.objects.filter(key__in=[m.key[:200] for m in messages]).values_list(
            "key", "pk"
        )
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                notification_id=ids[m.key[:200]],
                filename=filename[:200],
                content=content,
                content_type=content_type,
            )
            for m in messages
            for filename, content, content_type in m.attachments
        ],
        ignore_conflicts=True,
    )


def wake_sender() -> None:
    """Ask a worker to send now. If the broker is down the page still succeeds: the rows are
    pending and the periodic sender sends them when it is back."""
    from .tasks import send_outbox

    try:
        send_outbox.apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - any broker failure must not fail the request
        log.warning("Could not wake the sender, the periodic job will send: %s", error)


def mark_read(user: User, pk: int | None = None) -> int:
    unread = audience.hearable(Notification.objects.filter(recipient=user), user)
    unread = unread.filter(read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def record_receipt(body: bytes, authorization: str) -> Notification:
    """GOV.UK Notify's delivery receipt for one message: its row's delivery status updated and
    audited (notifications.receipts). Raises receipts.Refused, audited too, for anything that
    is not a receipt for a message sent through Notify."""
    return receipts.record(body, authorization)


__all__ = ["BACKOFF_MINUTES", "Kind", "Message", "notify", "release_expired", "retry", "send_due"]
