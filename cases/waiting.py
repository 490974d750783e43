"""The home page's count of reviews due (see prp.waiting): the length of "Reviews due"."""

from __future__ import annotations

from django.urls import reverse

from prp.models import RoleCode, User
from prp.waiting import Waiting

from . import selectors

# The roles with a caseload of their own: "Reviews due" shows theirs first.
CASELOAD_ROLES = (RoleCode.IRO, RoleCode.CP_CHAIR, RoleCode.SOCIAL_WORKER)


def waiting(user: User) -> list[Waiting]:
    if not user.has_role(*CASELOAD_ROLES):
        return []
    count = selectors.reviews_due(user).count()
    return [Waiting(50, "Reviews due", count, f"{reverse('cases:reviews_due')}?show=mine")]
