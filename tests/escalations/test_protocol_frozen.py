"""Issue 14 rule 15: a protocol version in use cannot change by any path, only be copied."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from escalations.models import Outcome, Stage
from prp import presets
from prp.frozen import ProtocolInUse
from prp.models import Protocol, ProtocolCategory, ProtocolStage, ResponseOption, Role, RoleCode
from tests.builders import fresh, live_task, outcome_recorded, raised_concern

pytestmark = pytest.mark.usefixtures("gloucestershire")
MONDAY_13_JAN_2025 = dt.datetime(2025, 1, 13, 10, 0)


@pytest.fixture
def in_use(child, iro, team_manager):
    with time_machine.travel(MONDAY_13_JAN_2025, tick=False):
        concern = raised_concern(iro, child, team_manager)
    return concern


def test_rule_15_a_live_deadline_never_moves_when_the_orm_edits_its_protocol(
    in_use, iro, head_of_service
):
    protocol = in_use.protocol
    with pytest.raises(ProtocolInUse):
        ProtocolStage.objects.filter(protocol=protocol, level=2).update(response_days=10)
    stage = protocol.stages.get(level=2)
    stage.response_days = 10
    with pytest.raises(ProtocolInUse):
        stage.save()
    # Formal 2 opens on 20 January 2025 with its 5 working days, as the version said.
    with time_machine.travel(dt.datetime(2025, 1, 20, 10, 0), tick=False):
        outcome_recorded(in_use, iro, Outcome.ESCALATE_NEXT, delegate_to=head_of_service)
    assert live_task(fresh(in_use)).due_on == dt.date(2025, 1, 27)
    assert ProtocolStage.objects.get(pk=stage.pk).response_days == 5


@pytest.mark.parametrize(
    "change",
    [
        lambda p: Protocol.objects.filter(pk=p.pk).update(formal_limit_days=25),
        lambda p: setattr(p, "formal_limit_days", 25) or p.save(),
        lambda p: p.delete(),
        lambda p: ProtocolStage.objects.filter(protocol=p).delete(),
        lambda p: ProtocolStage.objects.create(protocol=p, level=9, label="Extra"),
        lambda p: ProtocolStage.objects.bulk_create([ProtocolStage(protocol=p, level=9)]),
        lambda p: ProtocolCategory.objects.filter(protocol=p).update(name="Renamed"),
        lambda p: ProtocolCategory.objects.create(protocol=p, name="New"),
        lambda p: ResponseOption.objects.create(protocol=p, label="New"),
        lambda p: p.stages.get(level=1).copy_to.add(Role.objects.get(code=RoleCode.DIRECTOR)),
        lambda p: p.stages.get(level=1).raised_by.clear(),
    ],
    ids=[
        "protocol update",
        "protocol save",
        "protocol delete",
        "stages delete",
        "stage create",
        "stage bulk_create",
        "category update",
        "category create",
        "response option create",
        "copy_to add",
        "raised_by clear",
    ],
)
def test_rule_15_every_path_that_changes_a_version_in_use_is_refused(in_use, change):
    protocol = Protocol.objects.get(pk=in_use.protocol_id)
    limits = list(ProtocolStage.objects.values_list("pk", "response_days", "label"))
    with pytest.raises(ProtocolInUse), transaction.atomic():
        change(protocol)
    assert Protocol.objects.get(pk=protocol.pk).formal_limit_days == 20
    assert list(ProtocolStage.objects.values_list("pk", "response_days", "label")) == limits


def test_rule_15_activating_and_copying_still_work_and_the_copy_can_change(in_use, protocols):
    presets.activate(protocols["cumbria"])
    presets.activate(Protocol.objects.get(pk=in_use.protocol_id))
    copy = presets.copy_as_new_version(in_use.protocol)
    ProtocolStage.objects.filter(protocol=copy, level=2).update(response_days=10)
    assert copy.stages.get(level=2).response_days == 10
    assert Stage.objects.get(concern=in_use).due_on == dt.date(2025, 1, 20)


def test_rule_15_a_version_nobody_uses_can_change(protocols):
    cumbria = protocols["cumbria"]
    stage = cumbria.stages.get(level=2)
    stage.response_days = 6
    stage.save()
    assert ProtocolStage.objects.get(pk=stage.pk).response_days == 6


def test_rule_15_bringing_presets_up_to_date_never_changes_a_version_in_use(in_use, protocols):
    """What migration escalations 0008 does for an existing database."""
    from escalations.models import Concern

    def used(protocol):
        return Concern.objects.filter(protocol=protocol).exists()

    gloucestershire, cumbria = protocols["gloucestershire"], protocols["cumbria"]
    stages_before = list(gloucestershire.stages.values_list("pk", "response_days"))
    for key in presets.PRESETS:
        presets.bring_preset_up_to_date(key, None, used)
    # In use: kept as it was; the preset's data is version 2, made active as version 1 was.
    assert list(gloucestershire.stages.values_list("pk", "response_days")) == stages_before
    new = Protocol.objects.get(authority="Gloucestershire", version=2)
    assert new.is_active and new.informal_guideline_days == 5
    assert Protocol.objects.get(pk=in_use.protocol_id).version == 1
    # Not in use: rewritten in place, no new version.
    assert not Protocol.objects.filter(authority="Cumbria", version=2).exists()
    assert Protocol.objects.get(pk=cumbria.pk).write_up_days == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_rule_15_on_postgresql_the_database_refuses_raw_sql_too(in_use, protocols):
    protocol_id = in_use.protocol_id
    statements = [
        ("UPDATE prp_protocolstage SET response_days = 10 WHERE protocol_id = %s", [protocol_id]),
        ("UPDATE prp_protocol SET formal_limit_days = 27 WHERE id = %s", [protocol_id]),
        ("DELETE FROM prp_protocolcategory WHERE protocol_id = %s", [protocol_id]),
        (
            "DELETE FROM prp_protocolstage_copy_to WHERE protocolstage_id IN "
            "(SELECT id FROM prp_protocolstage WHERE protocol_id = %s)",
            [protocol_id],
        ),
    ]
    for sql, params in statements:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    with connection.cursor() as cursor:  # activation and unused versions stay free
        cursor.execute("UPDATE prp_protocol SET is_active = false WHERE id = %s", [protocol_id])
        cursor.execute(
            "UPDATE prp_protocolstage SET response_days = 6 WHERE protocol_id = %s",
            [protocols["cumbria"].pk],
        )
