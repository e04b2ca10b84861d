"""One row written with one plain INSERT, for the few writes on the reporter's answer.

`Model.save()` builds its INSERT anew each time (a query object, a compiler, the quoted names), and
for the three small rows of an intake that cost more CPU than the database did. `insert` writes the
same row: each field's `pre_save` still runs (defaults set by the constructor, `auto_now_add`, a
`SealedField` sealing for its row), then one cached statement. It sends no `pre_save`/`post_save`
signals, so use it only for models nothing listens to (`tests/core/test_rows.py` checks the ones used).
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connections, models, router


@lru_cache(maxsize=32)
def _statement(model: type[models.Model], vendor: str, returning: bool) -> tuple[str, tuple[models.Field, ...]]:
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = tuple(field for field in meta.local_concrete_fields if field is not meta.pk or not meta.pk.db_returning)
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields


def insert(obj: models.Model) -> None:
    """Insert ``obj`` as ``obj.save(force_insert=True)`` would, and set its primary key."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    returning = connection.features.can_return_columns_from_insert
    sql, fields = _statement(model, connection.vendor, returning)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if obj._meta.pk.db_returning:
            pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(
                cursor, obj._meta.db_table, obj._meta.pk.column)
            setattr(obj, obj._meta.pk.attname, pk)
    obj._state.adding, obj._state.db = False, alias
