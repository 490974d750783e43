import datetime as dt

import time_machine

from escalations import services
from escalations.models import Concern, ConcernState, Outcome, TaskState
from prp.models import ProtocolCategory


@time_machine.travel(dt.datetime(2023, 12, 1, 10, 0), tick=False)
def test_gloucestershire_formal_1_to_resolution(
    gloucestershire, child, iro, team_manager, head_of_service
):
    concern = services.concern_create_draft(
        raised_by=iro, children=[child], title="Plan drifting", start_level=1
    )
    category = ProtocolCategory.objects.get(protocol=gloucestershire, name="Drift and delay")
    services.sub_concern_add(
        concern=concern,
        by=iro,
        category=category,
        description="No permanence plan",
        impact_on_child="Uncertainty",
    )
    concern = Concern.objects.get(pk=concern.pk)
    stage = services.concern_raise(
        concern=concern, by=iro, lock_version=concern.lock_version, delegate_to=team_manager
    )
    assert stage.due_on == dt.date(2023, 12, 8)
    task = stage.tasks.get()
    assert task.assignee == team_manager
    task = services.task_respond(
        task=task,
        by=team_manager,
        lock_version=task.lock_version,
        response_option=None,
        response="We will hold a meeting",
    )
    assert task.state == TaskState.RESPONDED
    concern = Concern.objects.get(pk=concern.pk)
    services.stage_record_outcome(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        outcome=Outcome.ESCALATE_NEXT,
        comments="Not enough",
        legal_advice_sought=False,
        cafcass_considered=True,
        delegate_to=head_of_service,
    )
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.FORMAL
    assert concern.current_stage.level == 2
    services.stage_record_outcome(
        concern=concern,
        by=iro,
        lock_version=concern.lock_version,
        outcome=Outcome.RESOLVED,
        comments="Done",
        legal_advice_sought=False,
        cafcass_considered=False,
    )
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.state == ConcernState.RESOLVED
