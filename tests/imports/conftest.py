import datetime as dt
from pathlib import Path

import pytest
import time_machine

from imports.services import Upload

SAMPLES = Path(__file__).parent / "samples"
# After every date in the sample files.
TODAY = dt.datetime(2025, 9, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def sample(name: str) -> Upload:
    return Upload(name, (SAMPLES / name).read_bytes())


def csv_upload(name: str, text: str) -> Upload:
    return Upload(name, text.encode("utf-8"))


SSDA903_SET = ["ssda903_header.csv", "ssda903_episodes.csv", "ssda903_reviews.csv"]
