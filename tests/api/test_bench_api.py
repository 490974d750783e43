"""The API benchmark runs and prints its table (its figures go into docs/PERFORMANCE.md)."""

from __future__ import annotations

import io

from django.core.management import call_command

from api.models import ApiClient
from cases.models import Child


def test_bench_api_prints_each_call_and_leaves_its_client_revoked(child, service_manager):
    out = io.StringIO()
    call_command("bench_api", runs=2, upserts=1, size=5, markdown=True, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "| call | queries | p50 ms | p95 ms |"
    names = [line.split(" | ")[0].lstrip("| ") for line in lines[2:]]
    assert names == [
        "children, a page of 100",
        "concerns, a page of 100",
        "upsert 5 children, new",
        "upsert 5 children, sent again, unchanged",
    ]
    # The second round sent the same five again: nothing more was made.
    assert Child.objects.filter(reference__startswith="BENCH-").count() == 5
    assert ApiClient.objects.get(name__startswith="Benchmark").revoked_at is not None
