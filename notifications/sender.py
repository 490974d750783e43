"""Sending the outbox: claim a batch, send it over one connection, mark each row as it goes.

What this guarantees (README, "Notifications"): every message is sent at least once and never
lost; a sender that dies mid-batch repeats at most the one message it had in flight. To keep it:

- A sender claims a batch with a compare-and-set update that stamps the rows with its own token
  and the time (its lease). Another sender never takes a row whose lease is live.
- Each row is marked sent in its own commit the moment the mail server accepts it, so a crash
  leaves only the message in flight unmarked.
- A live sender renews its lease every quarter of OUTBOX_LEASE_SECONDS; a dead one stops
  renewing, and its rows go back to the queue once the lease runs out (2 minutes by default).
- Every message carries a Message-ID made from its row, so the one repeat a crash can cause is
  recognisable downstream as the same message. Through GOV.UK Notify (EMAIL_CHANNEL=notify,
  notifications.govuk_notify), the row's id is the message's `reference` instead.

The channel (SMTP or GOV.UK Notify) is the only part that differs: `email_channel` picks it,
and each answers open, send, failed, still_open, describe and close.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import smtplib
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import audience, govuk_notify, stale
from .govuk_notify import PERMANENT, RETRY, UNREACHABLE
from .models import ABOUT_A_LIVE_TASK, WITH_ATTACHMENTS, Notification, Status

log = logging.getLogger(__name__)

ANSWERED = "the task was answered or taken back before it was sent"
DEALT_WITH = "what it is about was dealt with before it was sent"

# Minutes to wait before each retry: quick at first, then backing off.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)


def lease_seconds() -> int:
    return settings.OUTBOX_LEASE_SECONDS


def message_id(notification: Notification, domain: str | None = None) -> str:
    """The same for every attempt at one row, and different for every row: the row's id and
    the moment it was queued (UTC), at the sending domain."""
    domain = domain or sending_domain()
    stamp = notification.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"<notification-{notification.pk}-{stamp}@{domain}>"


def sending_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def email_for(
    notification: Notification, connection=None, domain: str | None = None
) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification, domain)},
        connection=connection,
    )
    email.attach_alternative(notification.body_html, "text/html")
    if notification.kind in WITH_ATTACHMENTS:
        # One query, for the few kinds that carry files (the packs): a MIME part each.
        for attachment in notification.attachments.all():
            email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return email


# Claims and leases ----------------------------------------------------------------------------


def release_expired(now: dt.datetime) -> int:
    """Rows claimed by a sender that stopped renewing its lease (it died) go back to the queue."""
    expired = now - dt.timedelta(seconds=lease_seconds())
    return Notification.objects.filter(status=Status.SENDING, claimed_at__lt=expired).update(
        status=Status.PENDING, claimed_by=""
    )


def claim_batch(now: dt.datetime, size: int, token: str) -> list[Notification]:
    """Claim up to `size` due rows for this sender. The update only takes rows still pending,
    so two senders never claim one row; on PostgreSQL they also skip each other's locked rows
    instead of waiting."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, by_digest=False, send_after__lte=now)
            .order_by("send_after", "id")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.SENDING, claimed_by=token, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(
        held(token)
        .select_related("recipient", "task")
        .only(*SENDING_FIELDS)
        .order_by("send_after", "id")
    )


# What sending and the last checks read: not the in-app fields, nor the people's other details.
SENDING_FIELDS = (
    "kind",
    "key",
    "subject",
    "body_text",
    "body_html",
    "attempts",
    "created_at",
    "send_after",
    "concern_id",
    "child_id",
    "personalisation",
    "recipient__email",
    "task__state",
)


def held(token: str):
    return Notification.objects.filter(claimed_by=token, status=Status.SENDING)


class Lease:
    """This sender's hold on its batch, renewed every quarter of the lease while it sends.

    A row's lease cannot run out sooner than OUTBOX_LEASE_SECONDS after it was last renewed,
    so a message started within a quarter of that is still this sender's to send. The clock
    moves on from the `now` the batch was claimed with, so a sender run with a given `now`
    (tests, catching up) keeps its leases on the same timeline as its claims.
    """

    def __init__(self, token: str, now: dt.datetime):
        self.token = token
        self.renewed_at = now
        self.renewed = time.monotonic()

    def still_held(self, pks: list[int]) -> set[int] | None:
        """None while the lease is fresh; otherwise renew it and say which rows are still ours
        (an administrator, or a sender that saw our lease run out, may have taken some)."""
        elapsed = time.monotonic() - self.renewed
        if elapsed < lease_seconds() / 4:
            return None
        self.renewed_at += dt.timedelta(seconds=elapsed)
        self.renewed += elapsed
        held(self.token).filter(pk__in=pks).update(claimed_at=self.renewed_at)
        return set(held(self.token).filter(pk__in=pks).values_list("pk", flat=True))


# The last look before sending -------------------------------------------------------------------


def answered_before_sent(rows: list[Notification]) -> dict[int, str]:
    """A chase queued overnight for something dealt with before the morning is not sent."""
    reasons = {}
    for row in rows:
        task = row.task
        if row.kind in ABOUT_A_LIVE_TASK and task is not None:
            if task.state != "active":
                reasons[row.pk] = ANSWERED
        elif not stale.still_needed(row.kind, row.key):
            reasons[row.pk] = DEALT_WITH
    return reasons


def no_longer_to_hear(rows: list[Notification]) -> dict[int, str]:
    """A message queued before the child's record was restricted, or before the reader was
    taken off it, is not sent (nor a digest listing one): the rule each app registered with
    notifications.audience, one query for the whole batch per rule."""
    return audience.reasons_not_to_send(row.pk for row in rows)


# Each check is given the claimed batch just before it is sent and returns the rows that must not
# go, each with the reason. A new last-moment check is one more function here. The rows hold
# SENDING_FIELDS only: a check that needs more reads it for the whole batch in one query, not row
# by row.
BATCH_CHECKS: list[Callable[[list[Notification]], dict[int, str]]] = [
    no_longer_to_hear,
    answered_before_sent,
]


def not_needed(rows: list[Notification], token: str) -> set[int]:
    """Run every check on a claimed batch and mark the rows that must not go. Their ids."""
    reasons: dict[int, str] = {}
    for check in BATCH_CHECKS:
        reasons.update(check([row for row in rows if row.pk not in reasons]))
    by_reason = defaultdict(list)
    for pk, reason in reasons.items():
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():
        held(token).filter(pk__in=pks).update(
            status=Status.NOT_NEEDED, claimed_by="", not_needed_reason=reason[:200]
        )
        log.info("Not sending %s message(s) %s: %s", len(pks), pks, reason)
    if reasons:
        back_to_the_queue(list(reasons))
    return set(reasons)


def back_to_the_queue(digest_pks: list[int]) -> int:
    """A digest not sent loses none of what it carried: its items go back to wait for the next
    digest, but for those the reader may no longer hear about. How many went back."""
    items = Notification.objects.filter(digest_id__in=digest_pks, status=Status.IN_DIGEST)
    audience.set_aside(items)
    return items.filter(status=Status.IN_DIGEST).update(status=Status.PENDING, digest=None)


# Outcomes -------------------------------------------------------------------------------------


def _mark_sent(row: Notification, token: str, provider_id: str = "") -> None:
    """Its own commit (autocommit), the moment the server accepted it, with the id the channel
    gave it (GOV.UK Notify's; SMTP gives none). The Notify fields are no longer needed and may
    name the child: they go (the body keeps what was sent). One plain statement: at hundreds of
    messages a second, building the same ORM update each time costs more than running it."""
    table = Notification._meta.db_table
    sent_at = db.ops.adapt_datetimefield_value(timezone.now())
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, last_error = '', claimed_by = '',"
            " notify_id = %s, personalisation = '{}'"
            " WHERE id = %s AND claimed_by = %s AND status = %s",
            [Status.SENT.value, sent_at, provider_id, row.pk, token, Status.SENDING.value],
        )


def _failed(
    rows: list[Notification],
    error: BaseException,
    now: dt.datetime,
    token: str,
    *,
    permanent: bool = False,
    text: str = "",
) -> None:
    """Back to the queue after a back-off, or failed for good after OUTBOX_MAX_ATTEMPTS (or at
    once, when the channel says it can never be sent: GOV.UK Notify's 400)."""
    text = (text or f"{type(error).__name__}: {error}")[:2000]
    by_attempts = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts].append(row.pk)
    for attempts, pks in by_attempts.items():
        final = permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS
        wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        held(token).filter(pk__in=pks).update(
            status=Status.FAILED if final else Status.PENDING,
            send_after=now + dt.timedelta(minutes=wait),
            last_error=text,
            claimed_by="",
        )
    log.warning("%s message(s) failed: %s", len(rows), text)


def _drop(connection) -> None:
    """Forget a connection after an error without saying goodbye: a server that stopped
    answering would hold up a polite QUIT for another EMAIL_TIMEOUT."""
    smtp = getattr(connection, "connection", None)
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
        connection.connection = None


# Sending ----------------------------------------------------------------------------------------


def connection_lost(error: BaseException) -> bool:
    """A timeout or a dropped connection, as opposed to the server refusing one message."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


class SmtpChannel:
    """Sends a batch over one SMTP connection (EMAIL_BACKEND). The other channel, GOV.UK
    Notify, is notifications.govuk_notify.NotifyChannel; both answer the same six calls."""

    name = "smtp"

    def __init__(self):
        self.connection = get_connection()
        self.domain = sending_domain()

    def open(self) -> None:
        self.connection.open()

    def send(self, row: Notification) -> str:
        """Send one message; the id the channel gave it (SMTP gives none)."""
        accepted = self.connection.send_messages([email_for(row, self.connection, self.domain)])
        if not accepted:
            raise ValueError("the mail server did not accept the message")
        return ""

    def failed(self, error: BaseException) -> str:
        """After a failure: forget the connection, and say what the sender does next. A server
        that refused one message is tried again later for it (SMTP has no "never")."""
        _drop(self.connection)
        return UNREACHABLE if connection_lost(error) else RETRY

    def still_open(self) -> bool:
        return getattr(self.connection, "connection", None) is not None

    def describe(self, error: BaseException) -> str:
        return f"{type(error).__name__}: {error}"

    def close(self) -> None:
        self.connection.close()


def email_channel() -> SmtpChannel | govuk_notify.NotifyChannel:
    """EMAIL_CHANNEL: "smtp" (the default) or "notify" (README, "GOV.UK Notify")."""
    return govuk_notify.NotifyChannel() if govuk_notify.is_chosen() else SmtpChannel()


class ServerUnreachable(Exception):
    """The mail server could not be reached, or stopped answering: stop this run. `sent` says
    how many of the batch went before it did."""

    def __init__(self, message: str, sent: int):
        super().__init__(message)
        self.sent = sent


def send_batch(rows: list[Notification], lease: Lease, now: dt.datetime) -> int:
    """Send a claimed batch over one connection of the chosen channel (SMTP, or GOV.UK Notify:
    `email_channel`). Returns how many were sent; raises ServerUnreachable (after recording the
    failure on every row left) if the server cannot be reached. Whatever happens, no row is
    left claimed when it returns."""
    token = lease.token
    channel = email_channel()
    is_open = False
    left = list(rows)
    sent = 0
    try:
        while left:
            still = lease.still_held([row.pk for row in left])
            if still is not None:
                left = [row for row in left if row.pk in still]
                if not left:
                    break
            row = left[0]
            if not is_open:
                try:
                    channel.open()
                except Exception as error:  # refused, timed out, bad TLS: all the same here
                    _failed(left, error, now, token, text=channel.describe(error))
                    left = []
                    raise ServerUnreachable(str(error), sent) from error
                is_open = True
            try:
                provider_id = channel.send(row)
            except SoftTimeLimitExceeded:
                raise  # not the message's fault: released below, tried again by the next run
            except Exception as error:  # any failure is retried, then shown, unless permanent
                left.pop(0)
                verdict = channel.failed(error)
                text = channel.describe(error)
                _failed([row], error, now, token, permanent=verdict == PERMANENT, text=text)
                is_open = channel.still_open()
                if verdict == UNREACHABLE:
                    # Timed out or cut off: the rest of the batch would only wait as long.
                    _failed(left, error, now, token, text=text)
                    left = []
                    raise ServerUnreachable(text, sent) from error
                continue
            left.pop(0)
            _mark_sent(row, token, provider_id)
            sent += 1
    finally:
        if is_open:
            try:
                channel.close()
            except Exception as error:  # noqa: BLE001 - the messages are already marked sent
                log.warning("Closing the mail connection failed: %s", error)
        if left:
            # Cut short (a time limit, a lost database): back to the queue, not stuck.
            held(token).filter(pk__in=[row.pk for row in left]).update(
                status=Status.PENDING, claimed_by=""
            )
    return sent


def send_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send the messages that are due, a batch at a time, up to `limit`. Returns how many were
    sent. A mail server that cannot be reached ends the run: the next run tries again."""
    now = now or timezone.now()
    release_expired(now)
    token = f"{socket.gethostname()[:40]}:{secrets.token_hex(6)}"
    size = settings.OUTBOX_BATCH_SIZE
    claimed = sent = 0
    while claimed < limit:
        rows = claim_batch(now, min(size, limit - claimed), token)
        if not rows:
            break
        lease = Lease(token, now)
        claimed += len(rows)
        skip = not_needed(rows, token)
        try:
            sent += send_batch([row for row in rows if row.pk not in skip], lease, now)
        except ServerUnreachable as error:
            sent += error.sent
            log.warning("The mail server could not be reached; the next run tries again: %s", error)
            break
    return sent


def retry(notifications) -> int:
    """Put failed messages back in the queue (the administrators' "retry" action)."""
    return notifications.filter(status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, send_after=timezone.now(), last_error=""
    )
