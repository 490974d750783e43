"""Writing many rows at once, fast: for an import's first load.

Django's bulk_update writes one CASE expression a field with a branch a row, which takes
longer to build than the database takes to run. On PostgreSQL `update_rows` sends
`UPDATE … FROM (VALUES …)` instead: one statement a thousand rows, every value a parameter.
Elsewhere (SQLite, in the tests) it is bulk_update. `create_rows` is bulk_create, with COPY on
PostgreSQL (see below).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import operator
from collections.abc import Callable

from django.db import connection
from django.db.models import NOT_PROVIDED, Field, Model, QuerySet


def snapshot(instance: Model) -> Model:
    """A copy of the row's values as they are now (for an audit entry's before or after),
    without copy.copy's round trip through pickling's protocol."""
    copied = instance.__class__.__new__(instance.__class__)
    copied.__dict__ = instance.__dict__.copy()
    return copied


def update_rows(model: type[Model], objects: list[Model], fields: list[str], batch=1000) -> None:
    """Write these fields of these rows (plain values, as they are on the objects)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=batch)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk] + [model._meta.get_field(name) for name in fields]
    types = [
        column.rel_db_type(connection) if column.is_relation else column.db_type(connection)
        for column in columns
    ]
    row = "(" + ", ".join(f"%s::{kind}" for kind in types) + ")"
    names = ", ".join(quote(column.column) for column in columns)
    sets = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns[1:])
    table = quote(model._meta.db_table)
    read = operator.attrgetter(*[column.attname for column in columns])
    kept = [_as_they_are(column) for column in columns]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            values = list(zip(*[read(obj) for obj in chunk], strict=True))
            for n, column in enumerate(columns):
                if not set(map(type, values[n])) <= kept[n]:
                    values[n] = [column.get_db_prep_save(v, connection) for v in values[n]]
            params = [value for row in zip(*values, strict=True) for value in row]
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) "
                f"AS v({names}) WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
                params,
            )


# Inserting with COPY -----------------------------------------------------------------------------
#
# bulk_create prepares every value of every row through the field's get_db_prep_save and sends
# an INSERT with a parameter a value; for the tens of thousands of rows of a first load that
# preparing, and PostgreSQL's parsing of it, is most of the cost. `create_rows` writes the same
# rows with COPY on PostgreSQL: each value turned into COPY's text form by a converter chosen once
# for its field. A model with a field of a kind not handled here, a database default or a
# manager of its own (prp.frozen refuses some inserts) goes through bulk_create as before.

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_INTEGERS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_TEXTS = {"CharField", "TextField", "EmailField", "SlugField", "URLField"}


_NONE = type(None)
# The plain kinds of column: the type of value the field's get_db_prep_save sends on unchanged
# on PostgreSQL (and psycopg2 adapts as it would). A column of only these, or None, needs no
# preparing value by value.
_PLAIN = {"int": int, "text": str, "bool": bool, "date": dt.date}


def _plain_kind(field: Field) -> str:
    kind = field.get_internal_type()
    if field.is_relation:
        kind = "IntegerField" if field.target_field.get_internal_type() in _INTEGERS else ""
    if kind in _INTEGERS:
        return "int"
    if kind in _TEXTS:
        return "text"
    return {"BooleanField": "bool", "DateField": "date"}.get(kind, "")


def _as_they_are(field: Field) -> frozenset:
    plain = _PLAIN.get(_plain_kind(field))
    return frozenset({plain, _NONE}) if plain else frozenset()


def _text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _converter(field: Field) -> Callable | None:
    """value -> COPY text, as get_db_prep_save and psycopg2 would send it; None if not known."""
    kind = field.get_internal_type()
    prep = field.get_prep_value
    if field.is_relation:
        target = field.target_field.get_internal_type()
        return (lambda v: NULL if v is None else str(int(v))) if target in _INTEGERS else None
    if kind in _INTEGERS:
        return lambda v: NULL if v is None else str(int(v))
    if kind in _TEXTS:
        return lambda v: NULL if v is None else _text(v if isinstance(v, str) else prep(v))
    if kind == "BooleanField":
        return lambda v: NULL if v is None else ("t" if prep(v) else "f")
    if kind == "DateField":
        return lambda v: NULL if v is None else (v if type(v) is dt.date else prep(v)).isoformat()
    if kind == "DateTimeField":
        # An aware date-time as it is; get_prep_value makes a naive one aware (with a warning).
        return lambda v: NULL if v is None else (v if v.tzinfo is not None else prep(v)).isoformat()
    if kind == "JSONField":
        # As JSONField.get_db_prep_save: None is SQL NULL, anything else JSON text.
        dumps = functools.partial(json.dumps, cls=field.encoder)
        return lambda v: NULL if v is None else _text(dumps(prep(v)))
    if kind == "GenericIPAddressField":
        # As adapt_ipaddressfield_value: an empty address is NULL.
        return lambda v: (lambda p: _text(p) if p else NULL)(prep(v))
    return None


@functools.cache
def _copy_plan(model: type[Model]):
    """(fields, their converters, the fields pre_save must set) for COPY, or None."""
    fields = list(model._meta.concrete_fields)
    manager = type(model.objects.get_queryset())
    if model._meta.parents or manager.bulk_create is not QuerySet.bulk_create:
        return None
    converters = [(_plain_kind(field), _converter(field)) for field in fields]
    if any(convert is None for _, convert in converters) or any(
        f.db_default is not NOT_PROVIDED or f.generated for f in fields
    ):
        return None
    # auto_now and auto_now_add: the fields whose pre_save gives a value rather than reads it.
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    return fields, converters, stamped


def create_rows(model: type[Model], objects: list[Model], *, ids: bool = True) -> list[Model]:
    """`model.objects.bulk_create(objects)`: on PostgreSQL with COPY, the ids the rows lack taken
    from the table's sequence first (in one query), as bulk_create's RETURNING would give them.
    With `ids=False` (rows nothing reads again: history lines, audit entries) the database gives
    them and they are not read back: those objects keep no id."""
    objects = list(objects)
    plan = _copy_plan(model) if connection.vendor == "postgresql" else None
    if plan is None or not objects:
        return model.objects.bulk_create(objects)
    fields, converters, stamped = plan
    pk = model._meta.pk
    for obj in objects:
        if obj.pk is None:
            obj.pk = pk.get_pk_value_on_save(obj)
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for field in stamped:
            field.pre_save(obj, True)
    without = [obj for obj in objects if obj.pk is None]
    if ids:
        _take_ids(model, without)
        without = []
    if without:
        rest = [(f, c) for f, c in zip(fields, converters, strict=True) if f is not pk]
        _copy(model, [f for f, _ in rest], [c for _, c in rest], without)
    _copy(model, fields, converters, [obj for obj in objects if obj.pk is not None])
    alias = connection.alias
    for obj in objects:
        obj._state.adding = False
        obj._state.db = alias
    return objects


def _copy(model: type[Model], fields: list[Field], converters: list, objects: list[Model]):
    if not objects:
        return
    names = [field.attname for field in fields]
    read = operator.attrgetter(*names)
    rows = [read(obj) for obj in objects] if len(names) > 1 else [(read(o),) for o in objects]
    columns = [
        _copy_column(kind, convert, values)
        for (kind, convert), values in zip(converters, zip(*rows, strict=True), strict=True)
    ]
    lines = map("\t".join, zip(*columns, strict=True))
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    )
    data = io.StringIO("\n".join(lines) + "\n")
    with connection.cursor() as cursor:
        # Through Django's cursor wrapper: its errors are Django's (an IntegrityError stays one)
        # and execute_wrappers see the statement.
        cursor._execute_with_wrappers(sql, None, False, _copy_executor(cursor, data))


def _copy_column(kind: str, convert: Callable, values: tuple) -> list[str]:
    """A column's values in COPY's text form: a plain one (see _PLAIN) a column at a time, any
    other value by value through its converter."""
    types = set(map(type, values))
    plain = _PLAIN.get(kind)
    if plain is None or not types <= {plain, _NONE}:
        return [convert(value) for value in values]
    if _NONE in types:
        texts = iter(_copy_column(kind, convert, [v for v in values if v is not None]))
        return [NULL if value is None else next(texts) for value in values]
    if kind == "int":
        return list(map(str, values))
    if kind == "bool":
        return ["t" if value else "f" for value in values]
    if kind == "date":
        return list(map(dt.date.isoformat, values))
    joined = "".join(values)  # text: escaped only if a value holds a character COPY reads
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [_text(value) for value in values]
    return list(values)


def _copy_executor(cursor, data):
    def execute(sql, params, many, context):
        with cursor.db.wrap_database_errors:
            cursor.cursor.copy_expert(sql, data)

    return execute


def _take_ids(model: type[Model], objects: list[Model]) -> None:
    if not objects:
        return
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [connection.ops.quote_name(model._meta.db_table), pk.column, len(objects)],
        )
        for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
