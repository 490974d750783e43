"""A load run: gunicorn on 127.0.0.1 (workers as in docker-compose), N people signed in through
the real sign-in page, each opening the main pages over and over at once, for a bounded run.

    DJANGO_DEBUG=false DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_scale10k \\
        ./manage.py bench_load --people 15 --rounds 4

Prints the latencies seen by the people (p50, p95, max, per page and overall) and every error
(an answer of 500 or more, a failed connection, or a page that answered differently from its
first visit). Reads only: signing in and opening pages write what they always write (the session,
the sign-in record, "viewed" audit entries). See docs/PERFORMANCE.md, "The load run".
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prp.models import User

from .bench_dashboard import ALL_PAGES, ALL_ROLES, own_pages, percentile

# docker/entrypoint.sh starts gunicorn with GUNICORN_WORKERS, 3 unless set (docker-compose.yml
# does not set it).
COMPOSE_WORKERS = 3
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Person:
    user: User
    role: str
    pages: list[str] = field(default_factory=list)
    session: requests.Session | None = None


class Command(BaseCommand):
    help = (
        "Start gunicorn on 127.0.0.1, sign in N people (different personas) and have them all "
        "open the main pages at once for a bounded run; print p50, p95, max and errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=15, help="People at once (15).")
        parser.add_argument(
            "--rounds", type=int, default=4, help="Times each person opens each of their pages."
        )
        parser.add_argument(
            "--think",
            type=float,
            default=0.0,
            help="Seconds each person reads a page before the next, on average (uniformly "
            "half to one and a half times it; default 0: every person clicks without pause).",
        )
        parser.add_argument("--workers", type=int, default=COMPOSE_WORKERS)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--password",
            default="scale-password-2026",
            help="Everyone's password (seed_scale's by default).",
        )

    def handle(self, *args, people, rounds, think, workers, port, password, **options):
        if settings.DEBUG:
            raise CommandError("Set DJANGO_DEBUG=false: DEBUG's overhead is not what is served.")
        crowd = self._crowd(people)
        base = f"http://127.0.0.1:{port}"
        server = self._start(workers, port, base)
        try:
            for person in crowd:
                person.session = self._sign_in(base, person, password)
            self.stdout.write(f"Signed in {len(crowd)} people.")
            for person in crowd:
                self._first_visits(base, person)
            before = _cpu_seconds(server.pid)
            load_before = os.getloadavg()
            started = time.perf_counter()
            times, errors = self._run(base, crowd, rounds, think)
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds(server.pid) - before
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
        self._report(times, errors, elapsed, cpu, workers, len(crowd), rounds)
        if think:
            self.stdout.write(f"Each person paused {think:g} s on average between pages.")
        self.stdout.write(
            "Load averages (1, 5, 15 min) before: "
            + ", ".join(f"{x:.2f}" for x in load_before)
            + "; after: "
            + ", ".join(f"{x:.2f}" for x in load_after)
            + f"; {os.cpu_count()} cores."
        )

    # The people -------------------------------------------------------------------------------

    def _crowd(self, size: int) -> list[Person]:
        """`size` different people, taking one of each main role in turn."""
        per_role = {
            label: list(
                User.objects.filter(roles__code=code, is_active=True)
                .order_by("id")
                .distinct()[:size]
            )
            for code, label in ALL_ROLES
        }
        crowd: list[Person] = []
        seen: set[int] = set()
        for turn in range(size):
            for label, users in per_role.items():
                if len(crowd) == size:
                    break
                if turn < len(users) and users[turn].pk not in seen:
                    seen.add(users[turn].pk)
                    crowd.append(Person(users[turn], label))
        if len(crowd) < size:
            raise CommandError(f"Only {len(crowd)} people with the main roles were found.")
        for person in crowd:
            person.pages = [*ALL_PAGES, *own_pages(person.user)]
        return crowd

    def _sign_in(self, base: str, person: Person, password: str) -> requests.Session:
        session = requests.Session()
        page = session.get(f"{base}/sign-in/", timeout=60)
        token = CSRF.search(page.text)
        if token is None:
            raise CommandError("The sign-in page has no CSRF token.")
        answer = session.post(
            f"{base}/sign-in/",
            data={
                "username": person.user.email,
                "password": password,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": f"{base}/sign-in/"},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or "sign-in" in answer.headers.get("Location", ""):
            raise CommandError(f"{person.user.email} could not sign in ({answer.status_code}).")
        return session

    def _first_visits(self, base: str, person: Person) -> None:
        """Each page once (not timed): a page this person may not open (403) leaves their list."""
        kept = []
        for path in person.pages:
            answer = person.session.get(base + path, timeout=120, allow_redirects=False)
            if answer.status_code == 200:
                kept.append(path)
            elif answer.status_code != 403:
                raise CommandError(f"{path} answered {answer.status_code} for {person.role}.")
        person.pages = kept

    # The run ----------------------------------------------------------------------------------

    def _run(self, base: str, crowd: list[Person], rounds: int, think: float):
        times: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        gate = threading.Barrier(len(crowd))
        pacing = random.Random(18)  # the same pauses from run to run

        def walk(person: Person, offset: int) -> None:
            pages = (
                person.pages[offset % len(person.pages) :]
                + person.pages[: offset % len(person.pages)]
            )
            gate.wait()
            for _ in range(rounds):
                for path in pages:
                    started = time.perf_counter()
                    try:
                        answer = person.session.get(base + path, timeout=120, allow_redirects=False)
                        status = answer.status_code
                    except requests.RequestException as error:
                        status, answer = None, error
                    seconds = time.perf_counter() - started
                    with lock:
                        times[_kind(path)].append(seconds)
                        if status != 200:
                            errors.append(f"{person.role} {path}: {status or answer!r}")
                    if think:
                        time.sleep(think * (0.5 + pacing.random()))

        threads = [
            threading.Thread(target=walk, args=(person, i)) for i, person in enumerate(crowd)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return times, errors

    def _start(self, workers: int, port: int, base: str) -> subprocess.Popen:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [
                str(gunicorn),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
            ],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(120):
            try:
                requests.get(f"{base}/sign-in/", timeout=5)
                return server
            except requests.RequestException:
                time.sleep(0.5)
        server.terminate()
        raise CommandError("gunicorn did not answer within a minute.")

    # The report -------------------------------------------------------------------------------

    def _report(self, times, errors, elapsed, cpu, workers, people, rounds) -> None:
        every = [t for values in times.values() for t in values]
        self.stdout.write(
            f"\n{people} people at once, {rounds} rounds of their pages, gunicorn with {workers} "
            f"workers on 127.0.0.1: {len(every)} requests in {elapsed:.1f} s "
            f"({len(every) / elapsed:.1f} a second); the workers used {cpu:.1f} s of CPU."
        )
        self.stdout.write("\n| page | requests | p50 (ms) | p95 (ms) | max (ms) |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: |")
        for path, values in sorted(times.items()):
            self.stdout.write(_row(path, values))
        self.stdout.write(_row("**all**", every))
        self.stdout.write(f"\nErrors: {len(errors)}")
        for error in errors[:20]:
            self.stdout.write(f"  {error}")


def _kind(path: str) -> str:
    """/concerns/123/ -> /concerns/<id>/, so each person's own concern page is one row."""
    return re.sub(r"/\d+/", "/<id>/", path)


def _row(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {percentile(ms, 0.95):.0f} "
        f"| {max(ms):.0f} |"
    )


def _cpu_seconds(master: int) -> float:
    """User and system CPU of gunicorn's master and its workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total
