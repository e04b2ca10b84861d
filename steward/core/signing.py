"""The audit log's checkpoint signing key: an Ed25519 keyset (Tink) kept apart from the database.

It comes from STEWARD_AUDIT_SIGNING_KEY (the keyset's JSON) or STEWARD_AUDIT_SIGNING_KEY_FILE,
like the key-encryption key; development creates `var/dev-audit-signing-key.json` (0600) on first
use, production refuses to start without one. Someone who can rewrite the database but not read
this key cannot forge a checkpoint, so a rewritten or shortened log no longer matches the
checkpoints operators kept.
"""

from __future__ import annotations

from functools import lru_cache

import tink
from django.conf import settings
from tink import secret_key_access, signature

from .private_files import configured_keyset

signature.register()


class BadSignature(Exception):
    """A signature did not verify with any key of the public keyset."""


def generate_signing_keyset_json() -> str:
    """A fresh Ed25519 keyset in Tink's JSON format (for STEWARD_AUDIT_SIGNING_KEY)."""
    handle = tink.new_keyset_handle(signature.signature_key_templates.ED25519)
    keyset_json: str = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
    return keyset_json


def _signing_keyset_json() -> str:
    return configured_keyset(settings.STEWARD_AUDIT_SIGNING_KEY, settings.STEWARD_AUDIT_SIGNING_KEY_FILE,
                             what="audit signing key", generate=generate_signing_keyset_json)


@lru_cache(maxsize=1)
def _signing_handle() -> tink.KeysetHandle:
    return tink.json_proto_keyset_format.parse(_signing_keyset_json(), secret_key_access.TOKEN)


def sign(message: bytes) -> tuple[bytes, int]:
    """The signature of `message` and the id of the key that made it."""
    handle = _signing_handle()
    return handle.primitive(signature.PublicKeySign).sign(message), int(handle.keyset_info().primary_key_id)


def public_keyset_json() -> str:
    """The public half of the signing keyset: what a verifier needs, safe to publish."""
    keyset_json: str = tink.json_proto_keyset_format.serialize_without_secret(_signing_handle().public_keyset_handle())
    return keyset_json


def verify(signature_bytes: bytes, message: bytes, *, public_keyset: str | None = None) -> None:
    """Raise `BadSignature` unless a key of the public keyset (default: the configured one) signed it.

    Every key of a rotated keyset verifies, so old checkpoints stay checkable after rotation."""
    try:
        handle = (tink.json_proto_keyset_format.parse_without_secret(public_keyset) if public_keyset is not None
                  else _signing_handle().public_keyset_handle())
        handle.primitive(signature.PublicKeyVerify).verify(signature_bytes, message)
    except tink.TinkError as error:
        raise BadSignature(str(error)) from error
