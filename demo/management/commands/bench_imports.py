"""Time the imports: a first load of children, allocations and an SSDA903 set, then the same
files again with 1% of rows changed. Prints a table for docs/PERFORMANCE.md. Between the two,
on PostgreSQL, the statistics are gathered (ANALYZE, as autovacuum would before the next night's
import); --no-analyze leaves them as the first load left them.

It writes to the current database and refuses one that already holds children: run it on a
throwaway database (see docs/PERFORMANCE.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_bench \
        ./manage.py bench_imports --children 2000
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.models import Child
from imports.services import Upload, import_now
from prp.models import OrgUnit, Role, RoleCode, Team, User

DAY = dt.date(2024, 1, 8)


def _csv(name: str, header: list[str], rows) -> Upload:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Upload(name, out.getvalue().encode())


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


class Command(BaseCommand):
    help = "Benchmark the imports on a throwaway database."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=2000)
        parser.add_argument("--workers", type=int, default=50)
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="Leave PostgreSQL's statistics as the first load left them (none, where "
            "autovacuum is off) for the 1% changed run.",
        )

    def handle(self, *args, children, workers, no_analyze=False, **options):
        if Child.objects.exists():
            raise CommandError("This database holds children: run the benchmark on an empty one.")
        team, people = self._staff(workers)
        first = self._files(children, team, people, changed=False)
        again = self._files(children, team, people, changed=True)
        results = []
        for label, files in (("first load", first), ("1% changed", again)):
            if label == "1% changed" and not no_analyze:
                self._analyze()
            for kind, upload in files:
                started, cpu = time.perf_counter(), _cpu()
                run, plan = import_now(kind=kind, uploads=upload)
                seconds, cpu = time.perf_counter() - started, _cpu() - cpu
                if not plan.ok:
                    raise CommandError(f"{kind}: {plan.problems[:3]}")
                rows = sum(upload_rows(u) for u in upload)
                results.append((label, kind, rows, run, seconds, cpu, _peak_mb()))
                self.stderr.write(f"{label} {kind}: {seconds:.1f} s")
        self._print(results, children)

    def _analyze(self):
        """The statistics autovacuum gathers after a load, before the next night's import: with
        none (a server with autovacuum off), PostgreSQL guesses that a batch's 2,000 children
        are half the table and reads every row instead of using the indexes."""
        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stderr.write(f"ANALYZE: {time.perf_counter() - started:.1f} s (not counted)")

    def _staff(self, workers: int):
        unit = OrgUnit.objects.create(name="Bench service", kind=OrgUnit.Kind.SERVICE)
        team = Team.objects.create(name="Bench team", unit=unit)
        User.objects.bulk_create(
            User(email=f"worker{n}@bench.example.org", full_name=f"Worker {n}", team=team)
            for n in range(workers)
        )
        people = list(User.objects.filter(team=team).order_by("pk"))
        Role.objects.get(code=RoleCode.SOCIAL_WORKER).users.add(*people)
        return team, [p.email for p in people]

    def _files(self, count: int, team: Team, people: list[str], *, changed: bool):
        def changes(n):
            return changed and n % 100 == 0  # 1% of rows

        children = _csv(
            "children.csv",
            ["EXTERNAL_ID", "FIRST_NAME", "LAST_NAME", "DATE_OF_BIRTH", "CHILD_TYPE", "TEAM"],
            (
                [
                    f"B{n:07d}",
                    "Renamed" if changes(n) else f"First{n}",
                    f"Last{n}",
                    _fmt(dt.date(2010, 1, 1) + dt.timedelta(days=n % 3650)),
                    "child_in_care" if n % 10 < 6 else "child_in_need",
                    team.name,
                ]
                for n in range(count)
            ),
        )
        allocation_rows = []
        for n in range(count):
            worker = people[(n + (1 if changes(n) else 0)) % len(people)]
            start = _fmt(DAY + dt.timedelta(days=30 if changes(n) else 0))
            allocation_rows.append([f"B{n:07d}", "social_worker", worker, "", start])
            reviewer = people[(n * 7) % len(people)]
            if n % 5 < 4:  # 2.8 allocations a child: team (from the children file), SW, 80% IRO
                allocation_rows.append([f"B{n:07d}", "reviewing_officer", reviewer, "", _fmt(DAY)])
        allocations = _csv(
            "allocations.csv", ["CHILD_ID", "ROLE", "PERSON_EMAIL", "TEAM", "FROM"], allocation_rows
        )
        in_care = [n for n in range(count) if n % 10 < 6]
        header = _csv(
            "header.csv",
            ["CHILD", "SEX", "DOB"],
            (
                [f"B{n:07d}", "1", _fmt(dt.date(2010, 1, 1) + dt.timedelta(days=n % 3650))]
                for n in in_care
            ),
        )
        episodes = _csv(
            "episodes.csv",
            ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"],
            (
                [f"B{n:07d}", _fmt(DAY), "S", "C1" if changes(n) else "C2", "U1", "", ""]
                for n in in_care
            ),
        )
        reviews = _csv(
            "reviews.csv",
            ["CHILD", "REVIEW"],
            ([f"B{n:07d}", _fmt(DAY + dt.timedelta(days=20))] for n in in_care),
        )
        return [
            ("children", [children]),
            ("allocations", [allocations]),
            ("ssda903", [header, episodes, reviews]),
        ]

    def _print(self, results, children):
        vendor = connection.vendor
        self.stdout.write(f"\n{children} children on {vendor}\n")
        self.stdout.write(
            "| run | kind | rows | created | updated | unchanged | seconds | CPU s (this "
            "process) | rows/s | peak RSS MB |"
        )
        self.stdout.write("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, kind, rows, run, seconds, cpu, peak in results:
            self.stdout.write(
                f"| {label} | {kind} | {rows:,} | {run.created:,} | {run.updated:,} | "
                f"{run.unchanged:,} | {seconds:.1f} | {cpu:.1f} | {rows / seconds:,.0f} | "
                f"{peak:.0f} |"
            )
        for label in ("first load", "1% changed"):
            part = [r for r in results if r[0] == label]
            rows, seconds = sum(r[2] for r in part), sum(r[4] for r in part)
            self.stdout.write(
                f"| **{label}, all** | | {rows:,} | {sum(r[3].created for r in part):,} | "
                f"{sum(r[3].updated for r in part):,} | {sum(r[3].unchanged for r in part):,} | "
                f"**{seconds:.1f}** | {sum(r[5] for r in part):.1f} | {rows / seconds:,.0f} | "
                f"{max(r[6] for r in part):.0f} |"
            )


def upload_rows(upload: Upload) -> int:
    return max(upload.data.count(b"\n") - 1, 0)


def _cpu() -> float:
    """This process's CPU seconds (the database server's are not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
