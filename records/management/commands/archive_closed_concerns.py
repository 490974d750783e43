from django.conf import settings
from django.core.management.base import BaseCommand

from records.retention import archive_closed_concerns


class Command(BaseCommand):
    help = (
        "Archive resolved and withdrawn concerns closed more than CONCERN_ARCHIVE_AFTER_DAYS ago "
        "(the daily job does the same)."
    )

    def handle(self, *args, **options):
        count = archive_closed_concerns()
        days = settings.CONCERN_ARCHIVE_AFTER_DAYS
        self.stdout.write(f"{count} concerns closed more than {days} days ago archived.")
