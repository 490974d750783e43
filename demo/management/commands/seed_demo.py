"""Load the demo authority ("Demo County Council"). Safe to run again: it loads only once."""

from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand

from demo.authority import load_demo_authority
from demo.concerns import load_demo_concerns
from demo.reviews import load_demo_reviews


class Command(BaseCommand):
    help = (
        "Load a made-up demo authority: people, teams, children, closure days, concerns, "
        "reviews and QAPRs."
    )

    def handle(self, *args, **options):
        # The demo records are made up by this loader, not changes anyone made: the audit trail
        # starts with the first real sign-in, not with about 1,100 entries by "the system".
        with disable_auditlog():
            load_demo_authority(stdout=self.stdout)
            made = load_demo_concerns()
            if made:
                self.stdout.write(f"Loaded {made} demo concerns in different stages.")
            load_demo_reviews(stdout=self.stdout)
