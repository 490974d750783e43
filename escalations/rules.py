"""The pathway's rules: who a stage goes to, who is copied, when it is due, who may do what.

Pure questions, no changes: escalations.services asks them before it changes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Child, ChildStatus
from cases.reviewer import Reviewer, reviewers_for
from cases.selectors import restricted_hidden_from
from prp import workdays
from prp.hierarchy import manager_for_team, span_team_ids
from prp.models import RAISER_ROLES, ChildType, Protocol, ProtocolStage, RoleCode, User
from prp.refusals import StateRefused

from .models import Concern, ConcernChild, DueBeyond, Stage, Task, TaskState

# Roles that belong to the reviewing service: resolved from the raiser's team, not the child's.
REVIEWING_ROLES = frozenset(
    {
        RoleCode.REVIEWING_TEAM_MANAGER,
        RoleCode.REVIEWING_SERVICE_MANAGER,
        RoleCode.REVIEWING_HEAD_OF_SERVICE,
    }
)
# IRO Handbook 6.2: an IRO or CP Chair may raise a concern at, or escalate it to, any stage,
# whoever a council's ladder says normally raises it.
BYPASS_ROLES = frozenset({RoleCode.IRO, RoleCode.CP_CHAIR})


@dataclass(frozen=True)
class Copy:
    """Someone copied in on a stage, and why (shown on the stage)."""

    person: User
    reason: str


def active_protocol() -> Protocol | None:
    return Protocol.objects.filter(is_active=True).first()


def child_type_for(child: Child) -> str:
    if child.status == ChildStatus.CHILD_PROTECTION:
        return ChildType.CHILD_PROTECTION
    if child.status in (ChildStatus.CHILD_IN_CARE, ChildStatus.CARE_LEAVER):
        return ChildType.CHILD_IN_CARE
    return ChildType.OTHER


def primary_child(concern: Concern) -> Child | None:
    link = concern.concern_children.select_related("child__team").order_by("-is_primary", "id")
    first = link.first()
    return first.child if first else None


def person_in_role(role: str | None, *, child: Child | None, raiser: User) -> User | None:
    """Who holds `role` for this child: their social worker, their team's line, or the
    raiser's own line for reviewing-service roles."""
    if role is None:
        return None
    if role == RoleCode.SOCIAL_WORKER:
        return child.social_worker if child else None
    if role in REVIEWING_ROLES:
        return manager_for_team(raiser.team, role)
    person = manager_for_team(child.team if child else None, role)
    return person or manager_for_team(raiser.team, role)


def delegate_role_for(protocol_stage: ProtocolStage, child: Child | None) -> str | None:
    """The role the stage is delegated to for this child's type (the protocol's columns)."""
    return protocol_stage.delegate_role_id_for(child_type_for(child) if child else ChildType.OTHER)


@dataclass(frozen=True)
class StageRoute:
    """Who a stage of a concern goes to, worked out once: the concern's primary child, the role
    the stage is delegated to for that child, and the person in it (the default assignee)."""

    child: Child | None
    role: str | None
    assignee: User | None

    @property
    def role_label(self) -> str:
        return RoleCode(self.role).label if self.role else ""


def stage_route(concern: Concern, protocol_stage: ProtocolStage) -> StageRoute:
    return route_for_child(concern, protocol_stage, primary_child(concern))


def route_for_child(
    concern: Concern, protocol_stage: ProtocolStage, child: Child | None
) -> StageRoute:
    """The route with the primary child already found (one lookup for many stages). Nobody is
    the default when that person is not named on a restricted child of the concern (they
    cannot be given it; the raiser chooses)."""
    role = delegate_role_for(protocol_stage, child)
    person = person_in_role(role, child=child, raiser=concern.raised_by)
    if person is not None and child is not None and children_hidden_from(person, concern):
        person = None
    return StageRoute(child, role, person)


def default_assignee(concern: Concern, protocol_stage: ProtocolStage) -> User | None:
    """Who the stage goes to unless the raiser chooses (see `route_for_child`)."""
    return stage_route(concern, protocol_stage).assignee


def copies(
    concern: Concern,
    protocol_stage: ProtocolStage,
    *,
    by: User | None = None,
    assignee: User | None = None,
    route: StageRoute | None = None,
) -> list[Copy]:
    """Everyone a stage is copied to, and why:

    - the protocol's copy roles for the stage;
    - for each other child of the concern, the manager the protocol names for that child's type
      (siblings of different types: seed 000's CP and child-in-care columns on one form);
    - when an IRO or CP Chair raises a stage someone else normally raises (a bypass), that
      someone (Blackpool's SQR managers).

    Never the assignee, nobody twice, and nobody not named on a restricted child of the concern.
    `route`: the stage's route when the page has it already (its primary child is used).
    """
    child = route.child if route is not None else primary_child(concern)
    found: list[Copy] = []
    for role in protocol_stage.copy_to.all():
        person = person_in_role(role.code, child=child, raiser=concern.raised_by)
        found.append(Copy(person, role.get_code_display()))
    found += _sibling_copies(concern, protocol_stage, child)
    if by is not None and raises_by_bypass(by, protocol_stage):
        for role in protocol_stage.raised_by.all():
            person = person_in_role(role.code, child=child, raiser=by)
            found.append(Copy(person, f"{role}: normally raises {protocol_stage.label}"))
    return _distinct_copies(found, concern, assignee)


def _sibling_copies(concern, protocol_stage, primary) -> list[Copy]:
    primary_role = delegate_role_for(protocol_stage, primary)
    found = []
    for link in concern.concern_children.select_related("child__team", "child__social_worker"):
        other = link.child
        if primary is None or other.pk == primary.pk:
            continue
        child_type = child_type_for(other)
        role = protocol_stage.delegate_role_id_for(child_type)
        person = person_in_role(role, child=other, raiser=concern.raised_by)
        if role == primary_role and person == person_in_role(
            role, child=primary, raiser=concern.raised_by
        ):
            continue
        label = RoleCode(role).label if role else "Manager"
        found.append(
            Copy(person, f"{label} for {other.full_name} ({ChildType(child_type).label.lower()})")
        )
    return found


def _distinct_copies(found: list[Copy], concern: Concern, assignee: User | None) -> list[Copy]:
    seen = {assignee.pk} if assignee is not None else set()
    kept = []
    for copy in found:
        person = copy.person
        if person is None or person.pk in seen or children_hidden_from(person, concern):
            continue
        seen.add(person.pk)
        kept.append(copy)
    return kept


def copy_list(
    concern: Concern, protocol_stage: ProtocolStage, *, by: User | None = None
) -> list[User]:
    """Who the stage would be copied to (see `copies`)."""
    return [copy.person for copy in copies(concern, protocol_stage, by=by)]


def cafcass_consultee(concern: Concern) -> User | None:
    """The manager an IRO consults before referring to CAFCASS (seed 000 §4.2: the IRO Service
    Manager), found in the raiser's line."""
    role = concern.protocol.cafcass_consult_role_id
    return person_in_role(role, child=primary_child(concern), raiser=concern.raised_by)


def cafcass_told(concern: Concern) -> list[Copy]:
    """Who the protocol says is told of a referral to CAFCASS: for Gloucestershire the Head of
    the Independent Reviewing Service, the child's Assistant Director, the Director of
    Safeguarding and Care and the Director of Children's Services."""
    child = primary_child(concern)
    found = [
        Copy(person_in_role(role.code, child=child, raiser=concern.raised_by), str(role))
        for role in concern.protocol.cafcass_told_roles.all()
    ]
    return _distinct_copies(found, concern, None)


@dataclass(frozen=True)
class Prompted:
    """Who is told to seek legal advice and consider CAFCASS, and for which child: the child's
    IRO, or the IRO Service Manager standing in when none is allocated (cases.reviewer)."""

    person: User
    reviewer: Reviewer
    child: Child


def legal_advice_reviewers(stage: Stage) -> list[tuple[Child, Reviewer]]:
    """Each child in care of a stage that says so and ended unresolved (seed 004, Blackpool
    stage 4: "Head of Service SQR Service to inform IRO. IRO to seek Independent Legal Advice
    and consider notification to CAFCASS"), with who is told for them: the child's IRO, or the
    IRO Service Manager when none is allocated (seed 000 §6, issue 14 rule 1; cases.reviewer).
    Empty when the stage does not prompt."""
    if not stage.protocol_stage.unresolved_tells_reviewer or stage.outcome in ("", "resolved"):
        return []
    links = stage.concern.concern_children.select_related("child__reviewing_officer")
    in_care = [
        link.child
        for link in links.order_by("-is_primary", "id")
        if child_type_for(link.child) == ChildType.CHILD_IN_CARE
    ]
    reviewers = reviewers_for(in_care)
    return [(child, reviewers[child.pk]) for child in in_care]


def prompts_legal_advice_and_cafcass(stage: Stage) -> list[Prompted]:
    """The people to tell, once each, with the child they are told for."""
    prompted: dict[int, Prompted] = {}
    for child, reviewer in legal_advice_reviewers(stage):
        for person in reviewer.people:
            prompted.setdefault(person.pk, Prompted(person, reviewer, child))
    return list(prompted.values())


def stage_copies(stage: Stage) -> list[User]:
    """Who the stage was copied to when it opened (and since, when its task was passed on)."""
    return [copy.person for copy in stage.copies.select_related("person")]


def children_hidden_from(person: User, concern: Concern) -> list[Child]:
    """The concern's restricted children this person is neither allocated to nor named on."""
    children = ConcernChild.objects.filter(concern=concern).values("child_id")
    return list(restricted_hidden_from(person).filter(pk__in=children))


@dataclass(frozen=True)
class DuePlan:
    """A stage's response date and where it stands against the protocol's limits."""

    due_on: dt.date | None
    beyond: str = ""  # a DueBeyond: the date passes the guideline or the limit, so needs a reason
    over_limit: bool = False  # the formal limit was used up: the stage got its own days
    limit_on: dt.date | None = None  # the formal limit's last day (formal stages)
    guideline_on: dt.date | None = None  # informal: later than this needs a reason
    maximum_on: dt.date | None = None  # informal: later than this is refused


def formal_start(concern: Concern, on: dt.date) -> dt.date:
    """When the formal stages began: the first formal stage's opening, or `on` for the first."""
    first = concern.stages.filter(level__gt=0).order_by("opened_on").first()
    return min(first.opened_on, on) if first else on


def formal_limit_on(concern: Concern, on: dt.date) -> dt.date:
    """The last day of the formal stages' limit (IRO Handbook 6.2: 20 working days)."""
    start = formal_start(concern, on)
    return workdays.add_working_days(start, concern.protocol.formal_limit_days)


def plan_due(
    concern: Concern,
    protocol_stage: ProtocolStage,
    opened_on: dt.date,
    agreed: dt.date | None,
    *,
    chosen: bool = False,
) -> DuePlan:
    """The one rule for a stage's response date (issue 14 rules 3 and 4).

    Informal: the agreed date, with the protocol's guideline (a later date needs a reason) and
    maximum (a later date is refused). Formal: the stage's own working days, but never past the
    formal limit's end; once the limit is used up the stage gets its own days and the concern is
    over the limit. An agreed formal date past the limit's end needs a reason. `chosen`: the
    date was chosen by the raiser for any stage (a reopened response) and is checked as agreed.
    """
    is_agreed = protocol_stage.is_agreed or chosen
    own = agreed if is_agreed else due_date(protocol_stage, opened_on, agreed)
    if protocol_stage.is_informal:
        guideline = concern.protocol.informal_guideline_days
        guideline_on = workdays.add_working_days(opened_on, guideline) if guideline else None
        maximum_on = workdays.add_working_days(opened_on, concern.protocol.informal_limit_days)
        late = own is not None and guideline_on is not None and own > guideline_on
        return DuePlan(
            own,
            beyond=DueBeyond.GUIDELINE if late else "",
            guideline_on=guideline_on,
            maximum_on=maximum_on,
        )
    limit_on = formal_limit_on(concern, opened_on)
    if is_agreed:
        beyond = own is not None and own > limit_on
        return DuePlan(own, beyond=DueBeyond.LIMIT if beyond else "", limit_on=limit_on)
    if limit_on > opened_on:
        return DuePlan(min(own, limit_on), limit_on=limit_on)
    return DuePlan(own, over_limit=True, limit_on=limit_on)


def due_date(protocol_stage: ProtocolStage, opened_on: dt.date, agreed: dt.date | None):
    """The stage's own response date: counted in working days, or the date the raiser agreed.
    `plan_due` applies the protocol's limits to it."""
    if protocol_stage.is_agreed:
        return agreed
    return workdays.add_working_days(opened_on, protocol_stage.response_days)


def suggested_agreed_date(
    protocol_stage: ProtocolStage, opened_on: dt.date, concern: Concern | None = None
) -> dt.date | None:
    """A date to offer for an agreed stage: its guideline, within the formal limit. None when
    the protocol gives no guideline (nothing invented, e.g. Cumbria Stage 5)."""
    if not protocol_stage.guideline_days:
        return None
    suggestion = workdays.add_working_days(opened_on, protocol_stage.guideline_days)
    if concern is not None and not protocol_stage.is_informal:
        limit_on = formal_limit_on(concern, opened_on)
        if limit_on > opened_on:
            suggestion = min(suggestion, limit_on)
    return suggestion


def formal_target_days() -> int:
    """The dashboards' target for the formal stages together (DASHBOARD_FORMAL_TARGET_DAYS)."""
    return getattr(settings, "DASHBOARD_FORMAL_TARGET_DAYS", None) or 20


def write_up_due(concern: Concern) -> dt.date | None:
    """When the raiser's informal write-up is due: within the protocol's days of the review
    that prompted it (Cumbria, seed 002: 3 days), if the draft gives that date."""
    days = concern.protocol.write_up_days
    if not days or concern.date_of_concern is None or concern.start_level != 0:
        return None
    return concern.date_of_concern + dt.timedelta(days=days)


def formal_working_days(stages: list[Stage]) -> int:
    """Working days the formal stages have taken so far, against the protocol's limit."""
    return sum(stage.working_days_open for stage in stages if stage.is_formal)


# Who may do what ---------------------------------------------------------------------------


def is_usual_raiser(user: User, protocol_stage: ProtocolStage) -> bool:
    """Whether the council's ladder names this person's role as raising the stage."""
    allowed = {role.code for role in protocol_stage.raised_by.all()}
    return user.is_superuser or bool(user.role_codes & allowed)


def may_raise_at(user: User, protocol_stage: ProtocolStage) -> bool:
    return is_usual_raiser(user, protocol_stage) or bool(user.role_codes & BYPASS_ROLES)


def role_names(roles) -> str:
    """Roles in words: "Group Manager, Head of Service or Service Manager"."""
    names = [str(role) for role in roles]
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def usual_raisers_label(protocol_stage: ProtocolStage) -> str:
    """Who normally raises the stage, in words: "IRO and CP Chair Team Manager"."""
    return role_names(protocol_stage.raised_by.all())


def raises_by_bypass(user: User, protocol_stage: ProtocolStage) -> bool:
    """An IRO or CP Chair raising a stage someone else normally raises: they give a reason,
    and the usual raiser is copied (IRO Handbook 6.2)."""
    return may_raise_at(user, protocol_stage) and not is_usual_raiser(user, protocol_stage)


def raisable_stages(user: User, protocol: Protocol) -> list[ProtocolStage]:
    """The stages this person may raise, each marked `bypass` when it needs a reason."""
    stages = protocol.stages.prefetch_related("raised_by").order_by("level")
    raisable = [stage for stage in stages if may_raise_at(user, stage)]
    for stage in raisable:
        stage.bypass = not is_usual_raiser(user, stage)
    return raisable


def may_start_concern(user: User) -> bool:
    protocol = active_protocol()
    return protocol is not None and bool(raisable_stages(user, protocol))


def is_reviewing_manager_of(user: User, raiser: User) -> bool:
    """A manager in the reviewing service above the raiser (e.g. the IRO's team manager)."""
    if not user.role_codes & REVIEWING_ROLES:
        return False
    return raiser.team_id is not None and raiser.team_id in span_team_ids(user)


def may_open_clinic(user: User) -> bool:
    """The weekly clinic is the reviewing service's meeting: its people and service-wide roles."""
    return bool(user.role_codes & RAISER_ROLES) or user.is_service_wide


def may_edit(user: User, concern: Concern) -> bool:
    """Add sub-concerns, discussions, actions and files; raise a draft."""
    if concern.state in ("resolved", "withdrawn"):
        return False
    return user.pk == concern.raised_by_id


def may_change_action(user: User, concern: Concern, action) -> bool:
    """Edit or remove an open action: the raiser (and their reviewing managers) or whoever
    agreed it, while the concern is live or resolved and being monitored."""
    if concern.state == "withdrawn" or action.done_on is not None or action.archived_at:
        return False
    return may_manage(user, concern) or user.pk == action.recorded_by_id


def open_actions(concern: Concern):
    return concern.actions.filter(done_on__isnull=True, archived_at__isnull=True)


def check_action_due_on(due_on: dt.date) -> None:
    """An action is due from today to a year ahead: further out it would never be chased."""
    today = timezone.localdate()
    if due_on < today:
        raise ValidationError(
            {"due_on": "The date the action is due must be today or in the future"}
        )
    if due_on > one_year_after(today):
        latest = one_year_after(today)
        raise ValidationError(
            {"due_on": f"The date the action is due must be {latest:%-d %B %Y} or earlier"}
        )


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def may_remove_attachment(user: User, concern: Concern, attachment) -> bool:
    """The raiser while they may edit, or the person who attached it while the concern is live."""
    if may_edit(user, concern):
        return True
    live = concern.state not in ("resolved", "withdrawn")
    return live and user.pk == attachment.uploaded_by_id


def may_manage(user: User, concern: Concern, stage: Stage | None = None) -> bool:
    """Record outcomes, escalate, retract, re-delegate and reactivate."""
    if user.pk == concern.raised_by_id:
        return True
    if stage is not None and user.pk == stage.raised_by_id:
        return True
    return is_reviewing_manager_of(user, concern.raised_by)


def may_respond(user: User, task: Task) -> bool:
    return task.state == TaskState.ACTIVE and task.assignee_id == user.pk


def pass_on_roles(protocol_stage: ProtocolStage) -> list:
    return list(protocol_stage.may_pass_to.all())


def may_pass_on(user: User, task: Task) -> bool:
    """The assignee of a stage whose protocol lets its task be passed on (Gloucestershire
    Formal 3), unless it was passed to them: only the accountable owner passes it."""
    stage = task.stage
    return (
        may_respond(user, task)
        and stage.is_open
        and stage.accountable_owner_id in (None, user.pk)
        and bool(pass_on_roles(stage.protocol_stage))
    )


def may_take_back(user: User, task: Task) -> bool:
    """The accountable owner, while someone else has the task they passed on."""
    stage = task.stage
    return (
        task.state == TaskState.ACTIVE
        and stage.is_open
        and stage.accountable_owner_id == user.pk
        and task.assignee_id != user.pk
    )


def today() -> dt.date:
    return timezone.localdate()


# What the pages offer ----------------------------------------------------------------------
# The pages ask these for their buttons and links; the page each one leads to asks again.


def is_current_assignee(user: User, concern: Concern) -> bool:
    """Whether this person has a task on the concern waiting for their response (from the
    stages and tasks concern_get prefetched)."""
    return any(
        task.assignee_id == user.pk and task.state == TaskState.ACTIVE
        for stage in concern.stages.all()
        for task in stage.tasks.all()
    )


@dataclass(frozen=True)
class ConcernFlags:
    """What the concern's page offers this person."""

    manages: bool
    manages_current: bool  # the current stage: its outcome and its tasks
    may_add: bool  # sub-concerns, discussions, actions and files
    may_add_evidence: bool  # actions and files: the raiser, or the manager responding


def concern_flags(user: User, concern: Concern, current: Stage | None) -> ConcernFlags:
    may_add = may_edit(user, concern) and concern.is_open
    return ConcernFlags(
        manages=may_manage(user, concern),
        manages_current=current is not None
        and concern.is_open
        and current.is_open
        and may_manage(user, concern, current),
        may_add=may_add,
        may_add_evidence=may_add or (concern.is_open and is_current_assignee(user, concern)),
    )


def offers_attachment_removal(user: User, concern: Concern, attachment, *, may_add: bool) -> bool:
    """The Remove link by a file: for anyone who may add to the concern, and for whoever
    attached it while the concern is not closed."""
    live = concern.state not in ("resolved", "withdrawn")
    return may_add or (live and attachment.uploaded_by_id == user.pk)


@dataclass(frozen=True)
class TaskFlags:
    """What a task on the concern's page offers this person."""

    may_see_kept_draft: bool  # the draft kept after the task was retracted
    may_take_back: bool
    may_retract: bool  # and re-delegate its stage
    may_reactivate: bool


def stage_task_flags(user: User, task: Task, *, manages: bool, manages_stage: bool) -> TaskFlags:
    """`manages_stage`: this person manages the current stage, and the task is on it."""
    return TaskFlags(
        may_see_kept_draft=manages or task.assignee_id == user.pk,
        may_take_back=may_take_back(user, task),
        may_retract=manages_stage and task.state == TaskState.ACTIVE,
        may_reactivate=manages_stage and task.state == TaskState.RESPONDED,
    )


def may_delegate_stage(stage: Stage, live_task: Task | None, *, manages_stage: bool) -> bool:
    """A current stage with nobody working on it, that is not answered by an outside body."""
    return manages_stage and live_task is None and not stage.protocol_stage.external_body


def task_page_flags(user: User, task: Task, *, answered: bool) -> dict:
    """What the task's page offers this person; `answered`: a task of its stage has a
    response."""
    stage = task.stage
    concern = stage.concern
    manages = may_manage(user, concern, stage)
    return {
        "is_assignee": task.assignee_id == user.pk,
        "may_manage": manages,
        "can_retract": manages and task.state == TaskState.ACTIVE,
        "can_pass_on": may_pass_on(user, task),
        "can_take_back": may_take_back(user, task),
        "can_reactivate": manages and stage.is_open and task.state == TaskState.RESPONDED,
        "can_redelegate": manages and stage.is_open and not answered,
        "can_record_outcome": manages
        and stage.is_open
        and concern.is_open
        and concern.current_stage_id == task.stage_id,
    }


def _on(moment) -> str:
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return f"{day:%-d %B %Y}" if day else ""


def state_reason(concern: Concern, task: Task | None = None) -> str:
    """Why nobody could do this now, when the record's state is the reason (issue 19): the
    refusal page says it rather than blaming the person's account. Empty when it is not."""
    on = f" on {_on(concern.closed_on)}" if concern.closed_on else ""
    if concern.state == "withdrawn":
        return f"This concern was withdrawn{on}. Nothing more can be added to it."
    if concern.state == "resolved":
        return f"This concern was closed{on}. Nothing more can be added to it."
    if task is not None and task.state == TaskState.RESPONDED:
        when = f" on {_on(task.responded_at)}" if task.responded_at else ""
        return f"This task was already answered{when}. The response cannot be changed now."
    if task is not None and task.state == TaskState.RETRACTED:
        when = f" on {_on(task.retracted_at)}" if task.retracted_at else ""
        return f"This task was retracted{when}. It no longer needs a response."
    return ""


def refuse(concern: Concern, message: str, task: Task | None = None):
    """The refusal to raise: the record's state when that is why, else the person's account."""
    reason = state_reason(concern, task)
    return StateRefused(reason) if reason else PermissionDenied(message)
