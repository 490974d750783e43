"""The home page's count of QAPRs due (see prp.waiting): the length of "QAPRs due"."""

from __future__ import annotations

from django.urls import reverse

from prp.models import RoleCode, User
from prp.waiting import Waiting

from . import selectors

# The roles that write QAPRs: "QAPRs due" lists the children they are reviewing officer for.
AUTHOR_ROLES = (RoleCode.IRO, RoleCode.CP_CHAIR)


def waiting(user: User) -> list[Waiting]:
    if not user.has_role(*AUTHOR_ROLES):
        return []
    count = selectors.children_qapr_due(user).count()
    return [Waiting(40, "QAPRs due", count, reverse("qapr:qapr_due"))]
