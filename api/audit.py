"""Every API call is written down against its client; every child or concern it returned is
written down as viewed, so the record's own trail ("Who has viewed this record") shows it.
One INSERT per call, however many records it returned."""

from __future__ import annotations

import contextlib

from auditlog.cid import get_cid
from auditlog.context import set_extra_data
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from prp.audit import storable_text

from .models import ApiClient

PAGE = "api"


def who(client: ApiClient) -> str:
    return f"API client: {client.name}"


def record_call(request, client: ApiClient, status: int, records=()) -> None:
    common = {
        "action": LogEntry.Action.ACCESS,
        "actor_email": who(client),
        "remote_addr": request.META.get("REMOTE_ADDR"),
        "cid": get_cid(),
    }
    call = {
        "page": PAGE,
        "method": request.method,
        "path": storable_text(request.get_full_path()[:500]),
    }
    entries = [
        LogEntry(
            content_type=ContentType.objects.get_for_model(ApiClient),
            object_pk=str(client.pk),
            object_id=client.pk,
            object_repr=who(client),
            additional_data={**call, "status": status},
            **common,
        )
    ]
    for record in records:
        entries.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(record),
                object_pk=str(record.pk),
                object_id=record.pk,
                object_repr=str(record)[:200],
                additional_data={"page": PAGE, "client": client.name},
                **common,
            )
        )
    LogEntry.objects.bulk_create(entries)


@contextlib.contextmanager
def changes_by(request, client: ApiClient):
    """auditlog's change entries made inside name the client as who made them."""
    with set_extra_data(
        context_data={"actor_email": who(client), "remote_addr": request.META.get("REMOTE_ADDR")}
    ):
        yield
