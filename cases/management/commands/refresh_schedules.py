from django.core.management.base import BaseCommand

from cases.tasks import refresh_all_schedules


class Command(BaseCommand):
    help = "Work out again when every child in care or on a plan is next due a review and a QAPR."

    def handle(self, *args, **options):
        count = refresh_all_schedules()
        self.stdout.write(f"Review schedules worked out again for {count} children.")
