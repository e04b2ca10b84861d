"""`core.rows.insert` writes the row `save(force_insert=True)` would write, for the models it is used on."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from steward.core import crypto, outbox, rows
from steward.core.models import DataKey, OutboxMessage
from steward.registry.models import MatchKey, Person, Referral
from steward.reports.messages import FileReport
from steward.reports.models import ReceivedReport

pytestmark = pytest.mark.django_db

# The models written with rows.insert and rows.insert_columns: they send no save signals, so nothing may
# listen to them.
INSERTED = [DataKey, ReceivedReport, OutboxMessage, Referral.people.through, Referral.records.through]


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


def _answer_rows(batch: rows.Batch, submission_hash: str = "s" * 64) -> ReceivedReport:
    key = batch.add(crypto.new_unsaved_data_key(DataKey.Purpose.REPORT))
    received = ReceivedReport(data_key=key, submission_hash=submission_hash, receipt_hash=submission_hash[::-1],
                              code_sealed=b"c")
    received.intake = '{"narrative": "x"}'
    batch.add(received)
    batch.add(outbox.message_row(FileReport(received=received.pk)))
    return received


def test_together_writes_rows_that_point_at_each_other():
    received = rows.together(_answer_rows)
    stored = ReceivedReport.objects.select_related("data_key").get(pk=received.pk)
    assert stored.data_key_id == received.data_key_id and stored.intake == '{"narrative": "x"}'
    assert OutboxMessage.objects.get(kind=FileReport.kind).payload == {"received": received.pk}
    assert not received._state.adding and received._state.db == "default"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_together_is_one_round_trip_on_postgresql():
    """As a request runs, outside any transaction (inside one it takes a savepoint around the statement)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows.together(_answer_rows)  # takes the reserves of keys
    with CaptureQueriesContext(connection) as queries:
        rows.together(lambda batch: _answer_rows(batch, "t" * 63 + "u"))
    assert len(queries) == 1 and queries[0]["sql"].count("INSERT INTO") == 3


@pytest.mark.django_db(transaction=True)
def test_together_writes_nothing_when_one_row_fails():
    """Outside any transaction (as a request runs), a row refused by the database takes the others with it."""
    rows.together(_answer_rows)
    counts = (DataKey.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(IntegrityError):
        rows.together(_answer_rows)  # the same submission hash again
    assert (DataKey.objects.count(), OutboxMessage.objects.count()) == counts
    assert ReceivedReport.objects.count() == 1


def test_an_error_while_building_writes_nothing():
    def broken(batch: rows.Batch) -> None:
        batch.add(crypto.new_unsaved_data_key(DataKey.Purpose.REPORT))
        raise RuntimeError("the form's answers did not serialise")

    with pytest.raises(RuntimeError):
        rows.together(broken)
    assert not DataKey.objects.filter(purpose=DataKey.Purpose.REPORT).exists()


@pytest.mark.postgresql
def test_a_reserved_key_taken_meanwhile_is_replaced():
    """A sequence set back (a restore, a test resetting sequences) can hand out a key this process
    holds in reserve: the rows are built again with fresh keys, and nothing is lost."""
    rows.together(_answer_rows)
    taken = next(ids[-1] for (_pid, _alias, table), ids in rows._reserved.items() if table == DataKey._meta.db_table)
    DataKey.objects.create(pk=taken, purpose=DataKey.Purpose.REPORT)
    received = rows.together(lambda batch: _answer_rows(batch, "t" * 63 + "u"))
    assert received.data_key_id != taken
    assert ReceivedReport.objects.filter(pk=received.pk, data_key_id=received.data_key_id).exists()


def test_insert_columns_writes_one_row_per_value():
    people = [Person.objects.create() for _ in range(3)]
    rows.insert_columns(MatchKey, {"person": [p.pk for p in people], "key": ["a", "b", "c"], "counts": [True, False, True]})
    assert sorted(MatchKey.objects.values_list("person_id", "key", "counts")) == [
        (people[0].pk, "a", True), (people[1].pk, "b", False), (people[2].pk, "c", True)]


def test_insert_columns_of_unequal_lengths_or_a_refused_row_write_nothing():
    person = Person.objects.create()
    with pytest.raises(ValueError, match="one value per row"):
        rows.insert_columns(MatchKey, {"person": [person.pk], "key": ["a", "b"], "counts": [True, True]})
    rows.insert_columns(MatchKey, {"person": [], "key": [], "counts": []})  # nothing to write
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_columns(MatchKey, {"person": [person.pk, person.pk], "key": ["a", None], "counts": [True, True]})
    assert not MatchKey.objects.exists()
