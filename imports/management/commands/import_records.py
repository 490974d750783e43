"""The nightly sync: `manage.py import_records --kind children FILE [FILE ...] [--dry-run]`.

Run by the council's own scheduler on the files its case-management system drops (a folder is
read whole: every .csv, .xlsx and .xml in it). Prints the summary the import page shows, records the
run, and exits with status 1 on any error (then nothing is written)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.kinds import all_kinds
from imports.services import Upload, import_now
from imports.summary import summary_lines


class Command(BaseCommand):
    help = "Import children, people, teams, allocations or a return from the council's files."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(all_kinds()))
        parser.add_argument(
            "paths", nargs="+", help="files, or a folder of .csv, .xlsx and .xml files"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args, kind, paths, dry_run, **options):
        uploads = [Upload(path.name, path.read_bytes()) for path in _files(paths)]
        run, plan = import_now(kind=kind, uploads=uploads, dry_run=dry_run)
        for line in summary_lines(plan, confirmed=not dry_run and plan.ok):
            self.stdout.write(line)
        self.stdout.write(f"Run {run.pk}: {run.get_status_display()}")
        if not plan.ok:
            raise CommandError(f"{len(plan.problems)} errors: nothing was imported.")


def _files(paths: list[str]) -> list[Path]:
    found = []
    for given in map(Path, paths):
        if given.is_dir():
            found += sorted(
                p for p in given.iterdir() if p.suffix.lower() in (".csv", ".xlsx", ".xml")
            )
        elif given.is_file():
            found.append(given)
        else:
            raise CommandError(f"{given}: there is no such file or folder.")
    return found
