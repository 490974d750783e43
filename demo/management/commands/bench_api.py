"""Time the API: a page of 100 children and of 100 concerns, and an upsert of 1,000 children
(new, then sent again unchanged, then each changed), through Django's test client with a key.

It makes children named BENCH-… and an API client it revokes at the end: run it on a copy of
the data, for example the national-scale one made by `seed_scale`.

    DJANGO_DEBUG=false DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_scale \
        ./manage.py bench_api --runs 20 --markdown

See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from api.models import Scope
from api.services import api_client_create, api_client_revoke
from demo.management.commands.bench_dashboard import percentile
from prp.models import User

PAGES = {
    "children, a page of 100": "/api/v1/children/?page_size=100",
    "concerns, a page of 100": "/api/v1/concerns/?page_size=100",
}


def upsert_body(stamp: str, size: int, first_name: str) -> str:
    children = [
        {
            "reference": f"BENCH-{stamp}-{n:05d}",
            "first_name": first_name,
            "last_name": "Bench",
            "date_of_birth": "2015-06-01",
            "status": "child_in_care",
            "legal_status": "section_20",
        }
        for n in range(size)
    ]
    return json.dumps({"children": children})


class Command(BaseCommand):
    help = "Time API pages and a 1,000-child upsert (see docs/PERFORMANCE.md)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="Requests per page (default 20).")
        parser.add_argument("--upserts", type=int, default=3, help="Upsert rounds (default 3).")
        parser.add_argument("--size", type=int, default=1000, help="Children per upsert.")
        parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")

    def handle(self, *args, runs, upserts, size, markdown, **options):
        owner = User.objects.filter(is_active=True).order_by("pk").first()
        if owner is None:
            raise CommandError("No one to own the benchmark's API client: load some data first.")
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        client, key = api_client_create(
            name=f"Benchmark {stamp}",
            owner=owner,
            scopes=[Scope.CHILDREN_READ, Scope.CHILDREN_WRITE, Scope.CONCERNS_READ],
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        try:
            with override_settings(ALLOWED_HOSTS=hosts, API_RATE_LIMIT="100000/minute"):
                http = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
                rows = [self.page(http, name, path, runs) for name, path in PAGES.items()]
                rows += self.upserts(http, stamp, size, upserts)
        finally:
            api_client_revoke(client=client)
        self.show(rows, markdown)

    def timed(self, call) -> tuple[float, int, int]:
        counted = []

        def count(execute, sql, params, many, context):
            counted.append(1)  # counted, not kept: an upsert runs thousands
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = call()
            took = (time.perf_counter() - start) * 1000
        if response.status_code >= 400:
            raise CommandError(f"The API answered {response.status_code}: {response.content[:300]}")
        return took, len(counted), response.status_code

    def page(self, http, name, path, runs):
        times, count = [], 0
        for _ in range(runs):
            took, count, _ = self.timed(lambda: http.get(path))
            times.append(took)
        return (name, count, times)

    def upserts(self, http, stamp, size, rounds):
        rows = []
        for label, first_name in (("new", "Ada"), ("sent again, unchanged", "Ada")):
            times, count = [], 0
            for round_ in range(rounds):
                body = upsert_body(f"{stamp}{round_}", size, first_name)
                took, count, _ = self.timed(self.post(http, body))
                times.append(took)
            rows.append((f"upsert {size:,} children, {label}", count, times))
        return rows

    def post(self, http, body):
        return lambda: http.post("/api/v1/children/upsert/", body, content_type="application/json")

    def show(self, rows, markdown):
        header = ("call", "queries", "p50 ms", "p95 ms")
        lines = [
            (name, str(count), f"{percentile(times, 0.5):,.0f}", f"{percentile(times, 0.95):,.0f}")
            for name, count, times in rows
        ]
        if markdown:
            self.stdout.write("| " + " | ".join(header) + " |")
            self.stdout.write("| --- | ---: | ---: | ---: |")
            for line in lines:
                self.stdout.write("| " + " | ".join(line) + " |")
        else:
            for line in (header, *lines):
                self.stdout.write(f"{line[0]:<42} {line[1]:>8} {line[2]:>10} {line[3]:>10}")
