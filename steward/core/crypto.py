"""Envelope encryption with Tink: per-case data keys wrapped by a key-encryption key.

Sealed values are AES-256-GCM ciphertexts bound (as associated data) to the data key,
the field and the row they belong to, so a ciphertext copied into another field, case
or row fails to open (`SealError`) instead of showing the wrong text.

Row binding. A row's primary key is not known before it is inserted, so every model
holding sealed fields has ``row_uuid``: a random UUID given when the object is created,
never changed, unique in its table. The associated data is ``"<key id>:<field>:<row_uuid>"``.

Models read and write sealed columns through one descriptor, `Sealed`, declared next to
the column (``body = Sealed("case.note", key="case.data_key")`` beside ``body_sealed``):
``note.body`` opens the column with the row's data key and row binding (once per instance
and stored value), ``note.body = text`` (or ``Note(body=text)``) puts a `Pending` value in
the column, which the model's `SealedField` seals for its own row when the row is saved
(insert, ``save(update_fields=…)``, ``bulk_create``). A `Pending` value never reaches the
database any other way (``QuerySet.update`` and ``bulk_update`` refuse it) and never shows
its text in a repr. `seal`/`unseal` remain the primitives under the descriptor, for values
that are not model columns (second-factor secrets, evidence files bound to their stored name,
which pass ``row=None``) and for migrations, whose historical models have no descriptors.

Blind indexes (look-ups of sealed identifiers) are keyed by versioned index keys so the
key can be rotated (`rotate_index_key`); see `blind_index` below.

Files. Evidence and held files are encrypted with Tink's streaming AEAD (AES256-GCM-HKDF,
1 MB segments), so a file is encrypted and decrypted a segment at a time and is never whole
in memory. Each file has its own streaming keyset, stored beside the file's row wrapped
under the data key of the report it belongs to (`new_file_key`, `file_key`): destroying that
data key makes the file unreadable, like everything else sealed with it.
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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, cast

import tink
from django.conf import settings
from django.core import checks
from django.db import connection, models
from django.utils import timezone
from tink import aead, secret_key_access, streaming_aead
from tink.proto import aes_gcm_pb2, tink_pb2

from . import rows
from .errors import DomainError
from .models import DataKey
from .private_files import configured_keyset

aead.register()
streaming_aead.register()
FILE_KEY_TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
# That template's ciphertext: a 40-byte header (length, 32-byte salt, 7-byte nonce prefix), then 1 MiB
# segments each ending in a 16-byte tag; the header shares the first segment.
FILE_SEGMENT_BYTES, FILE_HEADER_BYTES, FILE_TAG_BYTES = 1024 * 1024, 40, 16


def file_ciphertext_size(plaintext_size: int) -> int:
    """How long a file's ciphertext is, known before it is made (an object store is told the length first)."""
    first = FILE_SEGMENT_BYTES - FILE_HEADER_BYTES - FILE_TAG_BYTES
    later = -(-max(0, plaintext_size - first) // (FILE_SEGMENT_BYTES - FILE_TAG_BYTES))
    return FILE_HEADER_BYTES + plaintext_size + FILE_TAG_BYTES * (1 + later)


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
    return configured_keyset(settings.STEWARD_KEK, settings.STEWARD_KEK_FILE, what="key-encryption key",
                             generate=generate_keyset_json)


@lru_cache(maxsize=1)
def _kek_handle() -> tink.KeysetHandle:
    return tink.json_proto_keyset_format.parse(kek_keyset_json(), secret_key_access.TOKEN)


def generate_keyset_json() -> str:
    """A fresh AES-256-GCM keyset in Tink's JSON format (for STEWARD_KEK)."""
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    keyset_json: str = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
    return keyset_json


def _wrap_ad(purpose: str) -> bytes:
    return f"steward-data-key:{purpose}".encode()


def new_unsaved_data_key(purpose: str) -> DataKey:
    """A fresh data key wrapped under the KEK, not yet written (for `rows.together`)."""
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    wrapped = tink.proto_keyset_format.serialize_encrypted(handle, _kek(), _wrap_ad(purpose))
    return DataKey(purpose=purpose, wrapped=wrapped, kek_key_id=kek_primary_id())


def new_data_key(purpose: str) -> DataKey:
    key = new_unsaved_data_key(purpose)
    key.save()
    return key


def new_data_keys(*purposes: str) -> list[DataKey]:
    """One fresh data key for each purpose, stored in one statement (an intake needs two)."""
    keys = [new_unsaved_data_key(purpose) for purpose in purposes]
    if len(keys) == 1:  # the reporter's answer: one plain INSERT
        rows.insert(keys[0])
        return keys
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
    sealed: bytes = _primitives.get(key).encrypt(value, _ad(key, field, row))
    return sealed


def open_bytes(key: DataKey, blob: bytes | memoryview, *, field: str, row: Row = None) -> bytes:
    primitive = _primitives.get(key)
    try:
        opened: bytes = primitive.decrypt(bytes(blob), _ad(key, field, row))
        return opened
    except tink.TinkError as error:
        raise SealError(f"A sealed {field} did not open: it belongs to another row, field or key, or it was "
                        f"altered ({error})") from None


def seal(key: DataKey, value: str, *, field: str, row: Row = None) -> bytes:
    return seal_bytes(key, value.encode("utf-8"), field=field, row=row)


def unseal(key: DataKey, blob: bytes | memoryview | None, *, field: str, row: Row = None) -> str:
    if blob is None or len(blob) == 0:
        return ""
    return open_bytes(key, blob, field=field, row=row).decode("utf-8")


def _new_wrapped_file_key(wrapping: aead.Aead, ad: bytes) -> tuple[bytes, streaming_aead.StreamingAead]:
    handle = tink.new_keyset_handle(FILE_KEY_TEMPLATE)
    return (tink.proto_keyset_format.serialize_encrypted(handle, wrapping, ad),
            handle.primitive(streaming_aead.StreamingAead))


def _open_wrapped_file_key(wrapping: aead.Aead, wrapped: bytes | memoryview, ad: bytes, what: str) -> streaming_aead.StreamingAead:
    try:
        handle = tink.proto_keyset_format.parse_encrypted(bytes(wrapped), wrapping, ad)
    except tink.TinkError as error:
        raise SealError(f"The key of {what} did not open: it belongs to another row or key, or it was altered "
                        f"({error})") from None
    return handle.primitive(streaming_aead.StreamingAead)


def new_file_key(key: DataKey, *, field: str, row: Row) -> tuple[bytes, streaming_aead.StreamingAead]:
    """A fresh streaming-AEAD keyset for one file: (the keyset wrapped under ``key`` and bound to the
    field and row, to store in the row; the primitive to encrypt the file with)."""
    return _new_wrapped_file_key(_primitives.get(key), _ad(key, field, row))


def file_key(key: DataKey, wrapped: bytes | memoryview, *, field: str, row: Row) -> streaming_aead.StreamingAead:
    """The streaming primitive of a file from its wrapped keyset; `KeyDestroyed` once ``key`` is destroyed."""
    return _open_wrapped_file_key(_primitives.get(key), wrapped, _ad(key, field, row), field)


class Pending:
    """Text to seal for the row it is saved in; the row's `SealedField` seals it on save."""

    __slots__ = ("field", "key", "sealed", "value")

    def __init__(self, key: DataKey, value: str, field: str) -> None:
        if key.wrapped is None:
            raise KeyDestroyed(key.pk)
        self.key, self.value, self.field = key, value, field
        self.sealed: bytes | None = None  # what it became on save, so the writer reads it back unopened

    def __repr__(self) -> str:
        return f"<Pending sealed {self.field}>"  # never the text: reprs reach logs and error pages

    def seal_for(self, row: Row) -> bytes:
        self.sealed = seal(self.key, self.value, field=self.field, row=row)
        return self.sealed


def pending(key: DataKey, value: str, *, field: str) -> Pending:
    """Seal ``value`` for whichever row it is assigned to (see the module docstring)."""
    return Pending(key, value, field)


class _RowBound(Protocol):
    row_uuid: uuid.UUID


class SealedField(models.BinaryField[bytes | memoryview | Pending | None, bytes | memoryview | None]):
    """A sealed column. A `Pending` value assigned to it is sealed for the row (its ``row_uuid``) on save.

    Migrations see a plain BinaryField: the binding happens in Python only.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, Pending):
            value = value.seal_for(cast(_RowBound, model_instance).row_uuid)  # every sealed row has one
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


class _Opened(dict[str, tuple[Any, str]]):
    """Per-instance cache of opened values: never shown in a repr, never pickled with the instance."""

    def __repr__(self) -> str:
        return f"<{len(self)} opened sealed values>"

    def __reduce__(self) -> Any:
        return (_Opened, ())


class Sealed(property):
    """The text of a sealed column, declared on the model next to it.

    ``Sealed("case.note", key="case.data_key")`` as ``body`` reads and writes ``body_sealed``
    (or ``column=``): the value is bound to the data key at the dotted path ``key`` (from the
    row), the field name given (the associated data's field, unchanged from earlier releases)
    and the row's ``row_uuid``. Reading opens the column once per instance and stored value;
    an empty column reads as "". Writing puts a `Pending` value in the column, sealed for the
    row on save; "" (or None) empties a nullable column. Reading or writing a row whose data key
    was destroyed (an erased case) raises `KeyDestroyed`, or the model's ``erased`` error for a
    write; ``erased_reads_as`` gives reads a fixed value instead. A value copied from another
    row, field or key raises `SealError`.

    A `property` for Django, so the model's constructor and ``create()`` accept it by name (services
    assign it after construction instead, which the type checker can follow).
    """

    def __init__(self, field: str, *, key: str, column: str | None = None, erased: Any = None,
                 erased_reads_as: str | None = None) -> None:
        super().__init__(doc=f"The sealed {field}.")
        self.field, self.key_path = field, key.split(".")
        self.column: str = column or ""  # the default, `<name>_sealed`, once the name is known
        self.erased, self.erased_reads_as = erased, erased_reads_as
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column = self.column or f"{name}_sealed"

    def key_of(self, obj: Any) -> DataKey:
        key = obj
        for part in self.key_path:
            key = getattr(key, part)
        return cast(DataKey, key)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        blob = getattr(obj, self.column)
        if isinstance(blob, Pending):
            return blob.value
        opened = obj.__dict__.get("_sealed_opened")
        if opened is not None and self.name in opened:
            held, text = opened[self.name]
            if held is blob or (isinstance(held, Pending) and held.sealed is not None and held.sealed is blob):
                return text
        if blob is None or len(blob) == 0:
            return ""
        key = self.key_of(obj)
        if key.wrapped is None and self.erased_reads_as is not None:
            return self.erased_reads_as
        text = unseal(key, blob, field=self.field, row=obj.row_uuid)
        obj.__dict__.setdefault("_sealed_opened", _Opened())[self.name] = (blob, text)
        return text

    def __set__(self, obj: Any, value: str | None) -> None:
        if not value and obj._meta.get_field(self.column).null:
            setattr(obj, self.column, None)
            return
        key = self.key_of(obj)
        if key.wrapped is None and self.erased is not None:
            raise DomainError(self.erased)
        held = Pending(key, value or "", self.field)
        setattr(obj, self.column, held)
        obj.__dict__.setdefault("_sealed_opened", _Opened())[self.name] = (held, held.value)

    def __delete__(self, obj: Any) -> None:
        raise AttributeError(f"{self.name}: assign an empty value to clear a sealed column")


def row_uuid_field() -> models.UUIDField[uuid.UUID | str, uuid.UUID]:
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


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 under the server's index key (STEWARD_INDEX_KEY), for hashes of random secrets:
    receipt codes, form tokens. It is never rotated: only the hash of a code is kept, so nothing
    could be hashed again under a new key, and a leaked key does not help guess 100-bit codes."""
    return hmac.new(_index_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


# --- Blind indexes ----------------------------------------------------------------------------
#
# A blind index finds a sealed identifier (an email address, an account handle) by a keyed hash
# of it. Such values are guessable, so the index key must be rotatable. STEWARD_BLIND_INDEX_KEYS
# lists the index keys by version, current first: "3:<base64> 2:<base64>"; the bare entry "1" is
# version 1, the original key STEWARD_INDEX_KEY (the default when the setting is empty). Version 1
# values are stored as the bare 64-hex hash (as before versions existed); later ones as
# "v<N>:" + the hash cut to the column's 64 characters (still over 240 bits). Look-ups ask for
# every listed version (`blind_indexes`), so they keep working while `rotate_index_key reindex`
# recomputes stored values from the sealed plaintext.

INDEX_LENGTH = 64


class IndexKeyError(ValueError):
    """STEWARD_BLIND_INDEX_KEYS is malformed; the message names the entry and the problem."""


def _decode_index_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        raise IndexKeyError(f"{name} is not valid base64") from None
    if len(key) < 32:
        raise IndexKeyError(f"{name} must be at least 32 random bytes, base64-encoded")
    return key


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    if settings.STEWARD_INDEX_KEY:
        return _decode_index_key(settings.STEWARD_INDEX_KEY, "STEWARD_INDEX_KEY")
    # Development only (production refuses to start without STEWARD_INDEX_KEY).
    return hashlib.sha256(b"steward-index:" + settings.SECRET_KEY.encode()).digest()


@lru_cache(maxsize=8)
def parse_index_keys(text: str) -> tuple[tuple[int, bytes | None], ...]:
    """The versions of STEWARD_BLIND_INDEX_KEYS, current first; version 1's key is None (STEWARD_INDEX_KEY)."""
    versions: list[tuple[int, bytes | None]] = []
    for entry in text.replace(",", " ").split() or ["1"]:
        number, _colon, encoded = entry.partition(":")
        if not number.isdigit() or int(number) < 1:
            raise IndexKeyError(f"STEWARD_BLIND_INDEX_KEYS: {entry[:8]!r}… does not start with a version number "
                                "(\"<version>:<base64 key>\")")
        version = int(number)
        if any(version == seen for seen, _ in versions):
            raise IndexKeyError(f"STEWARD_BLIND_INDEX_KEYS lists version {version} twice")
        if version == 1:
            if encoded:
                raise IndexKeyError("STEWARD_BLIND_INDEX_KEYS: version 1 is STEWARD_INDEX_KEY; list it as a bare \"1\"")
            versions.append((1, None))
        else:
            if not encoded:
                raise IndexKeyError(f"STEWARD_BLIND_INDEX_KEYS: version {version} has no key")
            versions.append((version, _decode_index_key(encoded, f"STEWARD_BLIND_INDEX_KEYS version {version}")))
    return tuple(versions)


@checks.register(checks.Tags.security)
def check_index_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed STEWARD_BLIND_INDEX_KEYS stops the processes at start, not at the first look-up."""
    try:
        parse_index_keys(settings.STEWARD_BLIND_INDEX_KEYS)
    except IndexKeyError as error:
        return [checks.Error(str(error), hint="Use the value `manage.py rotate_index_key` printed.", id="steward.E102")]
    return []


def index_key_versions() -> list[int]:
    """The configured blind-index key versions, current first."""
    return [version for version, _ in parse_index_keys(settings.STEWARD_BLIND_INDEX_KEYS)]


def format_index_keys(versions: Iterable[tuple[int, bytes | None]]) -> str:
    return " ".join("1" if key is None else f"{version}:{base64.b64encode(key).decode()}" for version, key in versions)


def _index_under(version: int, key: bytes | None, value: str, purpose: str) -> str:
    digest = hmac.new(_index_key() if key is None else key, f"{purpose}\x00{value.strip().casefold()}".encode(),
                      hashlib.sha256).hexdigest()
    if version == 1:
        return digest
    prefix = f"v{version}:"
    return prefix + digest[:INDEX_LENGTH - len(prefix)]


def blind_index(value: str, *, purpose: str) -> str:
    """The index to store for ``value``: under the current index key, ignoring case and surrounding space."""
    version, key = parse_index_keys(settings.STEWARD_BLIND_INDEX_KEYS)[0]
    return _index_under(version, key, value, purpose)


def blind_indexes(value: str, *, purpose: str) -> list[str]:
    """Every index ``value`` may be stored under (current key first): look-ups filter with ``__in``."""
    return [_index_under(version, key, value, purpose) for version, key in parse_index_keys(settings.STEWARD_BLIND_INDEX_KEYS)]


def index_version(stored: str) -> int:
    """The key version a stored index was made with (0 for an empty index)."""
    if not stored:
        return 0
    if stored.startswith("v") and ":" in stored:
        return int(stored[1:stored.index(":")])
    return 1


def index_prefix(version: int) -> str:
    """What every stored index of ``version`` starts with (version 1 has none)."""
    return "" if version == 1 else f"v{version}:"


class BlindIndex:
    """A model's blind-index column and how to compute it again from the row (for `rotate_index_key`).

    ``purpose`` is fixed or takes the row; ``value`` takes the row and returns the plaintext that was indexed (it
    opens the sealed column). Declared on the model: ``email_blind = BlindIndex("email_index", …)``.
    """

    def __init__(self, column: str, *, purpose: str | Callable[[Any], str], value: Callable[[Any], str],
                 key: str = "data_key") -> None:
        self.column, self.value, self.key_path = column, value, key.split(".")
        self.purpose: Callable[[Any], str] = purpose if callable(purpose) else (lambda row: purpose)

    def key_of(self, row: Any) -> DataKey:
        for part in self.key_path:
            row = getattr(row, part)
        return cast(DataKey, row)

    def current(self, row: Any) -> str:
        """The row's index under the current key, or "" when its data key was destroyed (nothing to find)."""
        if self.key_of(row).wrapped is None:
            return ""
        return blind_index(self.value(row), purpose=self.purpose(row))


@dataclass(frozen=True)
class DerivedIndex:
    """Blind indexes an app computes from several sealed values of a row (the registry's screening
    keys), which no single column declares: the app counts and rebuilds them for `rotate_index_key`."""

    name: str
    behind: Callable[[int], int]  # how many rows hold an index under another version than this one
    rebuild: Callable[[int], int]  # rebuild those under this version (in short batches); how many


_derived: list[DerivedIndex] = []


def register_derived_index(index: DerivedIndex) -> None:
    if all(existing.name != index.name for existing in _derived):
        _derived.append(index)


def derived_indexes() -> list[DerivedIndex]:
    return list(_derived)


def blind_index_columns() -> list[tuple[type[models.Model], BlindIndex]]:
    """Every blind-index column the installed apps declare."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for attribute in vars(model).values():
            if isinstance(attribute, BlindIndex):
                found.append((model, attribute))
    return found


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
    sealed: bytes = _token_aead(token, purpose).encrypt(value, f"{purpose}:{field}".encode())
    return sealed


def open_for_token(token: str, blob: bytes | memoryview, *, purpose: str, field: str) -> bytes:
    """Raises tink.TinkError when the token (or the field) is not the one it was sealed for."""
    opened: bytes = _token_aead(token, purpose).decrypt(bytes(blob), f"{purpose}:{field}".encode())
    return opened


def new_index_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def new_token_file_key(token: str, *, purpose: str, field: str) -> tuple[bytes, streaming_aead.StreamingAead]:
    """`new_file_key` for a file only the holder of ``token`` may open (see `_token_aead`)."""
    return _new_wrapped_file_key(_token_aead(token, purpose), f"{purpose}:{field}".encode())


def token_file_key(token: str, wrapped: bytes | memoryview, *, purpose: str, field: str) -> streaming_aead.StreamingAead:
    """Raises `SealError` when the token (or the field) is not the one the key was wrapped for."""
    return _open_wrapped_file_key(_token_aead(token, purpose), wrapped, f"{purpose}:{field}".encode(), field)
