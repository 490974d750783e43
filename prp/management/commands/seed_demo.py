"""Load the demo authority ("Demo County Council"). Safe to run again: it loads only once."""

from django.core.management.base import BaseCommand

from prp.demo import load_demo_authority


class Command(BaseCommand):
    help = "Load a made-up demo authority: people, teams, children and closure days."

    def handle(self, *args, **options):
        load_demo_authority(stdout=self.stdout)
