"""How a person is named in a choice of people: their role and team, so two people with the
same name, or a name alone, cannot send a stage to the wrong person."""

from __future__ import annotations

from prp.models import User


def person_label(person: User) -> str:
    """ "Tom Manager (Team manager, Children in care 1)"; the name alone if neither is known."""
    details = [part for part in (person.job_title, str(person.team or "")) if part]
    return f"{person.full_name} ({', '.join(details)})" if details else person.full_name
