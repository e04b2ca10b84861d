"""One row written with one plain INSERT, for the few writes on the reporter's answer.

`Model.save()` builds its INSERT anew each time (a query object, a compiler, the quoted names), and
for the three small rows of an intake that cost more CPU than the database did. `insert` writes the
same row: each field's `pre_save` still runs (defaults set by the constructor, `auto_now_add`, a
`SealedField` sealing for its row), then one cached statement. It sends no `pre_save`/`post_save`
signals, so use it only for models nothing listens to (`tests/core/test_rows.py` checks the ones used).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from django.db import connections, models, router


@lru_cache(maxsize=32)
def _statement(model: type[models.Model], alias: str, returning: bool) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    connection = connections[alias]
    meta, pk = model._meta, model._meta.pk
    fields = tuple(field for field in meta.local_concrete_fields if field is not pk or not pk.db_returning)
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the text; every value is a parameter.
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(cast(str, field.column)) for field in fields)}) "  # noqa: S608  # nosec B608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if returning and pk is not None:
        sql += f" RETURNING {quote(cast(str, pk.column))}"
    return sql, fields


def insert(obj: models.Model) -> None:
    """Insert ``obj`` as ``obj.save(force_insert=True)`` would, and set its primary key."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    returning = connection.features.can_return_columns_from_insert
    sql, fields = _statement(model, alias, returning)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    pk = obj._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if pk is not None and pk.db_returning:
            value = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(cursor, obj._meta.db_table, cast(str, pk.column))
            setattr(obj, pk.attname, value)
    obj._state.adding, obj._state.db = False, alias
