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

from .models import DIGESTIBLE, Kind, Notification

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
        **message.context,
        "recipient": message.recipient,
        "url": absolute(message.url),
        "service_name": settings.SERVICE_NAME,
        "authority_name": settings.AUTHORITY_NAME,
    }
    subject, text, html = render(message.kind, context)
    return Notification(
        recipient=message.recipient,
        kind=message.kind,
        key=message.key[:200],
        subject=subject,
        body_text=text,
        body_html=html,
        url=message.url,
        concern=message.concern,
        task=message.task,
        child=message.child,
        by_digest=message.kind in DIGESTIBLE and message.recipient.wants_daily_digest,
        created_at=now,
        send_after=message.send_after or now,
    )


def may_hear(messages: list[Message]) -> list[Message]:
    """The messages whose recipient may be told of what they are about.

    A message about a restricted child, or a concern about one, goes only to people named on
    (or allocated to) the child; to anyone else it is dropped. The pathway chooses recipients
    with this in mind (copy lists, good practice notes, digests); this is the last check, so no
    new message can get it wrong. Costs one query per call, and one per restricted message.
    """
    from escalations.models import ConcernChild

    concern_ids = {message.concern.pk for message in messages if message.concern is not None}
    restricted = set()
    if concern_ids:
        restricted = set(
            ConcernChild.objects.filter(
                concern_id__in=concern_ids, child__restricted=True
            ).values_list("concern_id", flat=True)
        )
    return [message for message in messages if _may_be_told(message, restricted)]


def _may_be_told(message: Message, restricted_concerns: set[int]) -> bool:
    # Imported here: the pathway's apps build on the outbox, not the other way round.
    from cases.selectors import may_see_child
    from escalations.selectors import hides_restricted_child

    concern, child, person = message.concern, message.child, message.recipient
    restricted = concern is not None and concern.pk in restricted_concerns
    if restricted and hides_restricted_child(person, concern.pk):
        return False
    return child is None or not child.restricted or may_see_child(person, child)


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
    for message in may_hear(wanted):
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
    transaction.on_commit(wake_sender)
    return len(fresh)


def wake_sender() -> None:
    """Ask a worker to send now. If the broker is down the page still succeeds: the rows are
    pending and the periodic sender sends them when it is back."""
    from .tasks import send_outbox

    try:
        send_outbox.apply_async(retry=False)
    except Exception as error:  # noqa: BLE001 - any broker failure must not fail the request
        log.warning("Could not wake the sender, the periodic job will send: %s", error)


def mark_read(user: User, pk: int | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


__all__ = ["BACKOFF_MINUTES", "Kind", "Message", "notify", "release_expired", "retry", "send_due"]
