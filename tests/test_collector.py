"""The cycle collector's thresholds (config/collector.py) for the web server and workers."""

import gc
import os
import subprocess
import sys

import pytest

from config import collector


def test_the_default_collects_the_youngest_objects_every_50000():
    assert collector.thresholds(collector.DEFAULT) == (50000, 20, 20)


@pytest.mark.parametrize("value", ["default", "", " Default "])
def test_default_keeps_pythons_own(value):
    assert collector.thresholds(value) is None


@pytest.mark.parametrize("value", ["50000", "a,b,c", "0,10,10", "1,2,3,4", "-5,10,10"])
def test_a_bad_value_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError, match="PYTHON_GC_THRESHOLD must be three whole numbers"):
        collector.thresholds(value)


def test_tune_sets_them_and_default_leaves_them(monkeypatch):
    before = gc.get_threshold()
    try:
        monkeypatch.setenv("PYTHON_GC_THRESHOLD", "12345,6,7")
        collector.tune()
        assert gc.get_threshold() == (12345, 6, 7)
        gc.set_threshold(*before)
        monkeypatch.setenv("PYTHON_GC_THRESHOLD", "default")
        collector.tune()
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*before)


def test_the_web_server_starts_with_them():
    env = {**os.environ, "PYTHON_GC_THRESHOLD": "40000,15,15"}
    code = "import config.wsgi, gc; print(gc.get_threshold())"
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "(40000, 15, 15)"
