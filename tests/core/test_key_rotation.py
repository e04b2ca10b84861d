"""Key-encryption-key rotation: add a key, re-wrap every data key, drop the old key —
and every sealed value stays readable throughout."""

import io
import json

import pytest
import tink
from django.core.management import CommandError, call_command

from steward.core import crypto
from steward.core.models import DataKey


def _use_keyset(settings, keyset_json: str) -> None:
    settings.STEWARD_KEK = keyset_json
    crypto._kek.cache_clear()
    crypto._kek_handle.cache_clear()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_kek", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def kek(settings):
    _use_keyset(settings, crypto.generate_keyset_json())
    yield
    crypto._kek.cache_clear()
    crypto._kek_handle.cache_clear()


def test_rotation_keeps_every_value_readable(db, settings, kek, file_report):
    report, _ = file_report(narrative="Canary narrative before rotation")
    old_primary = crypto.kek_primary_id()
    assert set(DataKey.objects.values_list("kek_key_id", flat=True)) == {old_primary}

    _use_keyset(settings, _run("add-key"))
    new_primary = crypto.kek_primary_id()
    assert new_primary != old_primary
    # Old wrappings still open with the merged keyset: no downtime.
    report = type(report).objects.get(pk=report.pk)
    assert report.narrative == "Canary narrative before rotation"

    with pytest.raises(CommandError, match="still wrapped under a retired key"):
        _run("drop-old")

    assert "Re-wrapped" in _run("rewrap")
    assert set(DataKey.objects.values_list("kek_key_id", flat=True)) == {new_primary}

    final = _run("drop-old")
    assert [k["keyId"] for k in json.loads(final)["key"]] == [new_primary]
    _use_keyset(settings, final)
    crypto._primitives._items.clear()
    report = type(report).objects.get(pk=report.pk)
    assert report.narrative == "Canary narrative before rotation"
    assert report.case.reports.count() == 1


def test_data_key_wrapped_under_a_dropped_key_cannot_be_opened(db, settings, kek, file_report):
    report, _ = file_report(narrative="Canary never re-wrapped")
    _use_keyset(settings, crypto.keyset_primary_only(_run("add-key")))  # old key removed too early
    crypto._primitives._items.clear()
    report = type(report).objects.get(pk=report.pk)
    with pytest.raises(tink.TinkError, match="Decryption failed"):
        report.narrative  # noqa: B018


def test_destroyed_keys_are_skipped_by_rewrap(db, settings, kek, file_report):
    report, _ = file_report()
    crypto.destroy(report.data_key)
    _use_keyset(settings, _run("add-key"))
    _run("rewrap")
    assert DataKey.objects.get(pk=report.data_key_id).wrapped is None
