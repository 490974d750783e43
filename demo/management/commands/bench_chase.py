"""Benchmark the chase scan over many open tasks.

It WRITES to the current database (DATABASE_URL): run it on a throwaway one, e.g.

    DATABASE_URL=sqlite:////tmp/prp-bench.sqlite3 ./manage.py migrate
    DATABASE_URL=sqlite:////tmp/prp-bench.sqlite3 ./manage.py bench_chase --tasks 100000

What it makes is deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.core import mail
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import Child, ChildStatus
from escalations.models import (
    Action,
    Concern,
    ConcernChild,
    ConcernState,
    Stage,
    Task,
    TaskState,
)
from notifications import services
from notifications.models import Notification, Status
from prp import workdays
from prp.models import Protocol, Role, RoleCode, User
from prp.presets import install_presets
from reminders import chase

STAGES_PER_CONCERN = 100
SPREAD = 30  # due dates from 30 working days ago to 30 working days ahead
FORMAL_EVERY = 10  # one concern in ten is at a formal stage
BATCH = 5000


class Command(BaseCommand):
    help = (
        "Time one chase scan (and a second one, to show it queues nothing new) over N open "
        "tasks due from 30 working days ago to 30 ahead. WARNING: it writes to the current "
        "database, so run it on a throwaway one; what it makes is deleted afterwards unless "
        "--keep is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=100_000, help="Open tasks to make.")
        parser.add_argument(
            "--closed",
            type=int,
            default=0,
            help="Answered tasks to add as well, as a real table holds (default none).",
        )
        parser.add_argument("--keep", action="store_true", help="Keep the data it made.")
        parser.add_argument(
            "--explain", action="store_true", help="Print the query plans of the scan's queries."
        )
        parser.add_argument(
            "--no-send",
            dest="send",
            action="store_false",
            help="Do not time sending what the first scan queued (to the locmem email backend).",
        )

    def handle(
        self, *args, tasks: int, closed: int, keep: bool, explain: bool, send: bool, **options
    ):
        day = workdays.next_working_day(timezone.localdate())
        now = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        vendor = connection.vendor
        self.stdout.write(f"Database: {vendor} ({connection.settings_dict['NAME']})")
        self.stdout.write(
            f"Scanning as of {now:%A %-d %B %Y %H:%M}: {tasks:,} open tasks"
            + (f" and {closed:,} answered ones" if closed else "")
        )

        # The scan is measured, not the broker: no worker is woken for each chunk it queues.
        services.wake_sender = lambda: None
        started = time.perf_counter()
        made = self._build(tasks, closed, day)
        self.stdout.write(f"Made the data in {time.perf_counter() - started:.1f} s")
        try:
            self._analyse()
            if explain:
                self._explain(day)
            first, scan_took = self._scan(now)
            overdue = first.get("overdue", 0)
            each = scan_took * 1000 / overdue if overdue else 0
            self.stdout.write(
                f"First scan:  {scan_took:8.2f} s  queued {self._counts(first)}"
                f"\n             {overdue:,} overdue tasks: {each:.2f} ms per overdue task"
            )
            if send:
                send_took = self._send(now)
                total = scan_took + send_took
                each = total * 1000 / overdue if overdue else 0
                self.stdout.write(
                    f"End to end:  {total:8.2f} s  for {overdue:,} overdue tasks "
                    f"(scan {scan_took:.2f} s, sending {send_took:.2f} s): "
                    f"{each:.2f} ms per overdue task"
                )
            second, took = self._scan(now)
            self.stdout.write(f"Second scan: {took:8.2f} s  queued {self._counts(second)}")
            next_day = timezone.make_aware(
                dt.datetime.combine(workdays.add_working_days(day, 1), dt.time(10))
            )
            third, took = self._scan(next_day)
            self.stdout.write(f"Next day:    {took:8.2f} s  queued {self._counts(third)}")
        finally:
            if keep:
                self.stdout.write("Kept the data (--keep).")
            else:
                started = time.perf_counter()
                self._clean(made)
                self.stdout.write(f"Deleted the data in {time.perf_counter() - started:.1f} s")

    # Timing ----------------------------------------------------------------------------------

    def _scan(self, now):
        started = time.perf_counter()
        counts = chase.chase_scan(now)
        return counts, time.perf_counter() - started

    def _send(self, now):
        """Send everything the first scan queued, to the locmem backend, as the worker would.
        The seconds it took.

        The emails are dropped after each run of the sender, so memory stays flat."""
        due = Notification.objects.filter(
            status=Status.PENDING, by_digest=False, send_after__lte=now
        )
        queued = due.count()
        sent = 0
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            started = time.perf_counter()
            while True:
                mail.outbox = []
                done = services.send_due(now)
                sent += done
                if not done:
                    break
            took = time.perf_counter() - started
        mail.outbox = []
        left = due.count()
        rate = sent / took if took else 0
        each = took * 1000 / sent if sent else 0
        self.stdout.write(
            f"Sending:     {took:8.2f} s  sent {sent:,} of {queued:,} messages "
            f"({rate:,.0f} a second, {each:.2f} ms each; {left:,} left waiting)"
        )
        return took

    @staticmethod
    def _counts(counts: dict) -> str:
        total = sum(counts.values())
        detail = ", ".join(f"{kind} {n:,}" for kind, n in sorted(counts.items()))
        return f"{total:,} messages" + (f" ({detail})" if detail else "")

    def _analyse(self):
        """Fresh planner statistics (and, on PostgreSQL, no dead rows from an earlier run)."""
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    def _explain(self, day):
        options = {"analyze": True} if connection.vendor == "postgresql" else {}
        near, passed = chase.formal_selection(day)
        queries = {
            "overdue": chase.overdue_selection(day),
            "due today": Task.objects.filter(state="active", due_on=day),
            "formal limit near": near,
            "formal limit passed": passed,
            "overdue actions": chase.action_selection(day),
        }
        order = dict.fromkeys(("overdue", "due today", "overdue actions"), ("due_on", "pk"))
        for name, queryset in queries.items():
            # The ids query the scan runs first; it then loads only those rows, in chunks.
            ids = queryset.order_by(*order.get(name, ("pk",))).values_list("pk", flat=True)
            self.stdout.write(f"\n-- {name}\n{ids.query}")
            self.stdout.write(ids.explain(**options) + "\n")

    # Data ------------------------------------------------------------------------------------

    @transaction.atomic
    def _build(self, count: int, closed: int, day: dt.date) -> dict:
        token = secrets.token_hex(4)
        answered = {"state": TaskState.RESPONDED, "responded_at": timezone.now()}
        protocol = Protocol.objects.filter(is_active=True).first()
        if protocol is None:
            protocol = install_presets()["gloucestershire"]
        informal = protocol.stages.get(level=0)
        formal = protocol.stages.get(level=1)

        def person(name, role, **extra):
            user = User.objects.create_user(
                f"bench-{token}-{name.lower().replace(' ', '-')}@example.invalid",
                full_name=f"{name} (bench)",
                **extra,
            )
            user.roles.add(Role.objects.get_or_create(code=role)[0])
            return user

        raiser = person("Ira", RoleCode.IRO)
        manager = person("Tom", RoleCode.TEAM_MANAGER)
        assignees = [
            person(f"Worker {n}", RoleCode.SOCIAL_WORKER, line_manager=manager) for n in range(4)
        ]
        reviewer = person("Sian", RoleCode.REVIEWING_SERVICE_MANAGER)
        child = Child.objects.create(
            first_name="Bench",
            last_name="Child",
            date_of_birth=dt.date(2015, 3, 14),
            reference=f"BENCH-{token}",
            status=ChildStatus.CHILD_IN_CARE,
        )

        due_dates = [workdays.add_working_days(day, n) for n in range(-SPREAD, SPREAD + 1)]
        concern_count = -(-count // STAGES_PER_CONCERN)
        concerns = Concern.objects.bulk_create(
            [
                Concern(
                    protocol=protocol,
                    raised_by=raiser,
                    title=f"Bench concern {n}",
                    state=ConcernState.FORMAL if n % FORMAL_EVERY == 0 else ConcernState.INFORMAL,
                    start_level=1 if n % FORMAL_EVERY == 0 else 0,
                    opened_on=due_dates[0] - dt.timedelta(days=14),
                )
                for n in range(concern_count)
            ],
            batch_size=BATCH,
        )
        ConcernChild.objects.bulk_create(
            [ConcernChild(concern=c, child=child, is_primary=True) for c in concerns],
            batch_size=BATCH,
        )
        # Open tasks, then any answered ones (the history a real table holds), in slices so
        # memory stays flat: each a stage of its own, as the one-live-task constraint needs.
        closed_due = [workdays.add_working_days(day, -n) for n in range(1, 121)]
        for start in range(0, count + closed, BATCH * 4):
            numbers = range(start, min(start + BATCH * 4, count + closed))
            stages = []
            for n in numbers:
                concern = concerns[n // STAGES_PER_CONCERN if n < count else n % len(concerns)]
                is_formal = concern.state == ConcernState.FORMAL
                due_on = due_dates[n % len(due_dates)] if n < count else closed_due[n % 120]
                stages.append(
                    Stage(
                        concern=concern,
                        protocol_stage=formal if is_formal else informal,
                        level=1 if is_formal else 0,
                        raised_by=raiser,
                        opened_on=workdays.add_working_days(due_on, -5),
                        due_on=due_on,
                    )
                )
            stages = Stage.objects.bulk_create(stages, batch_size=BATCH)
            Task.objects.bulk_create(
                [
                    Task(
                        stage=stage,
                        concern_id=stage.concern_id,
                        assignee=assignees[n % len(assignees)],
                        delegated_by=raiser,
                        due_on=stage.due_on,
                        **({} if n < count else answered),
                    )
                    for n, stage in zip(numbers, stages, strict=True)
                ],
                batch_size=BATCH,
            )
        # One agreed action per concern, due across the same spread.
        Action.objects.bulk_create(
            [
                Action(
                    concern=concern,
                    description="Hold a planning meeting",
                    owner=assignees[n % len(assignees)],
                    due_on=due_dates[n % len(due_dates)],
                    recorded_by=raiser,
                )
                for n, concern in enumerate(concerns)
            ],
            batch_size=BATCH,
        )
        return {
            "users": [raiser.pk, manager.pk, reviewer.pk, *(a.pk for a in assignees)],
            "concerns": [c.pk for c in concerns],
            "child": child.pk,
        }

    def _clean(self, made: dict):
        concern_ids = made["concerns"]
        with transaction.atomic():
            for start in range(0, len(concern_ids), 500):
                ids = concern_ids[start : start + 500]
                Notification.objects.filter(concern_id__in=ids).delete()
                Task.objects.filter(stage__concern_id__in=ids)._raw_delete(connection.alias)
                Stage.objects.filter(concern_id__in=ids)._raw_delete(connection.alias)
                Action.objects.filter(concern_id__in=ids)._raw_delete(connection.alias)
                ConcernChild.objects.filter(concern_id__in=ids).delete()
                Concern.objects.filter(pk__in=ids).delete()
            Notification.objects.filter(recipient_id__in=made["users"]).delete()
            Child.objects.filter(pk=made["child"]).delete()
            User.objects.filter(pk__in=made["users"]).delete()
        if Concern.objects.filter(pk__in=concern_ids[:500]).exists():
            self.stderr.write("Some of the data was left behind.")
