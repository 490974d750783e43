"""Previewing and running an import. Only administrators import; every run is recorded."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from prp.audit import update_recorded
from prp.models import JobHeartbeat, User

from .kinds import Kind, all_kinds
from .kinds.ssda903 import which_file
from .models import ImportFile, ImportRun
from .plans import Plan, writing
from .reading import BadFile, Problem, read_table, sniff_columns


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


class ImportRefused(Exception):
    """The run cannot be confirmed (not a preview of this person's, or already done)."""


def _require_administrator(user: User | None) -> None:
    if user is not None and not user.is_administrator:
        raise PermissionDenied("Only administrators can import records.")


def _tables(kind: Kind, uploads: list[Upload], plan: Plan):
    """Each file read as a table of the kind's columns; a file that cannot be read is a
    problem on the plan (and nothing of it is used)."""
    tables = []
    for upload in uploads:
        if kind.read is not None:
            try:
                tables += kind.read(upload.name, upload.data)
            except BadFile as bad:
                plan.problems.extend(bad.problems)
            continue
        columns = kind.columns
        if kind.files:
            found = which_file(sniff_columns(upload.name, upload.data))
            columns = dict(kind.files).get(found, kind.files[0][1])
        required = [c.name for c in columns if c.required]
        optional = [c.name for c in columns if not c.required]
        try:
            tables.append(
                read_table(upload.name, upload.data, required=required, optional=optional)
            )
        except BadFile as bad:
            plan.problems.extend(bad.problems)
    return tables


def import_plan(*, kind: str, uploads: list[Upload]) -> Plan:
    """What importing these files would do; writes nothing."""
    found = all_kinds()[kind]
    plan = Plan()
    if not uploads:
        plan.problems.append(Problem("", None, None, "", "Choose a file to import."))
        return plan
    tables = _tables(found, uploads, plan)
    if plan.problems:
        return plan
    return found.plan(tables)


def _record(run: ImportRun, plan: Plan, status: str) -> ImportRun:
    run.status = status
    run.created, run.updated, run.unchanged = plan.created, plan.updated, plan.unchanged
    run.errors = [p.as_dict() for p in plan.problems]
    run.not_in_extract, run.placeholders = plan.not_in_extract, plan.placeholders
    if status != ImportRun.Status.PREVIEWED:
        run.finished_at = timezone.now()
    run.save()
    if status == ImportRun.Status.DONE:
        # /health/ lists each job's age from these: monitoring sees a nightly sync that stopped.
        JobHeartbeat.objects.update_or_create(
            name=f"import_{run.kind}", defaults={"last_success_at": run.finished_at}
        )
    return run


def import_preview(
    *, kind: str, uploads: list[Upload], by: User | None, source=ImportRun.Source.PAGE
) -> tuple[ImportRun, Plan]:
    """Check the files and work out what they would change; keep them for the confirmation.
    Only the run (and its files) is written."""
    _require_administrator(by)
    plan = import_plan(kind=kind, uploads=uploads)
    run = ImportRun(
        kind=kind,
        source=source,
        started_by=by,
        file_names=", ".join(u.name for u in uploads)[:500],
        status=ImportRun.Status.PREVIEWED,
    )
    status = ImportRun.Status.PREVIEWED if plan.ok else ImportRun.Status.FAILED
    _record(run, plan, status)
    if plan.ok:
        for upload in uploads:
            stored = ImportFile(run=run, name=upload.name)
            stored.content.save(upload.name, ContentFile(upload.data), save=True)
    return run, plan


class _Undo(Exception):
    """A problem found while importing: the transaction is undone."""


_collector = {"imports": 0, "thresholds": gc.get_threshold()}
_collector_lock = threading.Lock()


@contextmanager
def _fewer_collections():
    """Python's cycle collector less often while importing. A first load makes hundreds of
    thousands of objects that live for a batch (records, their entries, the rows read); at the
    default thresholds the collector went through the survivors again and again, about a tenth
    of the load's CPU. The objects are freed as before; cycles are collected, only later. (The
    thresholds are the process's: set by the first import running, put back by the last.)"""
    with _collector_lock:
        if _collector["imports"] == 0:
            _collector["thresholds"] = gc.get_threshold()
            first, *rest = _collector["thresholds"]
            gc.set_threshold(max(first, 50_000), *rest)
        _collector["imports"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["imports"] -= 1
            if _collector["imports"] == 0:
                gc.set_threshold(*_collector["thresholds"])


def _plan_and_apply(kind: str, uploads: list[Upload], by: User | None, files: str) -> Plan:
    """Check the files and import them, in one transaction: the new records are written batch
    by batch while the files are read (plans.writing), then the changes through the services.
    A problem in any row, or a rule a service refuses, undoes it all."""
    state = None
    try:
        with _fewer_collections(), transaction.atomic():
            with writing(by) as state:
                plan = import_plan(kind=kind, uploads=uploads)
            if plan.ok:
                plan.run_loads(by)
                for write in plan.writes + plan.later:
                    write(by)
            if not plan.ok:
                raise _Undo
    except _Undo:
        pass
    except ValidationError as error:
        plan = _failed(state)
        plan.problems.append(Problem(files, None, None, "", " ".join(error.messages)))
    except IntegrityError:
        # Someone changed the same records while this ran: nothing was written.
        plan = _failed(state)
        plan.problems.append(
            Problem(files, None, None, "", "The records changed while importing: try again.")
        )
    return plan


def _failed(state) -> Plan:
    """The plan being imported when a service refused (its counts), or an empty one."""
    return state.plan if state is not None and state.plan is not None else Plan()


def _claim(run: ImportRun, by: User) -> None:
    _require_administrator(by)
    # Compare-and-set, so a double click imports once; recorded in the audit trail.
    claimed = update_recorded(
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED, started_by=by),
        status=ImportRun.Status.RUNNING,
    )
    if claimed != 1:
        raise ImportRefused("This import has already been confirmed or was not yours.")
    run.status = ImportRun.Status.RUNNING


def runs_in_background(run: ImportRun) -> bool:
    """A file this large is imported by the worker, so the page does not wait on it."""
    size = sum(stored.content.size for stored in run.files.all())
    return size >= settings.IMPORTS_BACKGROUND_BYTES


def import_confirm(*, run: ImportRun, by: User) -> Plan:
    """Import the files of a preview now: checked again (the records may have changed since),
    then every write in one transaction. The kept files are removed afterwards."""
    _claim(run, by)
    return finish_import(run)


def import_confirm_later(*, run: ImportRun, by: User) -> None:
    """Claim the preview and leave the import to the worker (imports.tasks.run_import)."""
    from .tasks import run_import

    _claim(run, by)
    transaction.on_commit(lambda: run_import.delay(run.pk))


def finish_import(run: ImportRun) -> Plan:
    """The import of a claimed run, by whoever confirmed it."""
    uploads = [Upload(f.name, f.content.read()) for f in run.files.all()]
    plan = _plan_and_apply(run.kind, uploads, run.started_by, run.file_names)
    _record(run, plan, ImportRun.Status.DONE if plan.ok else ImportRun.Status.FAILED)
    _forget_files(run)
    return plan


def import_now(
    *, kind: str, uploads: list[Upload], dry_run: bool = False
) -> tuple[ImportRun, Plan]:
    """The nightly command's run: check, and import unless it is a dry run or has errors."""
    if dry_run:
        plan = import_plan(kind=kind, uploads=uploads)
    else:
        plan = _plan_and_apply(kind, uploads, None, ", ".join(u.name for u in uploads))
    run = ImportRun(
        kind=kind,
        source=ImportRun.Source.COMMAND,
        file_names=", ".join(u.name for u in uploads)[:500],
        status=ImportRun.Status.DRY_RUN,
    )
    if not plan.ok:
        return _record(run, plan, ImportRun.Status.FAILED), plan
    return _record(run, plan, ImportRun.Status.DRY_RUN if dry_run else ImportRun.Status.DONE), plan


def _forget_files(run: ImportRun) -> None:
    # The files hold children's details: kept no longer than the import needs them.
    for stored in run.files.all():
        stored.content.delete(save=False)
        stored.delete()
