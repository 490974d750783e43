"""The concern page's link back to the QAPR that raised it (see escalations.related)."""

from __future__ import annotations

from django.urls import reverse

from escalations.related import Related
from prp.models import User

from . import selectors


def raised_from(user: User, concern_id: int) -> list[Related]:
    """For the concern's page: the QAPR it was raised from (see escalations.related)."""
    return [
        Related(
            f"Raised from {qapr.reference}, the QAPR started on {qapr.created_at:%-d %B %Y}",
            reverse("qapr:qapr_detail", args=[qapr.pk]),
        )
        for qapr in selectors.qaprs_raising(user, concern_id)
    ]
