"""An import runs with Python's cycle collector set to run less often, and puts it back after."""

import gc

from imports import services
from imports.services import import_now

from .conftest import sample


def test_an_import_collects_cycles_less_often_and_puts_the_thresholds_back(db, team, monkeypatch):
    before = gc.get_threshold()
    seen = []
    planned = services.import_plan

    def watched(**kwargs):
        seen.append(gc.get_threshold())
        return planned(**kwargs)

    monkeypatch.setattr(services, "import_plan", watched)

    _run, plan = import_now(kind="children", uploads=[sample("children.csv")])

    assert plan.ok
    assert seen[0][0] >= 50_000 and seen[0][1:] == before[1:]
    assert gc.get_threshold() == before
