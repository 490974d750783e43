"""Builders: the pathway's rows made through the real services, as the pages make them.

Each builder takes the people and children from the persona fixtures (tests/conftest.py) and
returns a row read back from the database, so its lock version and protected state are current.
"""

import datetime as dt

from cases.models import Allocation
from cases.services import child_allocate
from escalations import services
from escalations.models import Concern, Stage, Task, TaskState
from prp.models import ProtocolCategory
from qapr import services as qapr_services
from qapr.models import Qapr

TITLE = "Plan drifting"
DESCRIPTION = "No permanence plan after two reviews"
IMPACT = "Amara does not know where she will live"
CHILD_VIEWS = "Wants to stay with her carers"


def fresh(row):
    """Re-read a row: protected FSM fields cannot be refreshed in place."""
    return type(row)._base_manager.get(pk=row.pk)


def allocate(child, *, team=None, social_worker=None, reviewing_officer=None, start=None):
    """Allocate through the service, as the app does, so the child's current fields follow."""
    start = start or dt.date(2025, 1, 6)
    for kind, holder in (
        (Allocation.Kind.TEAM, team),
        (Allocation.Kind.SOCIAL_WORKER, social_worker),
        (Allocation.Kind.REVIEWING_OFFICER, reviewing_officer),
    ):
        if holder is None:
            continue
        key = "team" if kind == Allocation.Kind.TEAM else "worker"
        child_allocate(child=child, kind=kind, start_date=start, recorded_by=None, **{key: holder})
    child.refresh_from_db()
    return child


def first_category(protocol) -> ProtocolCategory:
    return ProtocolCategory.objects.filter(protocol=protocol).first()


def draft_concern(
    raiser,
    children,
    *,
    level=1,
    title=TITLE,
    descriptions=(DESCRIPTION,),
    impact_on_child=IMPACT,
    child_views=CHILD_VIEWS,
    category=None,
) -> Concern:
    """A draft with one sub-concern per description. `children`: one child or a list."""
    children = children if isinstance(children, list | tuple) else [children]
    concern = services.concern_create_draft(
        raised_by=raiser, children=list(children), title=title, start_level=level
    )
    for description in descriptions:
        services.sub_concern_add(
            concern=concern,
            by=raiser,
            category=category or first_category(concern.protocol),
            description=description,
            impact_on_child=impact_on_child,
            child_views=child_views,
        )
    return fresh(concern)


def raise_draft(concern, by, delegate_to, *, agreed=None, **extra) -> Concern:
    """Raise a draft already made (by the builder, a QAPR or a page)."""
    concern = fresh(concern)
    services.concern_raise(
        concern=concern,
        by=by,
        lock_version=concern.lock_version,
        delegate_to=delegate_to,
        agreed_due_on=agreed,
        **extra,
    )
    return fresh(concern)


def raised_concern(raiser, children, delegate_to, *, agreed=None, raise_with=None, **draft):
    """A concern raised at `level` (Formal stage 1 unless told). `agreed`: the response date
    agreed with the manager; `raise_with`: anything else concern_raise takes."""
    concern = draft_concern(raiser, children, **draft)
    return raise_draft(concern, raiser, delegate_to, agreed=agreed, **(raise_with or {}))


def live_task(concern) -> Task:
    return Task.objects.get(stage__concern=concern, state=TaskState.ACTIVE)


def raised_task(raiser, children, delegate_to, **kwargs) -> Task:
    """The task a newly raised concern delegates (see raised_concern for the arguments)."""
    return live_task(raised_concern(raiser, children, delegate_to, **kwargs))


def responded_task(task, by=None, *, response="Agreed", response_option=None, **extra) -> Task:
    """The assignee's response (or `by`'s, to try someone else)."""
    task = fresh(task)
    return services.task_respond(
        task=task,
        by=by or task.assignee,
        lock_version=task.lock_version,
        response_option=response_option,
        response=response,
        **extra,
    )


def outcome_recorded(concern, by, outcome, **extra) -> Stage:
    """The raiser's decision on the current stage; the closing stage is returned."""
    concern = fresh(concern)
    fields = {
        "comments": "Recorded in the test",
        "legal_advice_sought": False,
        "cafcass_considered": False,
        **extra,
    }
    return services.stage_record_outcome(
        concern=concern, by=by, lock_version=concern.lock_version, outcome=outcome, **fields
    )


def filled_qapr(iro, child, **answers) -> Qapr:
    """A QAPR started and saved with `answers`."""
    qapr = qapr_services.qapr_start(child=child, by=iro)
    return qapr_services.qapr_save(qapr=qapr, by=iro, lock_version=qapr.lock_version, **answers)


def finalised_qapr(qapr, by) -> Qapr:
    qapr = fresh(qapr)
    return qapr_services.qapr_finalise(qapr=qapr, by=by, lock_version=qapr.lock_version)
