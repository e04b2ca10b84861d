"""Rows written with plain INSERTs, for the few writes on the reporter's answer.

`Model.save()` builds its INSERT anew each time (a query object, a compiler, the quoted names), and
for the three small rows of an intake that cost more CPU than the database did. `insert` writes the
same row: each field's `pre_save` still runs (defaults set by the constructor, `auto_now_add`, a
`SealedField` sealing for its row), then one cached statement. It sends no `pre_save`/`post_save`
signals, so use it only for models nothing listens to (`tests/core/test_rows.py` checks the ones used).
`together` writes a few such rows, all or none, in one round trip to PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from functools import lru_cache
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@lru_cache(maxsize=32)
def _statement(model: type[models.Model], alias: str, returning: bool,
               with_pk: bool = False) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    connection = connections[alias]
    meta, pk = model._meta, model._meta.pk
    fields = tuple(field for field in meta.local_concrete_fields if with_pk or field is not pk or not pk.db_returning)
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the text; every value is a parameter.
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(cast(str, field.column)) for field in fields)}) "  # noqa: S608  # nosec B608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if returning and pk is not None:
        sql += f" RETURNING {quote(cast(str, pk.column))}"
    return sql, fields


def _values(obj: models.Model, fields: tuple[models.Field[Any, Any], ...], connection: BaseDatabaseWrapper) -> list[Any]:
    """The row's values as the INSERT sends them, after each field's `pre_save` (as `save` would)."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]


def insert(obj: models.Model) -> None:
    """Insert ``obj`` as ``obj.save(force_insert=True)`` would, and set its primary key."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    returning = connection.features.can_return_columns_from_insert
    sql, fields = _statement(model, alias, returning)
    params = _values(obj, fields, connection)
    pk = obj._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if pk is not None and pk.db_returning:
            value = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(cursor, obj._meta.db_table, cast(str, pk.column))
            setattr(obj, pk.attname, value)
    obj._state.adding, obj._state.db = False, alias


def insert_columns(model: type[models.Model], columns: dict[str, list[Any]]) -> None:
    """Insert many rows of plain columns (ids, numbers, text: no field needs `pre_save`), given as one list
    per column, without building a model instance per row. On PostgreSQL that is one statement, the
    columns sent as arrays and unnested; elsewhere one prepared statement for every row."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError("every column needs one value per row")
    if not lengths.pop():
        return
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    names = ", ".join(quote(cast(str, field.column)) for field in fields)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT * FROM unnest({arrays})",  # noqa: S608  # nosec B608
                           list(columns.values()))
        else:
            cursor.executemany(f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})",  # noqa: S608  # nosec B608
                               list(zip(*columns.values(), strict=True)))


# Primary keys taken ahead from each table's sequence, per process (`together` on PostgreSQL).
RESERVE = 32
_reserved: dict[tuple[int, str, str], list[int]] = {}
_reserved_lock = threading.Lock()


def _reserved_pk(connection: BaseDatabaseWrapper, model: type[models.Model]) -> int:
    meta = model._meta
    key = (os.getpid(), connection.alias, meta.db_table)  # a forked worker takes its own
    with _reserved_lock:
        ids = _reserved.get(key)
        if not ids:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [connection.ops.quote_name(meta.db_table), meta.pk.column, RESERVE])
                ids = _reserved[key] = [value for (value,) in reversed(cursor.fetchall())]
        return ids.pop()


class Batch:
    """The rows of one `together` call. `add` gives a row its primary key at once, so the next rows can
    point at it; on PostgreSQL nothing is written until the call's function returns."""

    def __init__(self, alias: str) -> None:
        self.connection = connections[alias]
        self.deferred = self.connection.vendor == "postgresql"
        self.statements: list[str] = []
        self.params: list[Any] = []
        self.added: list[models.Model] = []

    def add[M: models.Model](self, obj: M) -> M:
        if not self.deferred:
            insert(obj)
            return obj
        pk = obj._meta.pk
        if obj.pk is None:
            setattr(obj, pk.attname, _reserved_pk(self.connection, type(obj)))
        sql, fields = _statement(type(obj), self.connection.alias, returning=False, with_pk=True)
        self.statements.append(sql)
        self.params.extend(_values(obj, fields, self.connection))
        self.added.append(obj)
        return obj

    def write(self) -> None:
        if not self.statements:
            return
        # Several statements in one simple query run as one transaction of their own (or inside the
        # caller's); a savepoint keeps the caller's transaction usable if one of them fails.
        savepoint = transaction.atomic(using=self.connection.alias) if self.connection.in_atomic_block else nullcontext()
        with savepoint, self.connection.cursor() as cursor:
            cursor.execute("; ".join(self.statements), self.params)
        for obj in self.added:
            obj._state.adding, obj._state.db = False, self.connection.alias


def _primary_key_taken(error: IntegrityError) -> bool:
    """A reserved key was used meanwhile: the sequence was set back (a restore, a test resetting sequences)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    return constraint.endswith("_pkey")


def together[T](write: Callable[[Batch], T], *, using: str = DEFAULT_DB_ALIAS) -> T:
    """Insert the rows `write` adds to its batch, all or none, and return what `write` returns.

    On PostgreSQL they reach the database in one round trip once `write` returns, where a transaction
    of single INSERTs takes two more than it has rows (BEGIN and COMMIT); elsewhere each row is inserted
    as it is added, in one transaction. An exception inside `write` writes nothing. `write` may be
    called a second time, with fresh keys, so it should only build rows."""
    try:
        return _together(write, using)
    except IntegrityError as error:
        if not _primary_key_taken(error):
            raise
        with _reserved_lock:
            _reserved.clear()
        return _together(write, using)


def _together[T](write: Callable[[Batch], T], using: str) -> T:
    with nullcontext() if connections[using].vendor == "postgresql" else transaction.atomic(using=using):
        batch = Batch(using)
        result = write(batch)
        batch.write()
    return result
