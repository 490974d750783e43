"""The figures the dashboards aggregate in SQL are stored as the pathway moves on."""

import datetime as dt

import pytest
import time_machine

from escalations.models import ConcernState, Outcome, Stage
from tests.builders import fresh, outcome_recorded, raised_concern

pytestmark = pytest.mark.usefixtures("gloucestershire")

FRIDAY_1_DEC_2023 = dt.datetime(2023, 12, 1, 10, 0)


def test_raising_keeps_the_childs_team_and_status(iro, child, team_manager, team):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager, level=1)
    assert concern.team == team
    assert concern.child_status == "child_in_care"
    assert concern.closed_level is None and concern.formal_working_days is None


def test_closing_keeps_the_working_days_each_stage_and_the_formal_stages_took(
    iro, child, team_manager, head_of_service
):
    with time_machine.travel(FRIDAY_1_DEC_2023, tick=False):
        concern = raised_concern(iro, child, team_manager, level=1)
    # Formal 1 from Friday 1 to Friday 8 December: 5 working days; then escalated.
    with time_machine.travel(dt.datetime(2023, 12, 8, 10, 0), tick=False):
        outcome_recorded(concern, iro, Outcome.ESCALATE_NEXT, delegate_to=head_of_service)
    # Formal 2 from 8 December to Wednesday 3 January 2024, over Christmas: 15 working days.
    with time_machine.travel(dt.datetime(2024, 1, 3, 10, 0), tick=False):
        outcome_recorded(fresh(concern), iro, Outcome.RESOLVED)
    stages = Stage.objects.filter(concern=concern).order_by("level")
    assert [(s.level, s.working_days_taken) for s in stages] == [(1, 5), (2, 15)]
    concern = fresh(concern)
    assert concern.state == ConcernState.RESOLVED
    assert (concern.closed_level, concern.formal_working_days) == (2, 20)
