"""Writing many rows at once, fast: for an import's first load.

Django's bulk_update writes one CASE expression a field with a branch a row, which takes
longer to build than the database takes to run. On PostgreSQL `update_rows` sends
`UPDATE … FROM (VALUES …)` instead: one statement a thousand rows, every value a parameter.
Elsewhere (SQLite, in the tests) it is bulk_update.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


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
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start : start + batch]
            params = [
                column.get_db_prep_save(getattr(obj, column.attname), connection)
                for obj in chunk
                for column in columns
            ]
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) "
                f"AS v({names}) WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
                params,
            )
