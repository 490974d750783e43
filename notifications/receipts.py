"""GOV.UK Notify's delivery receipts (README, "GOV.UK Notify").

Notify POSTs a JSON receipt for each message it sent: its id, our `reference` (the outbox row's
id), the address, and the status (delivered, permanent-failure, temporary-failure,
technical-failure). It sends the bearer token set for receipts in Notify, which must be
NOTIFY_CALLBACK_TOKEN (compared in constant time). A receipt is taken only if the token is
right, the body is a receipt, and it names a row this service sent through Notify with that
same id: anything else is refused (4xx), changes nothing, and is written in the audit trail.
"""

from __future__ import annotations

import hmac
import json
import logging

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import Delivery, Notification

log = logging.getLogger(__name__)

# A receipt is a few hundred bytes; anything much larger is not one.
MAX_BODY_BYTES = 16 * 1024


class Refused(Exception):
    """A receipt not taken: the HTTP status to answer and why (in the audit trail)."""

    def __init__(self, status: int, reason: str, reference: str = ""):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.reference = reference


def check_token(authorization: str) -> None:
    token = settings.NOTIFY_CALLBACK_TOKEN
    if not token:
        raise Refused(403, "receipts are not set up (NOTIFY_CALLBACK_TOKEN is empty)")
    if not authorization:
        raise Refused(401, "no bearer token")
    if not hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        raise Refused(403, "wrong bearer token")


def parse(body: bytes) -> dict:
    if len(body) > MAX_BODY_BYTES:
        raise Refused(400, "too large to be a receipt")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "not a JSON object")
    fields = {name: data.get(name) for name in ("id", "reference", "status")}
    if not all(isinstance(value, str) and value for value in fields.values()):
        raise Refused(400, "id, reference and status are not all given as text")
    if fields["status"] not in Delivery.values:
        raise Refused(400, "not a status a receipt has", fields["reference"][:40])
    reference = fields["reference"]
    if not (reference.isascii() and reference.isdigit() and len(reference) <= 18):
        raise Refused(404, "no message has this reference", fields["reference"][:40])
    return fields


def record(body: bytes, authorization: str) -> Notification:
    """Take one receipt: the row's delivery status is updated and written in the audit trail.
    Raises Refused (after writing the refusal in the trail) for anything that is not a receipt
    for a message this service sent."""
    try:
        check_token(authorization)
        receipt = parse(body)
        return _apply(receipt)
    except Refused as refused:
        _audit_refusal(refused)
        log.warning("GOV.UK Notify receipt refused: %s", refused.reason)
        raise


def _apply(receipt: dict) -> Notification:
    pk = int(receipt["reference"])
    row = (
        Notification.objects.filter(pk=pk, notify_id=receipt["id"])
        .exclude(notify_id="")
        .only("pk", "delivery_status", "notify_id")
        .first()
    )
    if row is None:
        raise Refused(404, "no message sent through Notify has this reference and id", str(pk))
    before = row.delivery_status
    now = timezone.now()
    Notification.objects.filter(pk=pk, notify_id=receipt["id"]).update(
        delivery_status=receipt["status"], delivery_updated_at=now
    )
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Notification),
        object_pk=str(pk),
        object_id=pk,
        object_repr=f"Notification {pk}",
        action=LogEntry.Action.UPDATE,
        changes={"delivery_status": [before or "None", receipt["status"]]},
        additional_data={"receipt": "GOV.UK Notify", "notify_id": receipt["id"]},
        cid=get_cid(),
    )
    row.delivery_status = receipt["status"]
    row.delivery_updated_at = now
    return row


def _audit_refusal(refused: Refused) -> None:
    """The trail names the refusal's reason and the reference it gave, nothing of the body."""
    reference = refused.reference
    exists = reference.isascii() and reference.isdigit() and len(reference) <= 18
    exists = exists and Notification.objects.filter(pk=int(reference)).exists()
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Notification),
        object_pk=reference if exists else "",
        object_id=int(reference) if exists else None,
        object_repr=f"Notification {reference}" if exists else "GOV.UK Notify receipt",
        action=LogEntry.Action.ACCESS,
        additional_data={"refused": True, "receipt": "GOV.UK Notify", "reason": refused.reason},
        cid=get_cid(),
    )
