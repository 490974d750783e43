from django.conf import settings
from django.core.management.base import BaseCommand

from records import retention


class Command(BaseCommand):
    help = (
        "Replace the personal details of records past the retention period (RETENTION_YEARS). "
        "Shows what it would change; nothing is changed without --apply."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Make the changes (the default is a dry run)."
        )

    def handle(self, *args, apply=False, **options):
        plan = retention.plan()
        cutoff = f"{plan.cutoff.day} {plan.cutoff:%B %Y}"
        years = settings.RETENTION_YEARS
        self.stdout.write(
            f"Retention: {years} years. Past it: concerns closed before {cutoff} "
            f"({len(plan.concern_ids)}), children whose record closed before {cutoff} and have "
            f"no concern still kept ({len(plan.child_ids)})."
        )
        if plan.is_empty:
            self.stdout.write("Nothing to anonymise.")
            return
        heading = "Anonymised (rows changed):" if apply else "Would anonymise (rows to change):"
        if apply:
            retention.apply(plan)
        self.stdout.write(heading)
        for label, count in sorted(plan.counts.items()):
            self.stdout.write(f"  {label}: {count}")
        if not apply:
            self.stdout.write("This was a dry run: nothing was changed. Run with --apply to do it.")
