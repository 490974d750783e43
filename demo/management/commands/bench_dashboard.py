"""Time the dashboard and report pages, and the same pages' SQL run on its own.

For each page: the server time of N requests through Django's test client (signed in as the
given person), and the time of the SQL statements that one request ran, replayed N times
straight on a database cursor. Side by side they show how much of a page is the database and
how much is Python and templates. Read-only: it replays only the statements that read.

    DJANGO_DEBUG=false DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_scale \
        ./manage.py bench_dashboard --runs 20 --markdown

See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from escalations import selectors as escalation_selectors
from escalations.models import ConcernState, Task
from prp.email_address import normalise_email
from prp.models import RoleCode, User

DEFAULT_PAGES = [
    "dashboards:dashboard",
    "reports:themes",
    "reports:clinic_pack",
    "reports:annual",
]
READS = ("SELECT", "WITH", "(SELECT")
# `--all`: one person of each of these roles (the first active one found in the data)...
ALL_ROLES = [
    (RoleCode.IRO, "IRO"),
    (RoleCode.CP_CHAIR, "CP chair"),
    (RoleCode.TEAM_MANAGER, "team manager"),
    (RoleCode.HEAD_OF_SERVICE, "head of service"),
    (RoleCode.ASSISTANT_DIRECTOR, "assistant director"),
    (RoleCode.REVIEWING_SERVICE_MANAGER, "reviewing service manager"),
    (RoleCode.PERFORMANCE, "performance officer"),
]
# ...times every main page (a concern page and a task page the person can see are added).
ALL_PAGES = [
    "/",
    "/tasks/",
    "/concerns/",
    "/concerns/clinic/",
    "/children/",
    "/children/reviews-due/",
    "/qapr/",
    "/qapr/recommendations/",
    "/notifications/",
    "/dashboard/",
    "/reports/themes/",
    "/reports/clinic-pack/",
    "/reports/annual/",
]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def is_read(sql: str) -> bool:
    text = sql.lstrip().upper()
    return text.startswith(READS) and " FOR UPDATE" not in text


@dataclass
class Result:
    page: str
    path: str
    queries: int
    server: list[float]
    sql: list[float]
    skipped_writes: int = 0
    statements: list[tuple[float, str]] = field(default_factory=list)  # (median s, sql)
    who: str = ""

    def cells(self) -> list[str]:
        times = [
            statistics.median(self.server),
            percentile(self.server, 0.95),
            statistics.median(self.sql) if self.sql else 0.0,
            percentile(self.sql, 0.95) if self.sql else 0.0,
        ]
        return [self.page, self.path, str(self.queries), *(f"{t * 1000:.1f}" for t in times)]


HEADERS = [
    "Page",
    "Path",
    "Queries",
    "Server p50 (ms)",
    "Server p95 (ms)",
    "Raw SQL p50 (ms)",
    "Raw SQL p95 (ms)",
]


def own_pages(person: User) -> list[str]:
    """A concern page and a task page this person can see (their own task if they have one)."""
    pages = []
    concern = (
        escalation_selectors.concern_queryset(person)
        .exclude(state=ConcernState.DRAFT)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    if concern is not None:
        pages.append(f"/concerns/{concern}/")
    task = (
        Task.objects.filter(assignee=person).order_by("-id").values_list("pk", flat=True)
    ).first() or (
        Task.objects.filter(stage__concern__in=escalation_selectors.concern_queryset(person))
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    if task is not None:
        pages.append(f"/tasks/{task}/")
    return pages


class Command(BaseCommand):
    help = (
        "Time each dashboard and report page (median and 95th percentile over N requests) "
        "and the same page's SQL replayed on a cursor, side by side."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="Requests per page (default 20).")
        parser.add_argument(
            "--user",
            help="Email of the person to sign in as (default: a reviewing service manager).",
        )
        parser.add_argument(
            "--page",
            action="append",
            dest="pages",
            help="A URL name or a path starting with / (repeatable; default: the dashboard, "
            "themes, clinic pack and annual report).",
        )
        parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")
        parser.add_argument(
            "--top",
            type=int,
            default=0,
            help="Also list each page's N slowest statements (median time).",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print the plan of each page's slowest statement (EXPLAIN ANALYZE on PostgreSQL).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every",
            help="Every persona (one of each main role, found in the data) on every main page, "
            "with a concern page and a task page each can see; prints page, who, queries, p50, "
            "p95 (and with --explain the slowest statement of each page and its plan).",
        )
        parser.add_argument(
            "--cold",
            action="store_true",
            help="Clear the cache before every request, to time pages without cached figures.",
        )

    def handle(self, *args, runs, user, pages, markdown, top, explain, cold, every, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if every:
            return self._every(runs, explain, cold)
        person = self._person(user)
        pages = pages or DEFAULT_PAGES
        roles = ", ".join(sorted(person.role_codes)) or "no roles"
        self.stdout.write(
            f"{connection.vendor} ({connection.settings_dict['NAME']}): {runs} runs a page "
            f"after one warm-up, signed in as {person.email} ({roles})"
            + ("; cache cleared before each request" if cold else "")
        )
        if settings.DEBUG:
            self.stdout.write(
                "DEBUG is on: server times include its overhead (set DJANGO_DEBUG=false)."
            )
        results = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            client = Client()
            client.force_login(person)
            for page in pages:
                result = self._bench(client, page, runs, cold)
                if result is not None:
                    results.append(result)
        self._table(results, markdown)
        for result in results:
            if top:
                self._top(result, top)
            if explain and result.statements:
                self._explain(result)

    def _every(self, runs: int, explain: bool, cold: bool) -> None:
        self.stdout.write(
            f"{connection.vendor} ({connection.settings_dict['NAME']}): {runs} runs a page after "
            "one warm-up" + ("; cache cleared before each request" if cold else "")
        )
        results: list[Result] = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            for code, label in ALL_ROLES:
                person = (
                    User.objects.filter(roles__code=code, is_active=True).order_by("id").first()
                )
                if person is None:
                    self.stdout.write(f"Skipped {label}: nobody has that role.")
                    continue
                self.stdout.write(f"{label}: {person.email}")
                client = Client()
                client.force_login(person)
                for path in [*ALL_PAGES, *own_pages(person)]:
                    result = self._bench(client, path, runs, cold)
                    if result is not None:
                        result.who = label
                        results.append(result)
        self.stdout.write("")
        self.stdout.write("| page | who | queries | p50 (ms) | p95 (ms) | raw SQL p50 (ms) |")
        self.stdout.write("| --- | --- | ---: | ---: | ---: | ---: |")
        for result in results:
            _page, path, queries, p50, p95, sql50, _sql95 = result.cells()
            self.stdout.write(f"| {path} | {result.who} | {queries} | {p50} | {p95} | {sql50} |")
        if explain:
            for result in results:
                if result.statements:
                    self._explain(result, heading=f"{result.path} ({result.who})")

    def _person(self, email: str | None) -> User:
        if email:
            person = User.objects.filter(email=normalise_email(email)).first()
            if person is None:
                raise CommandError(f"Nobody has the email address {email}.")
            return person
        person = (
            User.objects.filter(roles=RoleCode.REVIEWING_SERVICE_MANAGER, is_active=True)
            .order_by("id")
            .first()
        )
        if person is None:
            raise CommandError("There is no reviewing service manager: pass --user.")
        return person

    def _path(self, page: str) -> str | None:
        if page.startswith("/"):
            return page
        try:
            return reverse(page)
        except NoReverseMatch:
            self.stdout.write(f"Skipped {page}: no page has that name yet.")
            return None

    def _get(self, client: Client, path: str, cold: bool):
        if cold:
            cache.clear()
        return client.get(path, secure=getattr(settings, "SECURE_SSL_REDIRECT", False))

    def _bench(self, client: Client, page: str, runs: int, cold: bool) -> Result | None:
        path = self._path(page)
        if path is None:
            return None
        try:
            response = self._get(client, path, cold)
        except Exception as error:  # noqa: BLE001 - one broken page must not stop the others
            self.stdout.write(f"Skipped {page}: {path} failed: {error!r}")
            return None
        if response.status_code != 200:
            self.stdout.write(f"Skipped {page}: {path} answered {response.status_code}.")
            return None
        server = []
        for _ in range(runs):
            started = time.perf_counter()
            self._get(client, path, cold)
            server.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            self._get(client, path, cold)
        statements = [query["sql"] for query in captured.captured_queries]
        reads = [sql for sql in statements if is_read(sql)]
        totals, each = self._replay(reads, runs)
        ranked = sorted(
            ((statistics.median(times), sql) for sql, times in zip(reads, each, strict=True)),
            key=lambda pair: pair[0],
            reverse=True,
        )
        return Result(
            page=page,
            path=path,
            queries=len(statements),
            server=server,
            sql=totals,
            skipped_writes=len(statements) - len(reads),
            statements=ranked,
        )

    def _replay(self, statements: list[str], runs: int) -> tuple[list[float], list[list[float]]]:
        """Run the statements straight on the driver's cursor, `runs` times."""
        connection.ensure_connection()
        raw = connection.connection
        totals: list[float] = []
        each: list[list[float]] = [[] for _ in statements]
        for _ in range(runs):
            total = 0.0
            for i, sql in enumerate(statements):
                cursor = raw.cursor()
                started = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                elapsed = time.perf_counter() - started
                cursor.close()
                each[i].append(elapsed)
                total += elapsed
            totals.append(total)
        return totals, each

    def _table(self, results: list[Result], markdown: bool) -> None:
        rows = [result.cells() for result in results]
        if not rows:
            self.stdout.write("No page was measured.")
            return
        if markdown:
            self.stdout.write("| " + " | ".join(HEADERS) + " |")
            self.stdout.write("| --- | --- | " + " | ".join(["---:"] * 5) + " |")
            for row in rows:
                self.stdout.write("| " + " | ".join(row) + " |")
            return
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(HEADERS)]
        line = "  ".join(
            h.ljust(w) if i < 2 else h.rjust(w)
            for i, (h, w) in enumerate(zip(HEADERS, widths, strict=True))
        )
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(w) if i < 2 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )

    def _top(self, result: Result, count: int) -> None:
        self.stdout.write(f"\n{result.page}: slowest statements (median of the replays)")
        for seconds, sql in result.statements[:count]:
            text = " ".join(sql.split())
            self.stdout.write(f"  {seconds * 1000:8.2f} ms  {text[:300]}")

    def _explain(self, result: Result, heading: str = "") -> None:
        seconds, sql = result.statements[0]
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        cursor = connection.connection.cursor()
        cursor.execute(prefix + sql)
        plan = cursor.fetchall()
        cursor.close()
        title = heading or result.page
        self.stdout.write(f"\n{title}: slowest statement ({seconds * 1000:.2f} ms)")
        self.stdout.write(sql)
        for row in plan:
            self.stdout.write("  " + " ".join(str(cell) for cell in row))
