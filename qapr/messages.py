"""Messages about QAPRs, queued in the transaction of the change that causes them."""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Kind
from notifications.services import Message, notify

from .models import Qapr


def reopened(qapr: Qapr) -> None:
    """The author hears that their manager sent the QAPR back, and why."""
    notify(
        Message(
            qapr.author,
            Kind.QAPR_REOPENED,
            f"qapr_reopened:{qapr.pk}:{qapr.reopened_at.isoformat()}",
            {"qapr": qapr, "child": qapr.child},
            url=reverse("qapr:qapr_detail", args=[qapr.pk]),
            child=qapr.child,
        )
    )
