"""Demo concerns for the demo authority, made through the same services the pages use.

Concerns are raised "today" and then their dates are moved back, so the demo shows work that
is due soon, overdue, escalated, referred and resolved whatever day it is loaded.
"""

from __future__ import annotations

from django.db import transaction

from cases.models import Child, ChildStatus
from escalations import rules, services
from escalations.models import Concern, Outcome, Task, TaskState
from prp.models import ProtocolCategory, User
from prp.presets import install_presets

from .clock import shift_concern_back


def _person(email: str) -> User:
    return User.objects.get(email=email)


def _children_of(reviewer: User, status: str) -> list[Child]:
    return list(
        Child.objects.filter(reviewing_officer=reviewer, status=status, restricted=False)
        .exclude(team__isnull=True)
        .order_by("id")
    )


def _raise(raiser, child, *, title, level, category, description, impact, views, delegate):
    concern = services.concern_create_draft(
        raised_by=raiser, children=[child], title=title, start_level=level
    )
    services.sub_concern_add(
        concern=concern,
        by=raiser,
        category=category,
        description=description,
        impact_on_child=impact,
        child_views=views,
    )
    concern = Concern.objects.get(pk=concern.pk)
    stage_def = concern.protocol.stages.get(level=level)
    agreed = rules.suggested_agreed_date(stage_def, rules.today()) if stage_def.is_agreed else None
    services.concern_raise(
        concern=concern,
        by=raiser,
        lock_version=concern.lock_version,
        delegate_to=delegate or rules.default_assignee(concern, stage_def),
        agreed_due_on=agreed,
    )
    return Concern.objects.get(pk=concern.pk)


def _outcome(concern: Concern, by: User, outcome: str, **extra) -> None:
    concern = Concern.objects.get(pk=concern.pk)
    if outcome == Outcome.ESCALATE_NEXT:
        level = concern.current_stage.level
        target = concern.protocol.stages.filter(level__gt=level).order_by("level").first()
        extra["delegate_to"] = rules.default_assignee(concern, target)
    services.stage_record_outcome(
        concern=concern,
        by=by,
        lock_version=concern.lock_version,
        outcome=outcome,
        comments=extra.pop("comments", "Discussed with the manager."),
        legal_advice_sought=False,
        cafcass_considered=outcome == Outcome.REFER_CAFCASS,
        **extra,
    )


@transaction.atomic
def load_demo_concerns() -> int:
    """A handful of concerns in every state. Returns how many it made (0 if already there)."""
    if Concern.objects.exists():
        return 0
    install_presets()  # normally there already, from the data migration
    protocol = rules.active_protocol()
    iro = _person("iro@demo.example.org")
    chair = _person("cp.chair@demo.example.org")
    categories = {c.name.lower(): c for c in ProtocolCategory.objects.filter(protocol=protocol)}
    first = next(iter(categories.values()))
    drift = categories.get("drift and delay", first)
    safeguarding = categories.get("safeguarding", first)
    process = categories.get("process", first)
    in_care = _children_of(iro, ChildStatus.CHILD_IN_CARE)
    protected = _children_of(chair, ChildStatus.CHILD_PROTECTION)
    made = []

    # Waiting for the team manager, due in a few days.
    made.append(
        _raise(
            iro,
            in_care[0],
            title="Permanence plan not agreed after two reviews",
            level=1,
            category=drift,
            description="The plan for permanence has not been agreed at two reviews in a row.",
            impact="Not knowing where they will grow up is making them anxious at school.",
            views="They want to stay with their carers and keep seeing their brother.",
            delegate=None,
        )
    )
    # Overdue at formal stage 1.
    late = _raise(
        iro,
        in_care[1],
        title="Health assessment overdue",
        level=1,
        category=process,
        description="The annual health assessment is four months late.",
        impact="A hearing problem may not be picked up.",
        views="They said nobody has asked them about the doctor.",
        delegate=None,
    )
    shift_concern_back(late, 8)
    made.append(late)
    # Escalated to formal stage 2 after no response.
    escalated = _raise(
        chair,
        protected[0],
        title="Core group not meeting",
        level=1,
        category=safeguarding,
        description="The core group has not met for eight weeks.",
        impact="Actions in the plan to keep them safe are not being checked.",
        views="Too young to give views; their behaviour at nursery has changed.",
        delegate=None,
    )
    _outcome(escalated, chair, Outcome.ESCALATE_NEXT, comments="No response by the due date.")
    shift_concern_back(escalated, 3)
    made.append(escalated)
    # Informal, agreed with the team manager.
    made.append(
        _raise(
            iro,
            in_care[2],
            title="Life story work not started",
            level=0,
            category=drift,
            description="Life story work agreed at the last review has not started.",
            impact="They have questions about their birth family nobody is answering.",
            views="They asked for photos of their grandmother.",
            delegate=None,
        )
    )
    # Resolved after a response.
    resolved = _raise(
        iro,
        in_care[3],
        title="Contact arrangements changed without review",
        level=1,
        category=process,
        description="Family time was cut from weekly to monthly without a review.",
        impact="They miss their mother and have stopped sleeping well.",
        views="They want weekly family time back.",
        delegate=None,
    )
    task = Task.objects.get(stage__concern=resolved, state=TaskState.ACTIVE)
    services.task_respond(
        task=task,
        by=task.assignee,
        lock_version=task.lock_version,
        response_option=protocol.response_options.first(),
        response="Weekly family time restored from next week; a review is booked.",
    )
    _outcome(resolved, iro, Outcome.RESOLVED, comments="Family time restored.")
    made.append(resolved)
    return len(made)
