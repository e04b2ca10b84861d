"""`core.rows.insert` writes the row `save(force_insert=True)` would write, for the models it is used on."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from steward.core import crypto, outbox, rows
from steward.core.models import DataKey, OutboxMessage
from steward.reports.messages import FileReport
from steward.reports.models import ReceivedReport

pytestmark = pytest.mark.django_db

# The models written with rows.insert: it sends no save signals, so nothing may listen to them.
INSERTED = [DataKey, ReceivedReport, OutboxMessage]


@pytest.mark.parametrize("model", INSERTED)
def test_nothing_listens_to_the_saves_it_skips(model):
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def test_a_data_key_gets_its_defaults_and_primary_key():
    (key,) = crypto.new_data_keys(DataKey.Purpose.REPORT)
    stored = DataKey.objects.get(pk=key.pk)
    assert key.pk is not None and not key._state.adding
    assert stored.purpose == DataKey.Purpose.REPORT and bytes(stored.wrapped) == bytes(key.wrapped)
    assert stored.created_at == key.created_at is not None
    assert stored.kek_key_id == crypto.kek_primary_id()


def test_a_sealed_field_is_sealed_for_its_row():
    (key,) = crypto.new_data_keys(DataKey.Purpose.REPORT)
    received = ReceivedReport(data_key=key, submission_hash="s" * 64, receipt_hash="r" * 64, code_sealed=b"code")
    received.intake = '{"narrative": "x"}'
    rows.insert(received)
    stored = ReceivedReport.objects.select_related("data_key").get(pk=received.pk)
    assert stored.intake == '{"narrative": "x"}'
    assert stored.row_uuid == received.row_uuid and stored.received_at == received.received_at
    assert b"narrative" not in bytes(stored.intake_sealed)


def test_an_outbox_row_keeps_its_payload_and_defaults():
    with transaction.atomic():
        row = outbox.send(FileReport(received=7))
    assert row is not None
    stored = OutboxMessage.objects.get(pk=row.pk)
    assert stored.payload == {"received": 7} and stored.kind == FileReport.kind
    assert stored.status == OutboxMessage.Status.PENDING and stored.attempts == 0 and not stored.uncertain
    assert stored.created_at is not None and stored.next_attempt_at == row.next_attempt_at
