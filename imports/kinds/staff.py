"""Teams (and the hierarchy above them) and people."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from prp.email_address import is_plain, normalise_email
from prp.models import OrgUnit, Role, RoleCode, Team, User

from ..plans import Plan, rows
from ..reading import Table
from ..values import Invalid, choice
from . import Column, Kind

# Column names ---------------------------------------------------------------------------------

TEAM, TEAM_KIND, UNIT, UNIT_KIND, PARENT, MANAGER = (
    "TEAM",
    "TEAM_KIND",
    "UNIT",
    "UNIT_KIND",
    "PARENT_UNIT",
    "MANAGER_EMAIL",
)
EMAIL, NAME, JOB, ROLES, LINE_MANAGER = (
    "EMAIL",
    "FULL_NAME",
    "JOB_TITLE",
    "ROLES",
    "LINE_MANAGER_EMAIL",
)


def _by_name(model, **extra) -> dict[str, list]:
    found: dict[str, list] = {}
    for obj in model.objects.filter(**extra):
        found.setdefault(obj.name.lower(), []).append(obj)
    return found


def _email(text: str) -> str:
    if not is_plain(text):
        raise Invalid("Use only the letters a to z, numbers and . _ - + @ in email addresses.")
    try:
        validate_email(text)
    except ValidationError:
        raise Invalid("This is not an email address.") from None
    return normalise_email(text)


# Teams ----------------------------------------------------------------------------------------


def plan_teams(tables: list[Table]) -> Plan:
    table, plan = tables[0], Plan()
    teams = {t.name.lower(): t for t in Team.objects.select_related("unit", "manager")}
    units = _by_name(OrgUnit)
    people = {u.email: u for u in User.objects.all()}
    for row, name in rows(table, plan, TEAM, "team"):
        kind = row.get(TEAM_KIND, lambda t: choice(t, Team.Kind.choices, "kind of team"))
        unit_name = row.get(UNIT, required=True)
        unit_kind = row.get(UNIT_KIND, lambda t: choice(t, OrgUnit.Kind.choices, "kind of unit"))
        parent_name = row.get(PARENT)
        manager_email = row.get(MANAGER, _email)
        manager = people.get(manager_email) if manager_email else None
        if manager_email and manager is None:
            row.problem(MANAGER, "No one has this email address: import the people first.")
        for column, unit_found in ((UNIT, unit_name), (PARENT, parent_name)):
            if unit_found and len(units.get(unit_found.lower(), [])) > 1:
                row.problem(column, "Several units have this name: rename one in the admin.")
        if not row.ok:
            continue
        wanted = {"kind": kind or Team.Kind.OPERATIONAL, "manager": manager}
        spec = (unit_name, unit_kind or OrgUnit.Kind.SERVICE, parent_name)
        team = teams.get(name.lower())
        if team is None:
            plan.create(_team_write(None, name, wanted, spec, units))
        elif (
            team.kind != wanted["kind"]
            or team.manager_id != (manager.pk if manager else team.manager_id)
            or team.unit.name.lower() != unit_name.lower()
        ):
            if manager is None:
                wanted["manager"] = team.manager  # an empty cell takes no one away
            plan.update(_team_write(team, name, wanted, spec, units))
        else:
            plan.same()
    return plan


def _unit(name: str, kind: str, parent: OrgUnit | None, units: dict) -> OrgUnit:
    """The unit of that name, made (and remembered for the next rows) if there is none."""
    found = units.get(name.lower())
    if found:
        return found[0]
    unit = OrgUnit(name=name, kind=kind, parent=parent)
    unit.full_clean()
    unit.save()
    units[name.lower()] = [unit]
    return unit


def _team_write(team, name, wanted, spec, units):
    unit_name, unit_kind, parent_name = spec

    def write(by):
        parent = _unit(parent_name, OrgUnit.Kind.DIRECTORATE, None, units) if parent_name else None
        target = team or Team(name=name)
        target.unit = _unit(unit_name, unit_kind, parent, units)
        target.kind, target.manager = wanted["kind"], wanted["manager"]
        if team is not None:
            target.lock_version += 1
        target.full_clean()
        target.save()

    return write


TEAMS = Kind(
    code="teams",
    label="Teams and the hierarchy",
    summary="Each team, the service or group it is in, and its team manager.",
    columns=(
        Column(TEAM, "The team's name, as people know it.", "Children in Care North", True),
        Column(
            TEAM_KIND, "operational (social work) or reviewing (IROs and CP Chairs).", "operational"
        ),
        Column(
            UNIT,
            "The service or group the team is in: made if it is new.",
            "Children in Care",
            True,
        ),
        Column(UNIT_KIND, "service or group (service if empty).", "service"),
        Column(PARENT, "The directorate the unit is in, if any.", "Children's Services"),
        Column(MANAGER, "The team manager's work email: import the people first.", ""),
    ),
    plan=plan_teams,
)


# People ---------------------------------------------------------------------------------------

# Given only in the admin, by a person: a file can never make someone an administrator.
NOT_FROM_FILES = {RoleCode.ADMINISTRATOR}


def _roles(text: str) -> frozenset[str]:
    codes = set()
    for part in text.replace(",", ";").split(";"):
        if not part.strip():
            continue
        code = choice(part, RoleCode.choices, "role")
        if code in NOT_FROM_FILES:
            raise Invalid("Administrators are named in the admin, never by a file.")
        codes.add(code)
    return frozenset(codes)


def plan_people(tables: list[Table]) -> Plan:
    table, plan = tables[0], Plan()
    people = {u.email: u for u in User.objects.select_related("team").prefetch_related("roles")}
    teams = {t.name.lower(): t for t in Team.objects.all()}
    in_file = {_safe_email(values.get(EMAIL, "")) for _, values in table.rows if values.get(EMAIL)}
    for row, raw in rows(table, plan, EMAIL, "email address"):
        email = row.get(EMAIL, _email) if raw else None
        name = row.get(NAME, required=True)
        roles = row.get(ROLES, _roles)
        team_name = row.get(TEAM)
        team = teams.get(team_name.lower()) if team_name else None
        if team_name and team is None:
            row.problem(TEAM, "No team has this name: import the teams first.")
        manager = row.get(LINE_MANAGER, _email)
        if manager and manager not in people and manager not in in_file:
            row.problem(LINE_MANAGER, "No one has this email address, here or in the file.")
        if not row.ok:
            continue
        wanted = {"full_name": name, "job_title": row.get(JOB) or "", "team": team}
        person = people.get(email)
        if person is None:
            plan.create(_person_write(None, email, wanted, roles or frozenset()))
            if manager:
                plan.later.append(_line_manager_write(email, manager))
            continue
        kept = {r.code for r in person.roles.all()}
        new_roles = None if roles is None else roles | (kept & NOT_FROM_FILES)
        changed = (
            person.full_name != name
            or person.job_title != wanted["job_title"]
            or (team is not None and person.team_id != team.pk)
            or (new_roles is not None and new_roles != kept)
        )
        manager_changed = bool(manager) and (
            manager not in people or people[manager].pk != person.line_manager_id
        )
        if manager_changed:
            plan.later.append(_line_manager_write(email, manager))
        if changed or manager_changed:
            if team is None:
                wanted["team"] = person.team  # an empty cell moves no one out of their team
            plan.update(_person_write(person, email, wanted, new_roles))
        else:
            plan.same()
    return plan


def _safe_email(text: str) -> str:
    try:
        return _email(text)
    except Invalid:
        return ""


def _person_write(person, email, wanted, roles):
    def write(by):
        target = person or User(email=email)
        for key, value in wanted.items():
            setattr(target, key, value)
        if person is None:
            # Signs in by single sign-on or a password an administrator sets: none from a file.
            target.set_unusable_password()
        else:
            target.lock_version += 1
        target.full_clean(exclude=["password"])
        target.save()
        if roles is not None:
            target.roles.set(Role.objects.filter(code__in=roles))

    return write


def _line_manager_write(email, manager_email):
    def write(by):
        person = User.objects.get(email=email)
        person.line_manager = User.objects.get(email=manager_email)
        person.save(update_fields=["line_manager"])

    return write


PEOPLE = Kind(
    code="people",
    label="People",
    summary="Staff: their work email, name, roles, team and line manager.",
    columns=(
        Column(
            EMAIL, "Their work email address: they sign in with it.", "sam.patel@example.org", True
        ),
        Column(NAME, "Their full name.", "Sam Patel", True),
        Column(JOB, "Their job title.", "Senior Social Worker"),
        Column(
            ROLES,
            "Their roles, separated by semicolons, such as social_worker; team_manager. Empty "
            "leaves a person's roles as they are. A file never makes anyone an administrator.",
            "social_worker",
        ),
        Column(TEAM, "Their team's name: import the teams first.", "Children in Care North"),
        Column(LINE_MANAGER, "Their line manager's work email (here or in the file).", ""),
    ),
    plan=plan_people,
)
