"""Reads for the in-app side: a person's own notifications, and the header's numbers."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from prp.models import JobHeartbeat, User

from . import audience
from .health import CHASE_JOB
from .models import Notification


def own(user: User) -> QuerySet[Notification]:
    """The person's own notifications, leaving out those about a child (or a concern about
    one) they may no longer hear about: the child's record was restricted, or they were taken
    off it, after the message was queued. Every read of a person's messages starts here."""
    return audience.hearable(Notification.objects.filter(recipient=user), user)


def notification_list(user: User) -> QuerySet[Notification]:
    """The person's own notifications, newest first. The bodies are left out: the list shows
    only the subject, and a page of 25 large HTML bodies is wasted memory."""
    return own(user).defer("body_text", "body_html").order_by("-created_at", "-id")


def notification_get(user: User, pk: int) -> Notification:
    """One of the person's notifications. Anyone else's, or one they may no longer hear about,
    is a 404, never a 403: the page does not confirm that the message exists."""
    return get_object_or_404(own(user), pk=pk)


def unread_count(user: User) -> int:
    return own(user).filter(read_at__isnull=True).count()


def is_administrator(user: User) -> bool:
    """Who is warned when the scheduled jobs stop. Roles are read once per request."""
    return bool(user.is_staff or user.is_administrator)


def chase_last_run() -> dt.datetime | None:
    """When the chase job last finished, or None if it never has."""
    return (
        JobHeartbeat.objects.filter(name=CHASE_JOB)
        .values_list("last_success_at", flat=True)
        .first()
    )
