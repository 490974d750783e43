"""Make a national-scale dataset to measure the dashboards against (see docs/PERFORMANCE.md).

It WRITES to the current database (DATABASE_URL). Use a database of its own, e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_scale ./manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prp_scale ./manage.py seed_scale
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo.scale import DEFAULT_CHILDREN, SCALE_PASSWORD, ScaleGenerator, database_has_children
from prp.models import User


class Command(BaseCommand):
    help = (
        "Make a national-scale dataset with bulk inserts: for 100,000 children about 2,000 "
        "people, 500,000 concerns, 1,000,000 tasks and 200,000 QAPRs. Refuses to run on a "
        "database that already has children unless --append is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--children",
            type=int,
            default=DEFAULT_CHILDREN,
            help="Children to make; everything else scales with it (default 100,000).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows per insert (default 5,000)."
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a database that already has children (a second authority's worth).",
        )

    def handle(self, *args, children: int, seed: int, batch_size: int, append: bool, **options):
        if children < 1:
            raise CommandError("--children must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if database_has_children() and not append:
            raise CommandError(
                "This database already has children. seed_scale is for an empty database of "
                "its own; pass --append to add to it anyway."
            )
        name = connection.settings_dict["NAME"]
        self.stdout.write(f"Database: {connection.vendor} ({name}); {children:,} children")
        try:
            generator = ScaleGenerator(
                children=children, seed=seed, batch_size=batch_size, say=self.stdout.write
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        timings = generator.run()
        total = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(f"{'Table':<40} {'Rows':>11} {'Insert (s)':>11} {'Rows/s':>9}")
        for label, seconds in timings.seconds.items():
            rows = timings.rows[label]
            rate = f"{rows / seconds:,.0f}" if rows and seconds else ""
            shown = f"{rows:,}" if rows else ""
            self.stdout.write(f"{label:<40} {shown:>11} {seconds:>11.1f} {rate:>9}")
        inserted = sum(timings.rows.values())
        self.stdout.write(f"{inserted:,} rows in {total:.1f} s.")
        manager = generator.org.reviewing_service_manager
        email = User.objects.filter(pk=manager).values_list("email", flat=True).first()
        self.stdout.write(
            f"Everyone's password is {SCALE_PASSWORD!r}. A reviewing service manager, who sees "
            f"the whole authority: {email}"
        )
