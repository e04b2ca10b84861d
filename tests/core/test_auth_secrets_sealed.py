"""Second-factor secrets are sealed with a data key, so a database dump cannot mint codes."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from steward.core import crypto
from steward.core.models import DataKey
from tests.conftest import TOTP_SECRET, make_staff, totp_code


def key_id(stored: str) -> str:
    return stored.split(":")[1]


def test_totp_secret_is_sealed_and_still_validates(db):
    user = make_staff("sealed-secret")
    Authenticator.objects.filter(user=user).delete()
    totp = TOTP.activate(user, TOTP_SECRET)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert TOTP_SECRET not in stored
    assert stored.startswith(f"steward-bound:{key_id(stored)}:{user.pk}:totp:")
    assert DataKey.objects.filter(purpose=DataKey.Purpose.STAFF_SECRETS, wrapped__isnull=False).count() == 1
    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(totp_code())


def test_a_destroyed_secrets_key_stops_every_code(db):
    user = make_staff("erased-secret")
    Authenticator.objects.filter(user=user).delete()
    totp = TOTP.activate(user, TOTP_SECRET)
    key = DataKey.objects.get(purpose=DataKey.Purpose.STAFF_SECRETS)
    key.wrapped = None
    key.save()
    with pytest.raises(crypto.KeyDestroyed):
        TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(totp_code())
