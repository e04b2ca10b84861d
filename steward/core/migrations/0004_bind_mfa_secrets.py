"""Seal every second-factor secret for its authenticator's account and kind (see steward.core.mfa_secrets).

Secrets sealed without a row (``steward-sealed:<key>:<b64>``) are opened and sealed again bound to
the row; secrets still in the clear (written before secrets were sealed) are sealed. Reversible:
going back writes them as ``steward-sealed:`` values again, which the earlier code reads.
"""

import base64

from django.db import migrations

from steward.core import crypto, mfa_secrets

UNBOUND = "steward-sealed:"
SECRET_FIELDS = ("secret", "seed", "migrated_codes")  # allauth's TOTP secret, recovery-code seed, old codes


def _map(value, change):
    if isinstance(value, list):
        return [_map(item, change) for item in value]
    return change(value) if isinstance(value, str) else value


def bind_secrets(apps, schema_editor):
    authenticator_model = apps.get_model("mfa", "Authenticator")
    data_key_model = apps.get_model("core", "DataKey")
    for authenticator in authenticator_model.objects.order_by("pk").iterator():
        user_id, kind = authenticator.user_id, str(authenticator.type)

        def bind(value):
            if value.startswith((mfa_secrets.BOUND, mfa_secrets.PENDING)):
                return value
            if value.startswith(UNBOUND):
                key_id, _, blob = value.removeprefix(UNBOUND).partition(":")
                key = data_key_model.objects.get(pk=int(key_id))
                if key.wrapped is None:
                    return value  # destroyed: it cannot be opened either way
                text = crypto.unseal(key, base64.b64decode(blob), field="mfa.secret")
            else:
                key, text = crypto.shared_key("staff_secrets"), value
            return mfa_secrets.bound(key, text, user_id, kind)

        data = dict(authenticator.data or {})
        for name in SECRET_FIELDS:
            if name in data:
                data[name] = _map(data[name], bind)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def unbind_secrets(apps, schema_editor):
    authenticator_model = apps.get_model("mfa", "Authenticator")
    data_key_model = apps.get_model("core", "DataKey")
    for authenticator in authenticator_model.objects.order_by("pk").iterator():

        def unbind(value):
            if not value.startswith(mfa_secrets.BOUND):
                return value
            key_id, user_id, kind, blob = value.removeprefix(mfa_secrets.BOUND).split(":", 3)
            key = data_key_model.objects.get(pk=int(key_id))
            if key.wrapped is None:
                return value
            text = crypto.unseal(key, base64.b64decode(blob), field=mfa_secrets.FIELD,
                                 row=mfa_secrets.row_of(user_id, kind))
            return f"{UNBOUND}{key.pk}:{base64.b64encode(crypto.seal(key, text, field='mfa.secret')).decode()}"

        data = dict(authenticator.data or {})
        for name in SECRET_FIELDS:
            if name in data:
                data[name] = _map(data[name], unbind)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_datakey_purposes"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(bind_secrets, unbind_secrets)]
