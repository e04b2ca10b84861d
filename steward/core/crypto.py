"""Envelope encryption with Tink: per-case data keys wrapped by a key-encryption key.

Sealed values are AES-256-GCM ciphertexts bound (as associated data) to the data key,
the field and the row they belong to, so a ciphertext copied into another field, case
or row fails to open (`SealError`) instead of showing the wrong text.

Row binding. A row's primary key is not known before it is inserted, so every model
holding sealed fields has ``row_uuid``: a random UUID given when the object is created,
never changed, unique in its table. The associated data is ``"<key id>:<field>:<row_uuid>"``.
A model's seal helper (``case.seal(text, "note")``, ``crypto.pending(key, text, field=…)``)
returns a `Pending` value instead of bytes; the model's `SealedField` seals it for its own
row when the row is saved (insert, ``save(update_fields=…)``, ``bulk_create``), so callers
need not know the row. A `Pending` value never reaches the database any other way
(``QuerySet.update`` and ``bulk_update`` refuse it) and never shows its text in a repr.
Opening needs the row: ``case.unseal(blob, "note", row=note)``,
``crypto.unseal(key, blob, field=…, row=row.row_uuid)``. Values alone under their key and
field (an evidence file, bound to its random stored name) pass ``row=None``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import tink
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from tink import aead, secret_key_access
from tink.proto import aes_gcm_pb2, tink_pb2

from .models import DataKey
from .private_files import private_dir, write_private_text

aead.register()


class KeyDestroyed(Exception):
    """The data key was destroyed: the content it protected is gone for good."""


class SealError(tink.TinkError):
    """A sealed value did not open: it was sealed for another key, field or row, or it was altered."""


@lru_cache(maxsize=1)
def _kek() -> aead.Aead:
    return _kek_handle().primitive(aead.Aead)


def kek_primary_id() -> int:
    return int(_kek_handle().keyset_info().primary_key_id)


def kek_keyset_json() -> str:
    """The configured KEK keyset (for rotation); never logged or shown by Steward itself."""
    keyset_json = settings.STEWARD_KEK
    if not keyset_json:
        path = Path(settings.STEWARD_KEK_FILE)
        if not path.exists():
            if settings.PRODUCTION:
                raise RuntimeError(f"The key-encryption key file {path} does not exist")
            private_dir(path.parent, tighten=path.parent == Path(settings.VAR_DIR))
            write_private_text(path, generate_keyset_json())
        keyset_json = path.read_text()
    return keyset_json


@lru_cache(maxsize=1)
def _kek_handle() -> tink.KeysetHandle:
    return tink.json_proto_keyset_format.parse(kek_keyset_json(), secret_key_access.TOKEN)


def generate_keyset_json() -> str:
    """A fresh AES-256-GCM keyset in Tink's JSON format (for STEWARD_KEK)."""
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    return tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


def _wrap_ad(purpose: str) -> bytes:
    return f"steward-data-key:{purpose}".encode()


def _new_wrapped_key(purpose: str) -> DataKey:
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    wrapped = tink.proto_keyset_format.serialize_encrypted(handle, _kek(), _wrap_ad(purpose))
    return DataKey(purpose=purpose, wrapped=wrapped, kek_key_id=kek_primary_id())


def new_data_key(purpose: str) -> DataKey:
    key = _new_wrapped_key(purpose)
    key.save()
    return key


def new_data_keys(*purposes: str) -> list[DataKey]:
    """One fresh data key for each purpose, stored in one statement (an intake needs two)."""
    keys = [_new_wrapped_key(purpose) for purpose in purposes]
    if connection.features.can_return_rows_from_bulk_insert:
        return DataKey.objects.bulk_create(keys)
    for key in keys:
        key.save()
    return keys


def shared_key(purpose: str) -> DataKey:
    """The one long-lived data key of a purpose that is not tied to a case (registry, subscribers…)."""
    key = DataKey.objects.filter(purpose=purpose, wrapped__isnull=False).order_by("pk").first()
    return key or new_data_key(purpose)


def rewrap(key: DataKey) -> None:
    """Wrap a data key again under the KEK's current primary key (key rotation).

    The data key itself, and so everything sealed with it, stays the same.
    """
    if key.wrapped is None:
        return
    handle = tink.proto_keyset_format.parse_encrypted(bytes(key.wrapped), _kek(), _wrap_ad(key.purpose))
    key.wrapped = tink.proto_keyset_format.serialize_encrypted(handle, _kek(), _wrap_ad(key.purpose))
    key.kek_key_id = kek_primary_id()
    key.save(update_fields=["wrapped", "kek_key_id"])


def keyset_with_new_primary(keyset_json: str) -> str:
    """The given keyset plus a fresh AES-256-GCM key that becomes primary.

    Deploying it lets every process read data keys wrapped under old and new keys alike,
    so rotation needs no downtime.
    """
    current = json.loads(keyset_json)
    fresh = json.loads(generate_keyset_json())
    merged = {"primaryKeyId": fresh["primaryKeyId"], "key": [*current["key"], *fresh["key"]]}
    tink.json_proto_keyset_format.parse(json.dumps(merged), secret_key_access.TOKEN)  # validate
    return json.dumps(merged)


def keyset_primary_only(keyset_json: str) -> str:
    """The given keyset without its retired keys (after every data key was re-wrapped)."""
    current = json.loads(keyset_json)
    kept = [k for k in current["key"] if k["keyId"] == current["primaryKeyId"]]
    return json.dumps({"primaryKeyId": current["primaryKeyId"], "key": kept})


class _PrimitiveCache:
    """Unwrapping a keyset costs a KEK decryption; keep recent ones per process."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[bytes, aead.Aead] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: DataKey) -> aead.Aead:
        if key.wrapped is None:
            raise KeyDestroyed(key.pk)
        wrapped = bytes(key.wrapped)
        fingerprint = hashlib.sha256(wrapped).digest()
        with self._lock:
            primitive = self._items.get(fingerprint)
            if primitive is not None:
                self._items.move_to_end(fingerprint)
                return primitive
        handle = tink.proto_keyset_format.parse_encrypted(wrapped, _kek(), _wrap_ad(key.purpose))
        primitive = handle.primitive(aead.Aead)
        with self._lock:
            self._items[fingerprint] = primitive
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return primitive


_primitives = _PrimitiveCache()


Row = uuid.UUID | str | None


def _ad(key: DataKey, field: str, row: Row) -> bytes:
    return (f"{key.pk}:{field}" if row is None else f"{key.pk}:{field}:{row}").encode()


def seal_bytes(key: DataKey, value: bytes, *, field: str, row: Row = None) -> bytes:
    return _primitives.get(key).encrypt(value, _ad(key, field, row))


def open_bytes(key: DataKey, blob: bytes | memoryview, *, field: str, row: Row = None) -> bytes:
    primitive = _primitives.get(key)
    try:
        return primitive.decrypt(bytes(blob), _ad(key, field, row))
    except tink.TinkError as error:
        raise SealError(f"A sealed {field} did not open: it belongs to another row, field or key, or it was "
                        f"altered ({error})") from None


def seal(key: DataKey, value: str, *, field: str, row: Row = None) -> bytes:
    return seal_bytes(key, value.encode("utf-8"), field=field, row=row)


def unseal(key: DataKey, blob: bytes | memoryview | None, *, field: str, row: Row = None) -> str:
    if blob is None or len(blob) == 0:
        return ""
    return open_bytes(key, blob, field=field, row=row).decode("utf-8")


class Pending:
    """Text to seal for the row it is saved in; the row's `SealedField` seals it on save."""

    __slots__ = ("field", "key", "value")

    def __init__(self, key: DataKey, value: str, field: str) -> None:
        if key.wrapped is None:
            raise KeyDestroyed(key.pk)
        self.key, self.value, self.field = key, value, field

    def __repr__(self) -> str:
        return f"<Pending sealed {self.field}>"  # never the text: reprs reach logs and error pages

    def seal_for(self, row: Row) -> bytes:
        return seal(self.key, self.value, field=self.field, row=row)


def pending(key: DataKey, value: str, *, field: str) -> Pending:
    """Seal ``value`` for whichever row it is assigned to (see the module docstring)."""
    return Pending(key, value, field)


class SealedField(models.BinaryField):
    """A sealed column. A `Pending` value assigned to it is sealed for the row (its ``row_uuid``) on save.

    Migrations see a plain BinaryField: the binding happens in Python only.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, Pending):
            value = value.seal_for(model_instance.row_uuid)  # type: ignore[attr-defined]
            setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, Pending):
            raise TypeError(f"{self.name}: a pending sealed value is sealed for its row by Model.save() or "
                            "bulk_create(), never by update() or bulk_update()")
        return super().get_db_prep_value(value, connection, prepared)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.BinaryField", args, kwargs


def row_uuid_field() -> models.UUIDField:
    """The stable random identifier sealed values of a row are bound to."""
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


def row_binding(app_label: str, sealed: dict[str, tuple[str, dict[str, str]]]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The forward and backward functions of a data migration that binds an app's sealed values to
    their rows. `sealed` maps a model name to the path of its data key (``"case__data_key"``) and
    its {column: field name in the associated data}."""

    def key_of(path: str) -> Callable[[Any], Any]:
        def key(row: Any) -> Any:
            for part in path.split("__"):
                row = getattr(row, part)
            return row
        return key

    def rebind(apps: Any, bind: bool) -> None:
        for model_name, (key_path, fields) in sealed.items():
            rows = apps.get_model(app_label, model_name).objects.select_related(key_path).order_by("pk")
            rebind_rows(rows.iterator(chunk_size=500), key_of=key_of(key_path), fields=fields, bind=bind)

    def bind_rows(apps: Any, schema_editor: Any) -> None:
        rebind(apps, bind=True)

    def unbind_rows(apps: Any, schema_editor: Any) -> None:
        rebind(apps, bind=False)

    return bind_rows, unbind_rows


def rebind_rows(rows: Iterable[Any], *, key_of: Callable[[Any], Any], fields: dict[str, str], bind: bool = True) -> int:
    """For data migrations: seal each row's values again, bound to its row (``bind``) or not (going back).

    Binding gives a row without one its ``row_uuid``. A value already sealed as wanted is kept, so a
    second run changes nothing; one that opens neither way raises `SealError`. Rows whose data key
    was destroyed (erased cases) stay as they are: nothing can open them either way. Returns how
    many rows were looked at.
    """
    done = 0
    for row in rows:
        changed = []
        if bind and row.row_uuid is None:
            row.row_uuid = uuid.uuid4()
            changed.append("row_uuid")
        key = key_of(row)
        if key.wrapped is not None:
            old, new = (None, row.row_uuid) if bind else (row.row_uuid, None)
            for column, field in fields.items():
                blob = getattr(row, column)
                if not blob:
                    continue
                try:
                    plain = open_bytes(key, blob, field=field, row=old)
                except SealError:
                    open_bytes(key, blob, field=field, row=new)  # already as wanted (a second run): keep it
                    continue
                setattr(row, column, seal_bytes(key, plain, field=field, row=new))
                changed.append(column)
            done += 1
        if changed:
            row.save(update_fields=changed)
    return done


def destroy(key: DataKey) -> None:
    """Crypto-erase: forget the wrapped key. Callers run this inside their transaction."""
    key.wrapped = None
    key.destroyed_at = timezone.now()
    key.save(update_fields=["wrapped", "destroyed_at"])


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    if settings.STEWARD_INDEX_KEY:
        key = base64.b64decode(settings.STEWARD_INDEX_KEY, validate=True)
        if len(key) < 32:
            raise ValueError("STEWARD_INDEX_KEY must be at least 32 random bytes, base64-encoded")
        return key
    # Development only (production refuses to start without STEWARD_INDEX_KEY).
    return hashlib.sha256(b"steward-index:" + settings.SECRET_KEY.encode()).digest()


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 under the server's index key: receipt codes and blind indexes."""
    return hmac.new(_index_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def blind_index(value: str, *, purpose: str) -> str:
    return keyed_hash(value.strip().casefold(), purpose=purpose)


def _token_aead(token: str, purpose: str) -> aead.Aead:
    """AES-256-GCM under a key derived (HMAC under the index key) from a token only a visitor's browser holds.

    What it seals opens only for whoever presents the token again: a database dump, even with the
    key-encryption key, does not open it. The derived key goes into a one-key Tink keyset."""
    raw = hmac.new(_index_key(), f"token-key\x00{purpose}\x00{token}".encode(), hashlib.sha256).digest()
    keyset = tink_pb2.Keyset(primary_key_id=1, key=[tink_pb2.Keyset.Key(
        key_data=tink_pb2.KeyData(type_url="type.googleapis.com/google.crypto.tink.AesGcmKey",
                                  value=aes_gcm_pb2.AesGcmKey(version=0, key_value=raw).SerializeToString(),
                                  key_material_type=tink_pb2.KeyData.SYMMETRIC),
        status=tink_pb2.ENABLED, key_id=1, output_prefix_type=tink_pb2.RAW)])
    handle = tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)
    return handle.primitive(aead.Aead)


def seal_for_token(token: str, value: bytes, *, purpose: str, field: str) -> bytes:
    return _token_aead(token, purpose).encrypt(value, f"{purpose}:{field}".encode())


def open_for_token(token: str, blob: bytes | memoryview, *, purpose: str, field: str) -> bytes:
    """Raises tink.TinkError when the token (or the field) is not the one it was sealed for."""
    return _token_aead(token, purpose).decrypt(bytes(blob), f"{purpose}:{field}".encode())


def new_index_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)
