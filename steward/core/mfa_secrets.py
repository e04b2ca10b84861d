"""Second-factor secrets sealed for the account and kind of authenticator they belong to.

allauth stores the TOTP secret and the recovery-code seed in ``Authenticator.data`` and
asks its adapter to ``encrypt(text)`` / ``decrypt(text)`` them without saying which row
they are for. So the binding is done around the row, in signals:

- ``encrypt`` seals the secret as *pending* (``steward-pending:<key>:<b64>``);
- before an authenticator is saved, each pending secret is sealed again for that row:
  ``steward-bound:<key>:<user id>:<type>:<b64>``, the associated data holding the user id
  and the authenticator type, so a secret copied into another staff member's authenticator
  does not open;
- when an authenticator is loaded, a bound secret whose user id or type is not the row's
  own is replaced by a refusal marker, so ``decrypt`` cannot be fooled by a copy whose
  clear part was left as it was; ``decrypt`` opens only bound secrets.

Secrets written before this (``steward-sealed:<key>:<b64>``, or in the clear) are sealed
again by migration ``core.0004_bind_mfa_secrets``; ``decrypt`` refuses them.
"""

from __future__ import annotations

import base64
from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models.signals import post_init, pre_save

from . import crypto
from .models import DataKey

PENDING = "steward-pending:"
BOUND = "steward-bound:"
REFUSED = "steward-refused:"  # in memory only: a bound secret found in another account's row
FIELD = "mfa.secret"


def row_of(user_id: Any, kind: str) -> str:
    return f"{user_id}:{kind}"


def pending(text: str) -> str:
    key = crypto.shared_key(DataKey.Purpose.STAFF_SECRETS)
    blob = crypto.seal(key, text, field="mfa.pending")
    return f"{PENDING}{key.pk}:{base64.b64encode(blob).decode()}"


def bound(key: DataKey, text: str, user_id: Any, kind: str) -> str:
    blob = crypto.seal(key, text, field=FIELD, row=row_of(user_id, kind))
    return f"{BOUND}{key.pk}:{user_id}:{kind}:{base64.b64encode(blob).decode()}"


def _bind(value: str, user_id: Any, kind: str) -> str:
    key_id, _, blob = value.removeprefix(PENDING).partition(":")
    key = DataKey.objects.get(pk=int(key_id))
    return bound(key, crypto.unseal(key, base64.b64decode(blob), field="mfa.pending"), user_id, kind)


def _owner(value: str) -> tuple[str, str] | None:
    parts = value.removeprefix(BOUND).split(":", 3)
    return (parts[1], parts[2]) if len(parts) == 4 else None


def open_secret(value: str) -> str:
    if not value.startswith(BOUND):
        raise crypto.SealError("This second-factor secret is not sealed for the account it is stored with")
    key_id, user_id, kind, blob = value.removeprefix(BOUND).split(":", 3)
    key = DataKey.objects.get(pk=int(key_id))
    return crypto.unseal(key, base64.b64decode(blob), field=FIELD, row=row_of(user_id, kind))


def _map(data: Any, change: Any) -> Any:
    if isinstance(data, str):
        return change(data)
    if isinstance(data, list):
        return [_map(item, change) for item in data]
    if isinstance(data, dict):
        return {name: _map(item, change) for name, item in data.items()}
    return data


def bind_pending_secrets(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    kind = str(instance.type)
    instance.data = _map(instance.data, lambda v: _bind(v, instance.user_id, kind) if v.startswith(PENDING) else v)


def refuse_foreign_secrets(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    fields = instance.__dict__
    data = fields.get("data")
    if data is None:
        return
    own = (str(fields.get("user_id")), str(fields.get("type")))

    def check(value: str) -> str:
        if value.startswith(BOUND) and _owner(value) != own:
            return REFUSED
        return value

    instance.__dict__["data"] = _map(data, check)


def connect() -> None:
    pre_save.connect(bind_pending_secrets, sender=Authenticator, dispatch_uid="steward_mfa_bind")
    post_init.connect(refuse_foreign_secrets, sender=Authenticator, dispatch_uid="steward_mfa_refuse_foreign")
