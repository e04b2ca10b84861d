"""Envelope encryption with Tink: per-case data keys wrapped by a key-encryption key.

Sealed values are AES-256-GCM ciphertexts bound (as associated data) to the data key
and the field they belong to, so a ciphertext copied into another field or case fails
to open instead of showing the wrong text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import tink
from django.conf import settings
from django.utils import timezone
from tink import aead, secret_key_access
from tink.proto import aes_gcm_pb2, tink_pb2

from .models import DataKey

aead.register()


class KeyDestroyed(Exception):
    """The data key was destroyed: the content it protected is gone for good."""


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
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(generate_keyset_json())
            path.chmod(0o600)
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


def new_data_key(purpose: str) -> DataKey:
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    wrapped = tink.proto_keyset_format.serialize_encrypted(handle, _kek(), _wrap_ad(purpose))
    return DataKey.objects.create(purpose=purpose, wrapped=wrapped, kek_key_id=kek_primary_id())


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


def _ad(key: DataKey, field: str) -> bytes:
    return f"{key.pk}:{field}".encode()


def seal_bytes(key: DataKey, value: bytes, *, field: str) -> bytes:
    return _primitives.get(key).encrypt(value, _ad(key, field))


def open_bytes(key: DataKey, blob: bytes | memoryview, *, field: str) -> bytes:
    return _primitives.get(key).decrypt(bytes(blob), _ad(key, field))


def seal(key: DataKey, value: str, *, field: str) -> bytes:
    return seal_bytes(key, value.encode("utf-8"), field=field)


def unseal(key: DataKey, blob: bytes | memoryview | None, *, field: str) -> str:
    if blob is None or len(blob) == 0:
        return ""
    return open_bytes(key, blob, field=field).decode("utf-8")


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
