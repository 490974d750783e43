"""The audit trail: who opened a child's record, who was refused, and every change.

django-auditlog writes every entry as a `LogEntry`:
- changes, with the values before and after, through its model signals (the models are listed in
  `records.audited`, registered when the records app starts, through `register` here);
- views and refused attempts through `record_view` and `refusals_recorded` here, as its "access"
  action. A refused attempt carries `{"refused": true}` in `additional_data`.
Who and from where come from `AuditMiddleware`, which wraps every request.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, model_instance_diff, track_field
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.receivers import log_update
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    BooleanField,
    DateField,
    DateTimeField,
    ForeignKey,
    JSONField,
    Model,
    Q,
    QuerySet,
)
from django.db.models.base import ModelState
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.text import capfirst

from . import figures_cache
from .bulk import create_rows, update_rows
from .models import Download, RoleCode, User
from .templatetags.govuk import govuk_datetime

# Fields that change on every save and say nothing about what was done.
NOISE = ("updated_at", "lock_version")

# Besides administrators: the reviewing service's managers, who answer for the record's
# quality. Performance staff see figures, not who looked at whom.
AUDIT_ROLES = frozenset({RoleCode.REVIEWING_SERVICE_MANAGER, RoleCode.REVIEWING_HEAD_OF_SERVICE})

# The words shown for the page someone opened (the URL's name).
PAGES = {
    "child_detail": "Child's page",
    "child_reviews": "Reviews and quality assurance",
    "child_audit": "Who has viewed this record",
    "concern_detail": "Concern",
    "concern_audit": "Who has viewed this record",
    "task_detail": "Task",
    "qapr_detail": "QAPR",
    "attachment_download": "File downloaded",
    "api": "Read through the API",
}


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware: puts the person and their address on every entry of a request.

    The address is the connection's, unless the app sits behind a proxy we run
    (`AUDIT_TRUST_X_FORWARDED_FOR`): anyone can send an X-Forwarded-For header, so trusting it
    by default would let people write any address into the audit trail.
    """

    @staticmethod
    def _get_remote_addr(request):
        if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
            return AuditlogMiddleware._get_remote_addr(request)
        return request.META.get("REMOTE_ADDR")

    @staticmethod
    def _get_actor(request):
        # Left lazy: auditlog looks at it only when an entry is written (and keeps it only if
        # it is a signed-in person). Looking the person up here would query the database on
        # every request, even /health/, which must answer when the database is down.
        return getattr(request, "user", None)

    @staticmethod
    def _get_remote_port(request):
        if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
            return AuditlogMiddleware._get_remote_port(request)
        return None


def register_two_factor() -> None:
    """Turning two-factor codes on or off, and new backup codes, are changes to how a person
    signs in. Only whose device it is, its name and whether it is confirmed: never the key or
    the codes, nor the counters that change at every sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        auditlog.register(model, include_fields=["user", "name", "confirmed"])
    # A backup code made or used up: which person's, never the code.
    auditlog.register(StaticToken, include_fields=["device"])


def register(model: type[Model], *, leave_out=frozenset(NOISE), m2m=frozenset()) -> None:
    # Only the model's own columns: auditlog would otherwise write each reverse relation into a
    # new record's entry as "None".
    fields = [field.name for field in model._meta.concrete_fields if field.name not in leave_out]
    auditlog.register(model, include_fields=fields, m2m_fields=set(m2m))


class AuditEntryFrozen(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


@receiver(pre_save, sender=LogEntry)
def _refuse_change(sender, instance, **kwargs):
    if not instance._state.adding:
        raise AuditEntryFrozen("Audit entries cannot be changed.")


@receiver(pre_delete, sender=LogEntry)
def _refuse_delete(sender, instance, **kwargs):
    raise AuditEntryFrozen("Audit entries cannot be deleted.")


# Writing entries ---------------------------------------------------------------------------------

# auditlog writes its entries from the model signals of save() and delete(). QuerySet.update()
# and bulk_create() send none, so a change made with them would leave no trace: on an audited
# model they go through these two, which write the entries save() would have written.


def update_recorded(queryset: QuerySet, **values) -> int:
    """`queryset.update(**values)`, with a change entry for each row it changes.

    The rows are locked and read first, so the entries name exactly the rows updated (a
    compare-and-set filter on the queryset still decides). Plain values only: an F() expression's
    result is not known before the update runs.
    """
    if any(hasattr(value, "resolve_expression") for value in values.values()):
        raise TypeError("update_recorded takes plain values, not expressions.")
    model = queryset.model
    if figures_cache.counts_towards_figures(model):
        figures_cache.changed()  # update() sends no signal for the figures' cache to hear
    if not auditlog.contains(model) or auditlog_disabled.get():
        return queryset.update(**values)
    with transaction.atomic():
        ids = queryset.values("pk")
        rows = list(model._base_manager.filter(pk__in=ids).select_for_update())
        for row in rows:
            after = copy.copy(row)
            for name, value in values.items():
                setattr(after, name, value)
            log_update(sender=model, instance=after, update_fields=list(values))
        return queryset.filter(pk__in=[row.pk for row in rows]).update(**values)


def create_recorded(model: type[Model], objects: Iterable[Model]) -> list[Model]:
    """`model.objects.bulk_create(objects)`, with a "created" entry for each row (written
    together: with COPY on PostgreSQL, see prp.bulk.create_rows)."""
    created = create_rows(model, list(objects))
    if figures_cache.counts_towards_figures(model):
        figures_cache.changed()  # bulk_create() sends no signal for the figures' cache to hear
    entries_recorded((LogEntry.Action.CREATE, instance, None, None) for instance in created)
    return created


CREATED, CHANGED = LogEntry.Action.CREATE, LogEntry.Action.UPDATE


def entries_recorded(changes: Iterable[tuple[int, Model, Model | None, list | None]]) -> int:
    """The entries save() would have written for rows written in bulk, written together.

    Each change is (action, the row as written, the row before or None, the fields written or
    None). The content is auditlog's own: its diff of the registered fields (`changes_of`), the
    record's name, and the person and address of the request (its pre_save receivers set them,
    as for one entry). A change that changes no audited field writes no entry, as with save()."""
    if auditlog_disabled.get():
        return 0
    template = LogEntry(cid=get_cid())
    # What LogEntry.save() would run: auditlog's receivers put on who and from where. What they
    # set comes from the request's (or the job's) context, the same for every entry written
    # here, so they run once and each entry starts as a copy.
    pre_save.send(
        sender=LogEntry, instance=template, raw=False, using="default", update_fields=None
    )
    kinds: dict[type[Model], tuple[int, bool] | None] = {}
    audited = []
    for change in changes:
        model = type(change[1])
        if model not in kinds:
            kinds[model] = _entry_kind(model)
        if kinds[model] is not None:
            audited.append(change)
    entries = []
    diffs = changes_many([(before, instance, fields) for _, instance, before, fields in audited])
    for (action, instance, _before, _fields), found in zip(audited, diffs, strict=True):
        if not found:
            continue
        model = type(instance)
        content_type, serialized = kinds[model]
        entry = _copy_entry(template)
        entry.content_type_id = content_type
        entry.object_pk = str(instance.pk)
        entry.object_id = instance.pk if isinstance(instance.pk, int) else None
        entry.object_repr = str(instance)
        if serialized:
            entry.serialized_data = LogEntry.objects._get_serialized_data_or_none(instance)
        entry.action = action
        entry.changes = found
        entry.timestamp = timezone.now()
        entries.append(entry)
    for start in range(0, len(entries), 2000):
        create_rows(LogEntry, entries[start : start + 2000], ids=False)
    return len(entries)


def _entry_kind(model: type[Model]) -> tuple[int, bool] | None:
    """(its content type's id, whether auditlog keeps a copy of the record), or None for a
    model not audited."""
    if not auditlog.contains(model):
        return None
    serialized = auditlog.get_serialize_options(model)["serialize_data"]
    return ContentType.objects.get_for_model(model).pk, serialized


def _copy_entry(template: LogEntry) -> LogEntry:
    entry = LogEntry.__new__(LogEntry)
    entry.__dict__ = template.__dict__.copy()
    entry._state = ModelState()
    entry._state.fields_cache = dict(template._state.fields_cache)
    return entry


# Each change's content, as auditlog's model_instance_diff gives it (auditlog.diff), for the
# models registered the plain way (prp.audit.register: named fields, none masked, changes kept
# as text): its generic diff looks at every field of the model, reverse relations included, and
# reads each value through a chain of isinstance checks, which was most of a bulk load's cost.
# Anything else is left to model_instance_diff itself.

_KEY, _PLAIN, _MOMENT, _AUDITLOGS_OWN = range(4)
# Values smart_str turns into text with plain str().
_STR_AS_THEY_ARE = frozenset({type(None), bool, int, dt.date})


def changes_of(before: Model | None, after: Model, fields: list | None) -> dict | None:
    """model_instance_diff(before, after, fields_to_check=fields), for a change written in bulk."""
    return changes_many([(before, after, fields)])[0]


def changes_many(items: list[tuple[Model | None, Model, list | None]]) -> list[dict | None]:
    """changes_of for each (before, after, fields) at once: the changes of a kind (the model, new
    or changed, the fields written) are read a column at a time, the registry once."""
    found: list[dict | None] = [None] * len(items)
    kinds: dict[tuple, list[int]] = {}
    for n, (before, after, fields) in enumerate(items):
        kinds.setdefault((type(after), before is None, frozenset(fields or ())), []).append(n)
    use_tz = settings.USE_TZ
    for key, members in kinds.items():
        compared = _compared_fields(*key)
        if compared is None:
            for n in members:
                before, after, fields = items[n]
                found[n] = model_instance_diff(
                    before,
                    after,
                    fields_to_check=fields,
                    use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
                )
            continue
        compared, read = compared
        if not compared:
            continue
        names = [field.name for field, _ in compared]
        new, new_shown = _columns([items[n][1] for n in members], compared, read, use_tz)
        if key[1]:
            # auditlog reads a field of a record that is not there (a new one's "before") as
            # "None".
            for n, values, shown in zip(
                members, zip(*new, strict=True), zip(*new_shown, strict=True), strict=True
            ):
                found[n] = {
                    name: ("None", text)
                    for name, value, text in zip(names, values, shown, strict=True)
                    if value != "None"
                } or None
            continue
        old, old_shown = _columns([items[n][0] for n in members], compared, read, use_tz)
        for n, olds, news, olds_shown, news_shown in zip(
            members,
            zip(*old, strict=True),
            zip(*new, strict=True),
            zip(*old_shown, strict=True),
            zip(*new_shown, strict=True),
            strict=True,
        ):
            found[n] = {
                name: (was, now)
                for name, o, v, was, now in zip(
                    names, olds, news, olds_shown, news_shown, strict=True
                )
                if o != v
            } or None
    return found


def _columns(instances: list[Model], compared: tuple, read: Callable, use_tz: bool):
    """auditlog.diff.get_field_value of each field of each instance, as columns (one a field),
    and the same as the text auditlog keeps (smart_str)."""
    values, shown = [], []
    for (field, kind), column in zip(
        compared, zip(*map(read, instances), strict=True), strict=True
    ):
        types = set(map(type, column))
        if kind == _PLAIN and all(issubclass(t, str) for t in types):
            values.append(column)
            shown.append(column)
            continue
        if kind == _KEY and types <= {int, type(None)}:  # ids are kept as they are
            values.append(column)
            shown.append(list(map(str, column)))
            continue
        if kind == _PLAIN and types <= _STR_AS_THEY_ARE:  # smart_str is str() for these
            column = list(map(str, column))
            values.append(column)
            shown.append(column)
            continue
        if kind == _MOMENT and types <= {dt.datetime, type(None)}:  # to_python keeps these
            column = [
                v.astimezone(dt.UTC).replace(tzinfo=None)
                if v is not None and use_tz and v.utcoffset() is not None
                else v
                for v in column
            ]
            values.append(column)
            shown.append(list(map(str, column)))
            continue
        column = [
            _value(instance, field, kind, value, use_tz)
            for instance, value in zip(instances, column, strict=True)
        ]
        values.append(column)
        shown.append([v if isinstance(v, str) else smart_str(v) for v in column])
    return values, shown


def _value(instance: Model, field, kind: int, value, use_tz: bool):
    """auditlog.diff.get_field_value (its own for JSON), from the value read."""
    if kind == _KEY:  # the id: a number (or None) kept as it is
        if value is not None and type(value) is not int:
            value = smart_str(value, strings_only=True)
    elif kind == _PLAIN:
        if not isinstance(value, str):
            value = smart_str(value)
            if type(value).__name__ == "__proxy__":
                value = str(value)
    elif kind == _MOMENT:  # a date-time: naive, in UTC, for comparing
        try:
            value = field.to_python(value)
        except TypeError:
            pass
        else:
            if value is not None and use_tz and value.utcoffset() is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
    else:
        value = get_field_value(instance, field, False)
    return value


def _compared_fields(model: type[Model], created: bool, fields: frozenset) -> tuple | None:
    """The fields model_instance_diff compares for this model, with how each is read, and a
    function reading their values; None when the model is not registered the plain way (then
    auditlog's own diff runs)."""
    options = auditlog.get_model_fields(model)
    if (
        settings.AUDITLOG_STORE_JSON_CHANGES
        or settings.AUDITLOG_USE_FK_STRING_REPRESENTATION
        or options["mask_fields"]
        or not options["include_fields"]
    ):
        return None
    # As model_instance_diff: a new record's fields are all of the model's (get_fields_in_model),
    # a changed one's are its forward fields, cut to those written, then to those registered.
    candidates = (
        [f for f in model._meta.get_fields() if track_field(f)]
        if created
        else list(model._meta.fields)
    )
    if fields:
        candidates = [
            f
            for f in candidates
            if (isinstance(f, ForeignKey) and f.attname in fields) or f.name in fields
        ]
    include, exclude = set(options["include_fields"]), set(options["exclude_fields"])
    chosen = [f for f in candidates if f.name in include and f.name not in exclude]
    concrete = set(model._meta.concrete_fields)
    if any(f not in concrete for f in chosen):
        return None
    if not chosen:
        return (), lambda instance: ()
    read = operator.attrgetter(*[f.attname for f in chosen])
    return tuple((f, _kind(f)) for f in chosen), (
        read if len(chosen) > 1 else lambda instance: (read(instance),)
    )


def _kind(field) -> int:
    # In get_field_value's order: date-times and JSON (read by auditlog itself) first.
    if isinstance(field, DateTimeField):
        return _MOMENT
    if isinstance(field, JSONField):
        return _AUDITLOGS_OWN
    if (field.one_to_one or field.many_to_one) and hasattr(field, "rel_class"):
        return _KEY
    return _PLAIN


def update_rows_recorded(model: type[Model], objects: list[Model], fields: list[str], changes):
    """prp.bulk.update_rows (these fields of these rows, as they are on the objects), with the
    entries `changes` describes (see entries_recorded): the two together, so a bulk update never
    goes without its entries."""
    entries_recorded(changes)
    update_rows(model, objects, fields)
    if figures_cache.counts_towards_figures(model):
        figures_cache.changed()  # a raw UPDATE sends no signal for the figures' cache to hear


def record_view(request, record: Model) -> None:
    """Write down that this person opened this record's page, and which page (one INSERT)."""
    match = request.resolver_match
    LogEntry.objects.log_create(
        record,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        additional_data={"page": match.url_name if match else request.path},
    )


def record_refusal(model: type[Model], pk: int) -> None:
    """Write down a refused attempt to open a record that exists.

    The entry names the record by its kind and number, not by the child's name: it is about
    someone who was not allowed to see it. An id that does not exist is not written down:
    there is nothing there to protect, and guessed numbers would only fill the trail.
    """
    if not model._base_manager.filter(pk=pk).exists():
        return
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(pk),
        object_id=pk,
        object_repr=f"{capfirst(model._meta.verbose_name)} {pk}",
        action=LogEntry.Action.ACCESS,
        additional_data={"refused": True},
        cid=get_cid(),
    )


def refusals_recorded(model: type[Model]) -> Callable:
    """Wrap a selector's `get(user, pk)`: its 404 for a record that exists is written down as
    a refused attempt, and the 404 still goes to the person."""

    def wrap(get: Callable) -> Callable:
        @functools.wraps(get)
        def checked(user, pk, *args, **kwargs):
            try:
                return get(user, pk, *args, **kwargs)
            except Http404:
                record_refusal(model, pk)
                raise

        return checked

    return wrap


def storable_text(text: str) -> str:
    # PostgreSQL's JSON cannot hold a NUL character; a query string can. The trail keeps what was
    # asked, with the NUL shown as the replacement character, rather than refusing the download.
    return text.replace("\x00", "\ufffd")


def record_download(request, *, title: str, file: str, fmt: str, rows: int) -> None:
    """Write down that this person downloaded this list or table: which one (the page and its
    table), with which filters (the request's, as asked), how many rows and in which format."""
    match = request.resolver_match
    filters = {
        storable_text(key): [storable_text(value) for value in values]
        for key, values in request.GET.lists()
        if key != "format"
    }
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Download, for_concrete_model=False),
        object_pk=file,
        object_repr=f"{title} ({fmt.upper()}, {rows} {'row' if rows == 1 else 'rows'})",
        action=LogEntry.Action.ACCESS,
        additional_data={
            "download": match.view_name if match else request.path,
            "filters": filters,
            "rows": rows,
            "format": fmt,
        },
        cid=get_cid(),
    )


# Who may read the trail, and what it shows ------------------------------------------------------


def _named_on(user: User, child) -> bool:
    if user.pk in (child.social_worker_id, child.reviewing_officer_id):
        return True
    return child.named_users.filter(pk=user.pk).exists()


def may_see_child_audit(user: User, child) -> bool:
    """Administrators, the reviewing service's managers and the manager of the child's team.

    The child must already be one this person can see (the views fetch it through the
    visibility selector first). A restricted child's trail is only for the people named on the
    record or allocated to it, and administrators.
    """
    if child.restricted and not (user.is_administrator or _named_on(user, child)):
        return False
    if user.is_administrator or user.role_codes & AUDIT_ROLES:
        return True
    return child.team is not None and child.team.manager_id == user.pk


def may_see_audit(user: User, children: Iterable) -> bool:
    """The trail of a record about several children: only for who may see each child's."""
    children = list(children)
    return bool(children) and all(may_see_child_audit(user, child) for child in children)


def entries_about(parts: Iterable[tuple[type[Model], Iterable[int] | QuerySet]]) -> QuerySet:
    """The entries for these records, newest first, in one query.

    `parts` pairs a model with the ids of its records (a list, or a `values("pk")` queryset that
    becomes a subquery), so the query stays one however many records there are.
    """
    condition = Q(pk__in=[])
    for model, ids in parts:
        content_type = ContentType.objects.get_for_model(model)
        condition |= Q(content_type=content_type, object_id__in=ids)
    return (
        LogEntry.objects.filter(condition)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )


# Records named in changes by their name rather than their number: each prints from its own
# columns, so naming them is one query per kind for a whole page.
NAMED_BY_NAME = frozenset(
    {"prp.User", "prp.Team", "prp.Role", "cases.Child", "prp.ProtocolCategory"}
    | {"prp.ResponseOption"}
)


def describe(entries: Iterable[LogEntry]) -> list[dict]:
    """What a page of entries shows: who, when, what, which record, from where, and the changes
    (people, teams and children by name)."""
    entries = list(entries)
    changes = {entry.pk: _changed_fields(entry) for entry in entries}
    names = _names([change for rows in changes.values() for change in rows])
    return [
        {
            "at": entry.timestamp,
            "who": _who(entry),
            "what": _what(entry),
            "page": PAGES.get((entry.additional_data or {}).get("page", ""), ""),
            "record": _record(entry),
            "remote_addr": entry.remote_addr or "Not known",
            "changes": [_change_row(*change, names) for change in changes[entry.pk]],
        }
        for entry in entries
    ]


def _named_model(field):
    model = getattr(field, "related_model", None)
    if model is None or field.many_to_many or model._meta.label not in NAMED_BY_NAME:
        return None
    return model


def _names(changes: list[tuple]) -> dict[tuple, str]:
    """{(model, id): name} for the records the changes point to."""
    wanted: dict = {}
    for field, before, after in changes:
        if model := _named_model(field):
            wanted.setdefault(model, set()).update(v for v in (before, after) if v.isdigit())
    return {
        (model, str(pk)): str(record)
        for model, ids in wanted.items()
        for pk, record in model._base_manager.in_bulk(ids).items()
    }


PAGE_SIZE = 50


def page_context(request, entries: QuerySet) -> dict:
    """One page of the trail for the "Who has viewed this record" pages: two queries (the count
    and the page), and one more for the names of people changed on it."""
    paginator = Paginator(entries, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "rows": describe(page.object_list),
    }


def _who(entry: LogEntry) -> str:
    if entry.actor is not None:
        return str(entry.actor)
    return entry.actor_email or "The system"


def _what(entry: LogEntry) -> str:
    if entry.action == LogEntry.Action.ACCESS:
        data = entry.additional_data or {}
        if "download" in data:
            return "Downloaded"
        return "Refused" if data.get("refused") else "Viewed"
    return {
        LogEntry.Action.CREATE: "Created",
        LogEntry.Action.UPDATE: "Changed",
        LogEntry.Action.DELETE: "Deleted",
    }.get(entry.action, "Recorded")


def _record(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    kind = capfirst(model._meta.verbose_name) if model else entry.content_type.model
    if entry.object_repr.lower().startswith(str(kind).lower()):  # "QAPR-000002", "Child 12"
        return entry.object_repr
    return f"{kind}: {entry.object_repr}"


def _changed_fields(entry: LogEntry) -> list[tuple]:
    """(model field or name, before, after) for each change, as strings."""
    if entry.action == LogEntry.Action.ACCESS:
        return []
    model = entry.content_type.model_class()
    order = [field.name for field in model._meta.get_fields()] if model else []
    changes = entry.changes_dict or {}
    rows = []
    for name in sorted(changes, key=lambda name: order.index(name) if name in order else 999):
        values = changes[name]
        field = _field(model, name)
        if field is not None and field.primary_key:
            continue
        if isinstance(values, dict):  # a many-to-many change: who was added or taken off
            objects = ", ".join(values.get("objects", []))
            added = values.get("operation") == "add"
            rows.append((field or name, "" if added else objects, objects if added else ""))
        else:
            before, after = (_plain(value) for value in [*values, "", ""][:2])
            if before or after:
                rows.append((field or name, before, after))
    return rows


def _field(model, name):
    """The model's field of that name, or None for one since removed (its name is shown)."""
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None


def _plain(value) -> str:
    return "" if value in (None, "None") else str(value)


def _change_row(field, before: str, after: str, names: dict) -> dict:
    if isinstance(field, str):  # a field since removed
        label = field.replace("_", " ").capitalize()
        return {"field": label, "before": before, "after": after}
    model = _named_model(field)
    return {
        "field": capfirst(field.verbose_name),
        "before": names.get((model, before), before) if model else _readable(field, before),
        "after": names.get((model, after), after) if model else _readable(field, after),
    }


def _readable(field, value: str) -> str:
    """A stored value as a person would write it: a choice's words, Yes or No, a GOV.UK date."""
    if not value:
        return value
    if field.choices:
        return {str(key): str(text) for key, text in field.flatchoices}.get(value, value)
    if isinstance(field, BooleanField):
        return {"True": "Yes", "False": "No"}.get(value, value)
    try:
        if isinstance(field, DateTimeField):
            # auditlog keeps date-times in UTC without a zone.
            moment = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
            return govuk_datetime(moment)
        if isinstance(field, DateField):
            day = dt.date.fromisoformat(value)
            return f"{day.day} {day:%B %Y}"
    except ValueError:
        pass
    return value
